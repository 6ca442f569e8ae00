# The call pad's and evaluator's 128x64 screen: four lines of 16 px, every
# character a GNU Unifont glyph, 16x16 (Chinese) or 8x16 (ASCII). The
# firmware's own words come from screen.font, flashed with it
# (gateway/provision/screen_font.py: a sorted index of code points, found by
# binary search with seek, then the bitmaps); the hall's words (names,
# reasons, messages) from the glyphs their desired state carries (gl/gb,
# protocols/desired.py), kept in glyphs.bin once written. Neither table is
# on the heap: a glyph is read into one 32-byte buffer as it is drawn. A
# character found in neither is drawn as '?'; nothing is drawn past the
# right edge, and a glyph that does not fit whole is left out.
import binascii
import framebuf
from micropython import const

from ssd1306 import SSD1306

_W = const(128)


class Screen(SSD1306):
    def __init__(self, i2c):
        super().__init__(i2c)
        self.gl = ""      # at boot glyphs.bin is not trusted: the next state brings it again
        self._f = None
        self._g = bytearray(32)   # the one glyph buffer, blitted from
        self._half = memoryview(self._g)[:16]
        self._wide_fb = framebuf.FrameBuffer(self._g, 16, 16, framebuf.MONO_HLSB)
        self._half_fb = framebuf.FrameBuffer(self._half, 8, 16, framebuf.MONO_HLSB)
        self._e = bytearray(4)    # one index entry
        self._n = 0
        try:
            self._ff = open("screen.font", "rb")
            self._ff.readinto(self._e)
            if self._e[:2] == b"HZ":
                self._n = self._e[2] << 8 | self._e[3]
        except OSError:   # not flashed: ASCII in framebuf's 8x8 font, the rest '?'
            self._ff = None
            print("screen: no screen.font")

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
        except OSError as e:   # flash full or worn: '?' for the hall's words
            print("screen: glyphs not stored: %r" % (e,))
            return
        self.gl = gl

    def _glyph(self, c, load):
        """The width of c's glyph (16 or 8), 0 when there is none; load: read it into the buffer."""
        if ord(c) > 127:
            i = self.gl.find(c)
            if i >= 0:
                if load:
                    if not self._f:
                        self._f = open("glyphs.bin", "rb")
                    self._f.seek(i * 32)
                    self._f.readinto(self._g)
                return 16
        o, lo, hi, f, e = ord(c), 0, self._n - 1, self._ff, self._e
        while lo <= hi:
            m = (lo + hi) >> 1
            f.seek(4 + 4 * m)
            f.readinto(e)
            k = e[0] << 8 | e[1]
            if k < o:
                lo = m + 1
            elif k > o:
                hi = m - 1
            else:
                wide = e[2] & 128
                if load:
                    f.seek(4 + 4 * self._n + ((e[2] & 127) << 8 | e[3]) * 16)
                    f.readinto(self._g if wide else self._half)
                return 16 if wide else 8
        return 0

    def advance(self, c):
        return self._glyph(c, False) or 8   # '?' when missing

    def span(self, s):
        """How many pixels wide s is drawn."""
        w = 0
        for c in s:
            w += self.advance(c)
        return w

    def line(self, s, y, x=0):
        """Draw s from column x on the 16 px line at row y, up to the right edge."""
        for c in s:
            w = self._glyph(c, True)
            if not w and self._n:
                w = self._glyph("?", True)
            if x + (w or 8) > _W:
                return
            if w == 16:
                self.blit(self._wide_fb, x, y)
            elif w:
                self.blit(self._half_fb, x, y)
            else:
                self.text(c if ord(c) < 128 else "?", x, y + 4, 1)
                w = 8
            x += w

    def block(self, s, y, h, page=0):
        """Fill h px from row y with s in 16 px lines, wrapped after a space
        where one is on the line, else where the line is full; when it does
        not fit, the page-th screenful of it. Returns how many screenfuls s
        needs (0 for an empty s)."""
        starts = [0]   # where each line of s begins
        i, w, sp = 0, 0, -1
        while i < len(s):
            c = s[i]
            cw = self.advance(c)
            if w + cw > _W and i > starts[-1]:
                i = sp + 1 if sp > starts[-1] else i
                starts.append(i)
                w, sp = 0, -1
                continue
            if c == " ":
                sp = i
            w += cw
            i += 1
        per = max(1, h // 16)
        n = (len(starts) + per - 1) // per if s else 0
        if n:
            first = page % n * per
            for k in range(first, min(first + per, len(starts))):
                end = starts[k + 1] if k + 1 < len(starts) else len(s)
                self.line(s[starts[k]:end], y + (k - first) * 16)
        return n
