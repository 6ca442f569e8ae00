# The call pad's and evaluator's 128x64 screen, in text lines that may hold
# Chinese. framebuf's 8x8 font has ASCII only; every other character is a
# 16x16 glyph: the hall's words (names, reasons, messages) from the desired
# state (gl/gb, protocols/desired.py), the firmware's own words from
# ui.glyphs, flashed with it (gateway/provision/ui_glyphs.py: the characters,
# a newline, 32 bytes a glyph). A line holding any non-ASCII is 16 px tall,
# its ASCII centred in it; other lines are 8 px; a character with no glyph is
# drawn as '?'. Both tables stay in flash, not on the heap (the state's in
# glyphs.bin, written when gl changes): each glyph is read into one 32-byte
# buffer as it is drawn.
import binascii
import framebuf

from ssd1306 import SSD1306


def _tall(s):
    for c in s:
        if ord(c) > 127:
            return True
    return False


class Screen(SSD1306):
    def __init__(self, i2c):
        super().__init__(i2c)
        self.gl = ""      # at boot the file's table is not trusted: the next state brings it again
        self._f = None
        self.ui = ""
        try:
            self._uf = open("ui.glyphs", "rb")
            self.ui = str(self._uf.readline()[:-1], "utf-8")
            self._uoff = self._uf.tell()
        except (OSError, ValueError):   # not flashed: the firmware's words in English
            pass
        self._g = bytearray(32)   # one glyph at a time, blitted from here
        self._gfb = framebuf.FrameBuffer(self._g, 16, 16, framebuf.MONO_HLSB)

    def glyphs(self, d):
        """Take the glyphs of a desired state that wire.desired accepted (gb
        a memoryview of base64 into the payload)."""
        gl, gb = d.get("gl", ""), d.pop("gb", "")
        if gl == self.gl:
            return    # most updates repeat them: flash is written only on a change
        if self._f:
            self._f.close()
            self._f = None
        self.gl = ""  # a table cut short by a power cut is never read: gl comes after it
        try:
            with open("glyphs.bin", "wb") as f:
                for i in range(0, len(gb), 64):
                    f.write(binascii.a2b_base64(gb[i:i + 64]))
        except OSError as e:   # flash full or worn: English words and '?' instead
            print("screen: glyphs not stored: %r" % (e,))
            return
        self.gl = gl

    def _glyph(self, c, load=True):
        """Whether c has a glyph; load: into the blit buffer."""
        i = self.gl.find(c)
        if i >= 0:
            if load:
                if not self._f:
                    self._f = open("glyphs.bin", "rb")
                self._f.seek(i * 32)
                self._f.readinto(self._g)
            return True
        i = self.ui.find(c)
        if i >= 0 and load:
            self._uf.seek(self._uoff + i * 32)
            self._uf.readinto(self._g)
        return i >= 0

    def say(self, zh, en):
        """The Chinese words if every glyph is here, else the English ones."""
        for c in zh:
            if ord(c) > 127 and not self._glyph(c, False):
                return en
        return zh

    def span(self, s):
        """How many pixels wide s is drawn."""
        w = 0
        for c in s:
            w += 16 if ord(c) > 127 and self._glyph(c, False) else 8
        return w

    def line(self, s, y, big=False):
        """Draw s from the left edge at row y, clipped at the right edge; big:
        16 px tall even if it is all ASCII (a piece of a tall text)."""
        if not big and not _tall(s):
            self.text(s, 0, y, 1)
            return
        x = 0
        for c in s:
            if x >= 128:
                break
            if ord(c) > 127 and self._glyph(c):
                self.blit(self._gfb, x, y)
                x += 16
            else:
                self.text(c if ord(c) < 128 else "?", x, y + 4, 1)
                x += 8

    def block(self, s, y, h, page=0):
        """Fill h px from row y with s, wrapped at the right edge; when it
        does not fit, the page-th screenful of it. Returns how many
        screenfuls s needs."""
        step = 16 if _tall(s) else 8
        per = max(1, h // step)
        starts = [0]   # where each screen line of s begins
        w = 0
        for i in range(len(s)):
            cw = 16 if ord(s[i]) > 127 and self._glyph(s[i], False) else 8
            if w + cw > 128:
                starts.append(i)
                w = 0
            w += cw
        n = (len(starts) + per - 1) // per if s else 0
        if n:
            first = page % n * per
            for k in range(first, min(first + per, len(starts))):
                end = starts[k + 1] if k + 1 < len(starts) else len(s)
                self.line(s[starts[k]:end], y + (k - first) * step, step == 16)
        return n
