#!/usr/bin/python3
"""Draws the demo's field photo (src/cli/demo/fridge.jpg: a school canteen's sample-retention fridge, 留样冰箱)
and writes it as a small baseline JPEG without metadata; the demo (src/cli/cli_demo_inspections.c) adds the
phone's Exif GPS position when it uploads it. Run once by hand (python3-pil): scripts/demo-photo.py OUT.jpg"""
import random
import sys

from PIL import Image, ImageDraw, ImageFilter, ImageFont

W, H = 480, 360
random.seed(18)
img = Image.new("RGB", (W, H))
d = ImageDraw.Draw(img)

# the wall: white tiles lit from the upper left, the floor: grey-brown tiles
for y in range(0, 280):
    for x in range(0, W, 4):
        v = int(226 - 30 * (x / W) - 20 * (y / 280))
        d.line([(x, y), (x + 3, y)], fill=(v, v, v - 6))
for y in range(0, 280, 40):
    d.line([(0, y), (W, y)], fill=(170, 172, 168), width=2)
for x in range(0, W, 40):
    d.line([(x, 0), (x, 280)], fill=(170, 172, 168), width=2)
for y in range(280, H):
    v = int(150 - 40 * (y - 280) / 80)
    d.line([(0, y), (W, y)], fill=(v, v - 10, v - 22))
for x in range(-200, W + 200, 60):
    d.line([(x, 280), (x + (x - W / 2) * 0.6, H)], fill=(96, 88, 76), width=2)

# the fridge: a stainless steel cabinet, its glass door, three shelves of sealed sample boxes
fx0, fy0, fx1, fy1 = 120, 30, 340, 330
for x in range(fx0, fx1):
    v = int(175 + 45 * abs(((x - fx0) / (fx1 - fx0)) - 0.35))
    d.line([(x, fy0), (x, fy1)], fill=(v, v + 2, v + 6))
d.rectangle([fx0, fy0, fx1, fy1], outline=(90, 94, 100), width=3)
gx0, gy0, gx1, gy1 = fx0 + 16, fy0 + 40, fx1 - 16, fy1 - 30
d.rectangle([gx0, gy0, gx1, gy1], fill=(58, 72, 80), outline=(40, 44, 48), width=4)
lids = [(200, 60, 50), (40, 110, 180), (60, 150, 80), (230, 180, 40), (240, 240, 236)]
for i, sy in enumerate(range(gy0 + 70, gy1, 75)):
    d.rectangle([gx0 + 4, sy, gx1 - 4, sy + 5], fill=(200, 205, 210))
    x = gx0 + 12
    while x < gx1 - 40:
        w = random.randint(26, 36)
        h = random.randint(34, 48)
        d.rectangle([x, sy - h, x + w, sy], fill=(224, 230, 232), outline=(150, 160, 165))
        d.rectangle([x - 2, sy - h - 6, x + w + 2, sy - h], fill=random.choice(lids))
        d.rectangle([x + 5, sy - h + 10, x + w - 5, sy - h + 20], fill=(250, 250, 240))
        x += w + random.randint(6, 12)
# the light inside and the glass's reflection
glow = Image.new("L", (W, H), 0)
ImageDraw.Draw(glow).rectangle([gx0 + 6, gy0 + 6, gx1 - 6, gy0 + 30], fill=120)
img.paste((235, 245, 255), (0, 0), glow.filter(ImageFilter.GaussianBlur(14)))
refl = Image.new("L", (W, H), 0)
ImageDraw.Draw(refl).polygon([(gx0 + 30, gy0), (gx0 + 70, gy0), (gx0 + 10, gy1), (gx0 - 30, gy1)], fill=60)
img.paste((255, 255, 255), (0, 0), refl.filter(ImageFilter.GaussianBlur(6)))
d = ImageDraw.Draw(img)
# the handle, the control panel, the label on the door
d.rectangle([gx1 - 14, gy0 + 90, gx1 - 8, gy0 + 170], fill=(120, 124, 130))
d.rectangle([fx0 + 20, fy0 + 10, fx0 + 90, fy0 + 30], fill=(30, 34, 38))
d.text((fx0 + 28, fy0 + 12), "2.5°C", fill=(80, 230, 110))
font = ImageFont.truetype("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", 20)
d.rectangle([fx0 + 120, fy0 + 8, fx0 + 198, fy0 + 34], fill=(250, 250, 246), outline=(200, 40, 40), width=2)
d.text((fx0 + 126, fy0 + 8), "留样柜", font=font, fill=(200, 30, 30))
# a sink's edge at the right, the shadow under the fridge
d.rectangle([370, 150, W, 290], fill=(190, 196, 200), outline=(120, 126, 130), width=2)
d.rectangle([370, 150, W, 164], fill=(215, 220, 224))
d.polygon([(fx0 - 6, fy1), (fx1 + 6, fy1), (fx1 + 30, fy1 + 20), (fx0 + 10, fy1 + 20)], fill=(70, 64, 56))

# a phone camera's softness, vignette and sensor noise
img = img.filter(ImageFilter.GaussianBlur(0.8))
px = img.load()
cx, cy = W / 2, H / 2
for y in range(H):
    for x in range(W):
        r, g, b = px[x, y]
        f = 1 - 0.28 * (((x - cx) / cx) ** 2 + ((y - cy) / cy) ** 2) / 2
        n = random.randint(-5, 5)
        px[x, y] = (int(r * f) + n, int(g * f) + n, int(b * f) + n)
img.save(sys.argv[1], "JPEG", quality=72, optimize=True)
