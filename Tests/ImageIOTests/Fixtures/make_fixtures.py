#!/usr/bin/env python3
"""Regenerates the PNG/JPEG fixtures with independent encoders (pypng and Pillow).

Run once by hand (`pip install pypng pillow`); the tests only read the committed files.
The sample formulas here are mirrored in Tests/ImageIOTests/FixturePattern.swift.
"""
import io
import os
import png  # pypng
import PIL
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))


def v8(x, y, c):
    return (x * 37 + y * 71 + c * 113 + 5) % 256


def v16(x, y, c):
    return (x * 4099 + y * 7919 + c * 30011 + 1) % 65536


def a8(x, y):
    return (x * 53 + y * 29 + 7) % 256


def a16(x, y):
    return (x * 5303 + y * 2903 + 7) % 65536


def vbits(x, y, bits):
    return (x * 3 + y * 5) % (1 << bits)


def write_png(name, width, height, rows, **kw):
    with open(os.path.join(HERE, name), "wb") as f:
        png.Writer(width, height, **kw).write(f, rows)


def rows_for(width, height, channels, bits, alpha):
    val = v16 if bits == 16 else v8
    aval = a16 if bits == 16 else a8
    rows = []
    for y in range(height):
        row = []
        for x in range(width):
            row += [val(x, y, c) for c in range(channels)]
            if alpha:
                row.append(aval(x, y))
        rows.append(row)
    return rows


W, H = 7, 5
for bits in (1, 2, 4):
    write_png(f"gray{bits}.png", W, H,
              [[vbits(x, y, bits) for x in range(W)] for y in range(H)],
              greyscale=True, bitdepth=bits)
for bits in (8, 16):
    write_png(f"gray{bits}.png", W, H, rows_for(W, H, 1, bits, False), greyscale=True, bitdepth=bits)
    write_png(f"graya{bits}.png", W, H, rows_for(W, H, 1, bits, True), greyscale=True, alpha=True, bitdepth=bits)
    write_png(f"rgb{bits}.png", W, H, rows_for(W, H, 3, bits, False), greyscale=False, bitdepth=bits)
    write_png(f"rgba{bits}.png", W, H, rows_for(W, H, 3, bits, True), greyscale=False, alpha=True, bitdepth=bits)

# tRNS on non-palette images: one colour becomes fully transparent.
write_png("gray8_trns.png", W, H, rows_for(W, H, 1, 8, False), greyscale=True, bitdepth=8,
          transparent=v8(2, 1, 0))
write_png("rgb16_trns.png", W, H, rows_for(W, H, 3, 16, False), greyscale=False, bitdepth=16,
          transparent=(v16(3, 2, 0), v16(3, 2, 1), v16(3, 2, 2)))

# Interlaced (Adam7), odd sizes so some passes are partial or empty.
IW, IH = 9, 7
write_png("interlaced_rgb8.png", IW, IH, rows_for(IW, IH, 3, 8, False), greyscale=False, bitdepth=8, interlace=True)
write_png("interlaced_rgba16.png", IW, IH, rows_for(IW, IH, 3, 16, True), greyscale=False, alpha=True, bitdepth=16, interlace=True)
write_png("interlaced_gray1.png", IW, IH, [[vbits(x, y, 1) for x in range(IW)] for y in range(IH)],
          greyscale=True, bitdepth=1, interlace=True)

# Palette files from Pillow (a second, unrelated encoder).
PALETTE = [(255, 0, 0), (0, 200, 0), (10, 20, 250), (128, 128, 128)]
PALETTE_ALPHA = [0, 128, 255, 64]


def palette_image():
    im = Image.new("P", (W, H))
    im.putpalette([v for rgb in PALETTE for v in rgb])
    im.putdata([(x + 2 * y) % 4 for y in range(H) for x in range(W)])
    return im


palette_image().save(os.path.join(HERE, "palette.png"))
palette_image().save(os.path.join(HERE, "palette_trns.png"), transparency=bytes(PALETTE_ALPHA))

# CMYK JPEG: 16x16 flat quadrants so JPEG error stays tiny. Values are ink amounts.
CMYK_QUADS = [(0, 0, 0, 0), (255, 0, 0, 0), (0, 0, 0, 128), (0, 255, 0, 64)]
cm = Image.new("CMYK", (32, 32))
for i, quad in enumerate(CMYK_QUADS):
    ox, oy = (i % 2) * 16, (i // 2) * 16
    for y in range(16):
        for x in range(16):
            cm.putpixel((ox + x, oy + y), quad)
cm.save(os.path.join(HERE, "cmyk.jpg"), quality=100)

# Gray and progressive JPEGs of a smooth gradient.
grad = Image.new("RGB", (24, 16))
grad.putdata([(x * 10, y * 15, 128) for y in range(16) for x in range(24)])
grad.convert("L").save(os.path.join(HERE, "gray.jpg"), quality=95)
grad.save(os.path.join(HERE, "progressive.jpg"), quality=95, progressive=True, subsampling=0)

# Reference pixels for the real-world JPEG, decoded by Pillow's own libjpeg build.
snail_path = os.path.join(HERE, "snail.jpg")
if os.path.exists(snail_path):
    snail = Image.open(snail_path).convert("RGB")
    sw, sh = snail.size
    with open(os.path.join(HERE, "snail_reference.txt"), "w") as f:
        f.write(f"# x y r g b, decoded by Pillow {PIL.__version__}\n")
        for i in range(48):
            x, y = (i * 97 + 13) % sw, (i * 61 + 7) % sh
            r, g, b = snail.getpixel((x, y))
            f.write(f"{x} {y} {r} {g} {b}\n")
