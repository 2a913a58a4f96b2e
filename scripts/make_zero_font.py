"""Builds the site's zero without a slash (static/fonts/atkinson-hyperlegible/*-zero-*.woff2).

Atkinson Hyperlegible draws its zero with a slash and offers no alternate glyph (its only layout
features are ccmp, frac, pnum and tnum), so a postal code reads "Ø44ØØ". This keeps the
typeface's own zero (its tabular zero is a composite of it), outer contour unchanged, and
replaces the two counters cut by the slash with one counter: the outer contour scaled to the
counters' box (the strokes keep their widths). The result holds U+0030 only, under another
family name as the OFL asks of a modified font; css/maillage.css declares it for U+0030 inside
the "Atkinson Hyperlegible" family.

Run once with fontTools and brotli (not project dependencies):
    python scripts/make_zero_font.py
"""

from pathlib import Path

from fontTools.pens.recordingPen import RecordingPen
from fontTools.pens.reverseContourPen import ReverseContourPen
from fontTools.pens.transformPen import TransformPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.subset import Options, Subsetter
from fontTools.ttLib import TTFont

FOLDER = Path(__file__).resolve().parents[1] / "geo_directory/static/fonts/atkinson-hyperlegible"
FAMILY = "Maillage Zero"


def contours(glyph_set, name):
    pen = RecordingPen()
    glyph_set[name].draw(pen)
    found, current = [], []
    for op, args in pen.value:
        current.append((op, args))
        if op in ("closePath", "endPath"):
            found.append(current)
            current = []
    return found


def bounds(contour):
    points = [p for _, args in contour for p in args]
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return min(xs), min(ys), max(xs), max(ys)


def replay(contour, pen):
    for op, args in contour:
        getattr(pen, op)(*args)


def open_zero(font, name):
    outer, *counters = contours(font.getGlyphSet(), name)
    ox0, oy0, ox1, oy1 = bounds(outer)
    boxes = [bounds(c) for c in counters]
    ix0, iy0 = min(b[0] for b in boxes), min(b[1] for b in boxes)
    ix1, iy1 = max(b[2] for b in boxes), max(b[3] for b in boxes)
    sx, sy = (ix1 - ix0) / (ox1 - ox0), (iy1 - iy0) / (oy1 - oy0)
    # x' = sx * x + dx, the outer box's centre onto the counters' box centre
    dx = (ix0 + ix1) / 2 - sx * (ox0 + ox1) / 2
    dy = (iy0 + iy1) / 2 - sy * (oy0 + oy1) / 2
    pen = TTGlyphPen(None)
    replay(outer, pen)
    replay(outer, TransformPen(ReverseContourPen(pen), (sx, 0, 0, sy, dx, dy)))
    font["glyf"][name] = pen.glyph()


def build(weight):
    source = FOLDER / f"atkinson-hyperlegible-latin-{weight}-normal.woff2"
    font = TTFont(source)
    options = Options()
    options.layout_features = ["pnum", "tnum"]
    subsetter = Subsetter(options)
    subsetter.populate(unicodes=[0x30])
    subsetter.subset(font)
    open_zero(font, "zero")  # zero.tf is a composite of zero: it follows
    style = "Bold" if weight == 700 else "Regular"
    names = font["name"]
    for record in list(names.names):
        if record.nameID in (1, 4, 6, 16):
            value = {1: FAMILY, 4: f"{FAMILY} {style}", 6: f"MaillageZero-{style}"}.get(
                record.nameID, FAMILY
            )
            names.setName(value, record.nameID, record.platformID, record.platEncID, record.langID)
    font.flavor = "woff2"
    target = FOLDER / f"atkinson-hyperlegible-zero-{weight}-normal.woff2"
    font.save(target)
    print(target, target.stat().st_size, "bytes")


if __name__ == "__main__":
    for weight in (400, 700):
        build(weight)
