"""Helpers for the document tests: PDF text and page size (poppler-utils), a small PNG reader for
golden-image comparison (stdlib only), and the XLSX/ZIP readers."""
import os
import struct
import subprocess
import zlib

from conftest import BIN, DEFAULT_FONTS, ROOT, child_env

DOCS = os.path.join(ROOT, "tests", "docs")


def render(kind, model, out):
    """Runs `ducha document render KIND MODEL OUT` in the default fonts (the golden images'); returns the
    CompletedProcess."""
    p = subprocess.run([BIN, "document", "render", kind, model, out], capture_output=True, text=True, timeout=120,
                       env=child_env(os.environ, DEFAULT_FONTS))
    assert "ERROR: AddressSanitizer" not in p.stderr and "runtime error:" not in p.stderr, p.stderr
    return p


def pdf_text(path):
    return subprocess.run(["pdftotext", "-raw", path, "-"], capture_output=True, text=True, check=True).stdout


def pdf_info(path):
    out = subprocess.run(["pdfinfo", path], capture_output=True, text=True, check=True).stdout
    return dict(line.split(":", 1) for line in out.splitlines() if ":" in line)


def read_png(path):
    """Decodes an 8-bit greyscale or RGB PNG (as written by pdftoppm): (width, height, channels, rows)."""
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, w = 8, b"", 0
    while pos < len(data):
        n, typ = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + n]
        if typ == b"IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", chunk[:10])
            assert depth == 8 and ctype in (0, 2), (depth, ctype)
            bpp = 1 if ctype == 0 else 3
        elif typ == b"IDAT":
            idat += chunk
        pos += 12 + n
    raw = zlib.decompress(idat)
    stride = w * bpp
    rows, prev = [], bytearray(stride)
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if f == 1:
                line[x] = (line[x] + a) & 255
            elif f == 2:
                line[x] = (line[x] + b) & 255
            elif f == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        prev = line
        rows.append(bytes(line))
    return w, h, bpp, rows


def read_png_gray(path):
    """(width, height, rows of grey values 0..255)."""
    w, h, bpp, rows = read_png(path)
    if bpp == 3:
        rows = [bytes((r[i] * 299 + r[i + 1] * 587 + r[i + 2] * 114) // 1000 for i in range(0, len(r), 3))
                for r in rows]
    return w, h, rows


def first_page_png(pdf, out_prefix, dpi=20):
    subprocess.run(["pdftoppm", "-r", str(dpi), "-gray", "-png", "-f", "1", "-l", "1", "-singlefile", pdf,
                    out_prefix], check=True)
    return out_prefix + ".png"


def image_difference(a, b):
    """Mean absolute grey difference (0..255) of two images of the same size, and the share of pixels
    differing by more than 64."""
    wa, ha, ra = read_png_gray(a)
    wb, hb, rb = read_png_gray(b)
    assert (wa, ha) == (wb, hb), f"image size {wa}x{ha} != {wb}x{hb}"
    total = big = 0
    for x, y in zip(ra, rb):
        for p, q in zip(x, y):
            d = abs(p - q)
            total += d
            big += d > 64
    return total / (wa * ha), big / (wa * ha)
