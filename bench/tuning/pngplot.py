"""A tiny pure-Python raster plotter: RGB canvas, lines, a 5x8 bitmap font, PNG via zlib.

Just enough for panels of line charts (best-so-far curves); no dependencies beyond the
standard library.
"""
import math
import struct
import zlib

# 5x8 glyphs, column-major: 5 bytes per character, bit 0 = top row (the classic glcd font).
_FONT_DATA = {
    " ": "0000000000", "!": "00005f0000", '"': "0007000700", "#": "147f147f14",
    "$": "242a7f2a12", "%": "2313086462", "&": "3649562050", "'": "0008070300",
    "(": "001c224100", ")": "0041221c00", "*": "2a1c7f1c2a", "+": "08083e0808",
    ",": "0080703000", "-": "0808080808", ".": "0000606000", "/": "2010080402",
    "0": "3e5149453e", "1": "00427f4000", "2": "7249494946", "3": "2141494d33",
    "4": "1814127f10", "5": "2745454539", "6": "3c4a494931", "7": "4121110907",
    "8": "3649494936", "9": "464949291e", ":": "0000140000", ";": "0040340000",
    "<": "0008142241", "=": "1414141414", ">": "0041221408", "?": "0201590906",
    "@": "3e415d594e", "A": "7c1211127c", "B": "7f49494936", "C": "3e41414122",
    "D": "7f4141413e", "E": "7f49494941", "F": "7f09090901", "G": "3e41415173",
    "H": "7f0808087f", "I": "00417f4100", "J": "2040413f01", "K": "7f08142241",
    "L": "7f40404040", "M": "7f021c027f", "N": "7f0408107f", "O": "3e4141413e",
    "P": "7f09090906", "Q": "3e4151215e", "R": "7f09192946", "S": "2649494932",
    "T": "03017f0103", "U": "3f4040403f", "V": "1f2040201f", "W": "3f4038403f",
    "X": "6314081463", "Y": "0304780403", "Z": "6159494d43",
    "[": "007f414141", "\\": "0204081020", "]": "004141417f", "^": "0402010204",
    "_": "4040404040", "`": "0003070800", "a": "2054547840", "b": "7f28444438",
    "c": "3844444428", "d": "384444287f", "e": "3854545418", "f": "00087e0902",
    "g": "18a4a49c78", "h": "7f08040478", "i": "00447d4000", "j": "2040403d00",
    "k": "7f10284400", "l": "00417f4000", "m": "7c04780478", "n": "7c08040478",
    "o": "3844444438", "p": "fc18242418", "q": "18242418fc", "r": "7c08040408",
    "s": "4854545424", "t": "04043f4424", "u": "3c4040207c", "v": "1c2040201c",
    "w": "3c4030403c", "x": "4428102844", "y": "4c9090907c", "z": "4464544c44",
    "|": "00007f0000", "{": "0008364100", "}": "0041360800", "~": "0201020402",
}
FONT = {ch: bytes.fromhex(h) for ch, h in _FONT_DATA.items()}
GLYPH_W, GLYPH_H = 6, 9  # advance (5 columns + 1 space), height (8 rows + 1 space)

WHITE = (255, 255, 255)
BLACK = (0, 0, 0)
GREY = (150, 150, 150)
LIGHT = (225, 225, 225)


class Canvas:
    def __init__(self, width, height, background=WHITE):
        self.w, self.h = width, height
        self.px = bytearray(bytes(background) * (width * height))

    def set(self, x, y, color):
        if 0 <= x < self.w and 0 <= y < self.h:
            i = 3 * (y * self.w + x)
            self.px[i:i + 3] = bytes(color)

    def rect(self, x0, y0, x1, y1, color):
        """Filled rectangle, corners inclusive."""
        x0, x1 = max(0, min(x0, x1)), min(self.w - 1, max(x0, x1))
        y0, y1 = max(0, min(y0, y1)), min(self.h - 1, max(y0, y1))
        row = bytes(color) * (x1 - x0 + 1)
        for y in range(y0, y1 + 1):
            i = 3 * (y * self.w + x0)
            self.px[i:i + len(row)] = row

    def line(self, x0, y0, x1, y1, color, width=1, dash=0):
        """Bresenham line; `width` pixels thick (square pen); dash > 0: on/off run length."""
        x0, y0, x1, y1 = int(round(x0)), int(round(y0)), int(round(x1)), int(round(y1))
        dx, dy = abs(x1 - x0), -abs(y1 - y0)
        sx, sy = (1 if x0 < x1 else -1), (1 if y0 < y1 else -1)
        err, n, lo = dx + dy, 0, -(width // 2)
        while True:
            if not dash or (n // dash) % 2 == 0:
                for ox in range(lo, lo + width):
                    for oy in range(lo, lo + width):
                        self.set(x0 + ox, y0 + oy, color)
            n += 1
            if x0 == x1 and y0 == y1:
                break
            e2 = 2 * err
            if e2 >= dy:
                err += dy
                x0 += sx
            if e2 <= dx:
                err += dx
                y0 += sy

    def text(self, x, y, s, color=BLACK, scale=1):
        """Draws `s` with its top-left corner at (x, y); unknown characters become '?'."""
        for k, ch in enumerate(s):
            cols = FONT.get(ch, FONT["?"])
            for cx, bits in enumerate(cols):
                for cy in range(8):
                    if bits >> cy & 1:
                        px, py = x + (k * GLYPH_W + cx) * scale, y + cy * scale
                        self.rect(px, py, px + scale - 1, py + scale - 1, color)

    def text_vertical(self, x, y, s, color=BLACK):
        """Text rotated 90 degrees counter-clockwise, reading bottom-up, starting at (x, y)."""
        for k, ch in enumerate(s):
            cols = FONT.get(ch, FONT["?"])
            for cx, bits in enumerate(cols):
                for cy in range(8):
                    if bits >> cy & 1:
                        self.set(x + cy, y - (k * GLYPH_W + cx), color)

    def png(self):
        raw = bytearray()
        stride = 3 * self.w
        for y in range(self.h):
            raw.append(0)
            raw += self.px[y * stride:(y + 1) * stride]

        def chunk(tag, data):
            return (struct.pack(">I", len(data)) + tag + data
                    + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF))

        return (b"\x89PNG\r\n\x1a\n"
                + chunk(b"IHDR", struct.pack(">IIBBBBB", self.w, self.h, 8, 2, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(bytes(raw), 9)) + chunk(b"IEND", b""))


def text_width(s, scale=1):
    return len(s) * GLYPH_W * scale


def nice_ticks(lo, hi, count=5):
    """Round tick values covering [lo, hi]."""
    if hi <= lo:
        hi = lo + 1
    raw = (hi - lo) / count
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    first = step * int(lo / step)
    ticks, t = [], first
    while t <= hi + 1e-9:
        if t >= lo - 1e-9:
            ticks.append(round(t, 10))
        t += step
    return ticks


def _fmt(v):
    return str(int(v)) if abs(v - round(v)) < 1e-9 else f"{v:g}"


def panel(canvas, x, y, w, h, title, series, xlabel="", ylabel="", xmax=None, ylim=None,
          hlines=()):
    """One line chart in the box (x, y, w, h). series: [(label, color, [(xi, yi)], dash)].
    hlines: [(value, color, dash)] reference lines (drawn under the series)."""
    left, right, top, bottom = 44, 8, 16, 26
    px0, py0, px1, py1 = x + left, y + top, x + w - right, y + h - bottom
    canvas.text(x + (w - text_width(title)) // 2, y + 3, title)
    xs = [p[0] for _, _, pts, _ in series for p in pts]
    ys = [p[1] for _, _, pts, _ in series for p in pts] + [v for v, _, _ in hlines]
    if not xs:
        return
    xlo, xhi = 0, xmax or max(xs)
    ylo, yhi = ylim or (min(ys), max(ys))
    if yhi <= ylo:
        yhi = ylo + 1
    pad = 0.05 * (yhi - ylo)
    ylo, yhi = ylo - pad, yhi + pad

    def sx(v):
        return px0 + (v - xlo) / (xhi - xlo) * (px1 - px0)

    def sy(v):
        return py1 - (v - ylo) / (yhi - ylo) * (py1 - py0)

    for t in nice_ticks(ylo, yhi, 4):
        canvas.line(px0, sy(t), px1, sy(t), LIGHT)
        label = _fmt(t)
        canvas.text(px0 - 3 - text_width(label), int(sy(t)) - 4, label, GREY)
    for t in nice_ticks(xlo, xhi, 4):
        canvas.line(sx(t), py0, sx(t), py1, LIGHT)
        label = _fmt(t)
        canvas.text(int(sx(t)) - text_width(label) // 2, py1 + 3, label, GREY)
    canvas.line(px0, py0, px0, py1, BLACK)
    canvas.line(px0, py1, px1, py1, BLACK)
    for value, color, dash in hlines:
        canvas.line(px0, sy(value), px1, sy(value), color, 1, dash)
    for _, color, pts, dash in series:
        for (a, b), (c, d) in zip(pts, pts[1:]):
            canvas.line(sx(a), sy(b), sx(c), sy(d), color, 2, dash)
    if xlabel:
        canvas.text(px0 + (px1 - px0 - text_width(xlabel)) // 2, py1 + 14, xlabel)
    if ylabel:
        canvas.text_vertical(x + 1, py0 + (py1 - py0 + text_width(ylabel)) // 2, ylabel)


def legend(canvas, x, y, entries):
    """entries: [(label, color, dash)] in one row starting at (x, y)."""
    for label, color, dash in entries:
        canvas.line(x, y + 4, x + 24, y + 4, color, 2, dash)
        canvas.text(x + 30, y, label)
        x += 30 + text_width(label) + 20
