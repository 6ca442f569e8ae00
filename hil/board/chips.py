"""The chips on an emulated board, modelled on the host from the bus traffic
the board forwards: an SSD1306 OLED on I2C and a chain of MAX7219 LED
drivers on SPI. Each decodes the bytes the firmware sends the way its
datasheet says, so a driver bug shows on the emulated screen too."""

# SSD1306 commands followed by this many argument bytes
_ARGS = {0x20: 1, 0x21: 2, 0x22: 2, 0x81: 1, 0x8D: 1, 0xA8: 1, 0xD3: 1,
         0xD5: 1, 0xD9: 1, 0xDA: 1, 0xDB: 1}


class SSD1306:
    def __init__(self):
        self.gram = bytearray(1024)   # 8 pages x 128 columns, bit 0 = top row
        self.on = False
        self.inv = False
        self.c0, self.c1, self.p0, self.p1 = 0, 127, 0, 7
        self.col = self.page = 0
        self._cmd = None
        self._args = []

    def write(self, data):
        if not data:
            return
        self.write_data(data[0], data[1:])

    def write_data(self, ctrl, data):
        if ctrl & 0x40:
            # into a copy, swapped in whole: a reader on another thread never
            # sees half of one frame over the last
            g, col, page = bytearray(self.gram), self.col, self.page
            for i in range(len(data)):
                g[page * 128 + col] = data[i]
                col += 1
                if col > self.c1:
                    col = self.c0
                    page += 1
                    if page > self.p1:
                        page = self.p0
            self.col, self.page = col, page
            self.gram = g
        else:
            for c in data:
                self.command(c)

    def command(self, c):
        if self._cmd is not None:
            self._args.append(c)
            if len(self._args) < _ARGS[self._cmd]:
                return
            cmd, a = self._cmd, self._args
            self._cmd, self._args = None, []
            if cmd == 0x21:
                self.c0, self.c1 = a[0] & 127, a[1] & 127
                self.col = self.c0
            elif cmd == 0x22:
                self.p0, self.p1 = a[0] & 7, a[1] & 7
                self.page = self.p0
            return
        if c in _ARGS:
            self._cmd = c
        elif c in (0xAE, 0xAF):
            self.on = c == 0xAF
        elif c in (0xA6, 0xA7):
            self.inv = c == 0xA7


class MAX7219Chain:
    def __init__(self):
        self.rows = bytearray()       # 8 bytes per module, module 0 nearest the MCU
        self.intensity = bytearray()
        self.shutdown = bytearray()

    def latch(self, data):
        n = len(data) // 2
        if n * 8 > len(self.rows):
            self.rows = self.rows + bytearray(n * 8 - len(self.rows))
            self.intensity = self.intensity + bytearray(n - len(self.intensity))
            self.shutdown = self.shutdown + bytearray(n - len(self.shutdown))
        for k in range(n):
            reg, val = data[2 * (n - 1 - k)], data[2 * (n - 1 - k) + 1]
            if 1 <= reg <= 8:
                self.rows[k * 8 + reg - 1] = val
            elif reg == 10:
                self.intensity[k] = val & 15
            elif reg == 12:
                self.shutdown[k] = 0 if val & 1 else 1
