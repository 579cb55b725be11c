"""Generator of test document images with an OCR-B MRZ (TD1, TD2, TD3, MRV-A, MRV-B).

Used by ``bench/ocr_compare.py`` and ``tests/ocr/``. Every document is fictitious.
Degradations: blur, noise, rotation (up to 10 degrees), perspective, JPEG artefacts,
low contrast, glare and occlusion of the photo zone (never of the MRZ).

    from ocr_imagegen import generate
    for doc in generate(10, seed=1, level="moderate"):
        doc.image.save(doc.name + ".png")      # doc.mrz is the truth
"""

from __future__ import annotations

import datetime as dt
import io
import random
from dataclasses import dataclass, field

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from firmware_bridge.mrz.compose import compose

OCRB = "/usr/share/fonts/opentype/ocr-b/OCRB.otf"
LABEL_FONTS = ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
               "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf")
FORMATS = ("TD1", "TD2", "TD3", "MRVA", "MRVB")
#: document size in mm and MRZ line count per format
SIZES = {"TD1": (85.6, 54.0), "TD2": (105.0, 74.0), "TD3": (125.0, 88.0), "MRVA": (120.0, 80.0),
         "MRVB": (105.0, 74.0)}
_CODES = {"TD1": ("I<", "ID", "AC", "IP"), "TD2": ("I<", "ID", "IR"), "TD3": ("P<", "PP", "PD"),
          "MRVA": ("V<", "VB"), "MRVB": ("V<", "VC")}
SURNAMES = ("MARTIN", "NOVAK", "OKAFOR", "LINDQVIST", "HAMADI", "SILVA", "KOWALCZYK", "NGUYEN",
            "VAN DER BERG", "ABDULLAH", "TANAKA", "PETROVA", "GARCIA LOPEZ", "KIM", "ERIKSSON",
            "MUELLER", "OSEI", "DUBOIS", "FITZGERALD", "ZHOU", "BAKKER", "IVANOVA", "COSTA")
GIVEN = ("ANNA MARIA", "JOHN", "KARIM", "SOFIA", "LUKAS", "AMINA", "PIOTR", "YUKI", "ELENA",
         "OMAR", "FRANK", "LEILA", "MARK ALEXANDER", "INGRID", "KWAME", "NADIA", "ERIK", "ZOE")
STATES = ("UTO", "DEU", "FRA", "NLD", "POL", "KEN", "BRA", "JPN", "CAN", "SWE", "NGA", "IND",
          "ESP", "TUR", "EGY", "AUS", "MEX", "PHL", "D<<")
LEVELS = ("clean", "moderate", "heavy")


@dataclass
class GeneratedDocument:
    """One generated image and its truth."""

    name: str
    fmt: str
    mrz: str
    image: Image.Image
    fields: dict = field(default_factory=dict)
    degradations: list[str] = field(default_factory=list)

    def png(self) -> bytes:
        """The image as PNG bytes."""
        buf = io.BytesIO()
        self.image.save(buf, format="PNG")
        return buf.getvalue()


def random_fields(rng: random.Random, fmt: str) -> dict:
    """Fictitious field values for a document of ``fmt``."""
    alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    length = rng.choice((8, 9, 9, 9))
    number = "".join(rng.choice(alnum) for _ in range(length))
    birth = dt.date(1940, 1, 1) + dt.timedelta(days=rng.randrange(0, 70 * 365))
    expiry = dt.date(2026, 1, 1) + dt.timedelta(days=rng.randrange(0, 10 * 365))
    state = rng.choice(STATES)
    optional = ""
    if fmt in ("TD1", "TD3") and rng.random() < 0.6:
        optional = "".join(rng.choice("0123456789") for _ in range(rng.randrange(6, 12)))
    return {
        "document_code": rng.choice(_CODES[fmt]), "issuing_state": state,
        "surname": rng.choice(SURNAMES), "given_names": rng.choice(GIVEN), "document_number": number,
        "nationality": state if rng.random() < 0.8 else rng.choice(STATES), "birth_date": birth,
        "sex": rng.choice("MFMF<"), "expiry_date": expiry, "optional_data": optional,
    }


def _label_font(size: int) -> ImageFont.ImageFont:
    """A sans font for the printed labels (falls back to PIL's own)."""
    for path in LABEL_FONTS:
        try:
            return ImageFont.truetype(path, size)
        except OSError:
            continue
    return ImageFont.load_default()


def render(fmt: str, mrz: str, fields: dict, rng: random.Random, px_per_mm: float = 8.0) -> tuple[Image.Image, tuple]:
    """Draw a document page with its MRZ; returns (RGB image, photo-zone box)."""
    w_mm, h_mm = SIZES[fmt]
    w, h = round(w_mm * px_per_mm), round(h_mm * px_per_mm)
    tint = tuple(rng.randrange(215, 250) for _ in range(3))
    img = Image.new("RGB", (w, h), tint)
    draw = ImageDraw.Draw(img)
    # faint guilloche-like background lines
    for i in range(0, w + h, max(6, round(px_per_mm * 1.5))):
        shade = tuple(max(0, c - rng.randrange(8, 25)) for c in tint)
        draw.line([(i, 0), (i - h, h)], fill=shade, width=1)
    lines = mrz.split("\n")
    pitch = 2.54 * px_per_mm  # ICAO: 10 characters per 25.4 mm
    font = ImageFont.truetype(OCRB, round(pitch * 100 / 72.3))
    line_gap = 4.3 * px_per_mm
    x0 = (w - pitch * len(lines[0])) / 2
    y_last = h - 4.5 * px_per_mm - line_gap
    mrz_top = y_last - line_gap * (len(lines) - 1)
    # photo zone and printed data above the MRZ
    photo = (round(4 * px_per_mm), round(8 * px_per_mm), round(4 * px_per_mm + 0.3 * w),
             round(min(mrz_top - 3 * px_per_mm, 8 * px_per_mm + 0.4 * w)))
    draw.rectangle(photo, fill=(160, 165, 175))
    px0, py0, px1, py1 = photo
    draw.ellipse((px0 + (px1 - px0) * 0.25, py0 + (py1 - py0) * 0.12, px1 - (px1 - px0) * 0.25,
                  py0 + (py1 - py0) * 0.6), fill=(120, 110, 100))
    draw.rectangle((px0 + (px1 - px0) * 0.1, py0 + (py1 - py0) * 0.62, px1 - (px1 - px0) * 0.1, py1),
                   fill=(70, 80, 100))
    label = _label_font(max(10, round(2.2 * px_per_mm)))
    value = _label_font(max(11, round(2.8 * px_per_mm)))
    tx = photo[2] + 4 * px_per_mm
    title = {"TD3": "PASSPORT", "MRVA": "VISA", "MRVB": "VISA"}.get(fmt, "IDENTITY CARD")
    draw.text((tx, 2.5 * px_per_mm), f"{title} / UTOPIA", fill=(60, 40, 90), font=value)
    rows = [("Surname", fields["surname"]), ("Given names", fields["given_names"]),
            ("Nationality", fields["nationality"].strip("<")),
            ("Date of birth", fields["birth_date"].strftime("%d %m %Y")),
            ("Document no.", fields["document_number"]), ("Date of expiry", fields["expiry_date"].strftime("%d %m %Y"))]
    y = photo[1]
    for key, val in rows:
        if y + 6 * px_per_mm > mrz_top - 2 * px_per_mm:
            break
        draw.text((tx, y), key, fill=(90, 90, 120), font=label)
        draw.text((tx, y + 2.4 * px_per_mm), val, fill=(20, 20, 30), font=value)
        y += 6.4 * px_per_mm
    ink = tuple(rng.randrange(0, 40) for _ in range(3))
    for i, line in enumerate(lines):
        y = mrz_top + i * line_gap - pitch * 0.25
        for j, ch in enumerate(line):
            draw.text((x0 + j * pitch, y), ch, fill=ink, font=font)
    return img, photo


def _glare(img: np.ndarray, rng: random.Random, strength: float) -> np.ndarray:
    """A bright elliptical highlight somewhere on the page."""
    h, w = img.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w]
    cx, cy = rng.uniform(0.2, 0.8) * w, rng.uniform(0.2, 0.9) * h
    rx, ry = rng.uniform(0.15, 0.3) * w, rng.uniform(0.1, 0.25) * h
    mask = np.exp(-(((xx - cx) / rx) ** 2 + ((yy - cy) / ry) ** 2))
    out = img.astype(np.float32) + (255 - img.astype(np.float32)) * (mask[..., None] * strength)
    return np.clip(out, 0, 255).astype(np.uint8)


def _perspective(img: Image.Image, rng: random.Random, amount: float, fill) -> Image.Image:
    """Move the corners by up to ``amount`` of the size (a tilted capture)."""
    w, h = img.size
    d = [rng.uniform(-amount, amount) for _ in range(8)]
    quad = (d[0] * w, d[1] * h, d[2] * w, h + d[3] * h, w + d[4] * w, h + d[5] * h, w + d[6] * w, d[7] * h)
    return img.transform((w, h), Image.Transform.QUAD, quad, Image.Resampling.BICUBIC, fillcolor=fill)


#: (blur radius, noise sigma, max rotation, perspective, JPEG quality range, contrast, glare)
_STRENGTH = {
    "clean": (0.0, 0.0, 0.0, 0.0, None, 1.0, 0.0),
    "moderate": (1.0, 8.0, 10.0, 0.03, (35, 70), 0.55, 0.45),
    "heavy": (1.8, 16.0, 10.0, 0.06, (15, 35), 0.35, 0.7),
}


def degrade(img: Image.Image, photo: tuple, rng: random.Random, level: str) -> tuple[Image.Image, list[str]]:
    """Apply a random mix of degradations at ``level`` ("clean", "moderate", "heavy")."""
    blur, noise, rot, persp, jpeg, contrast, glare = _STRENGTH[level]
    done: list[str] = []
    if level == "clean":
        return img, done
    picks = set(rng.sample(["blur", "noise", "perspective", "jpeg", "contrast", "glare", "occlusion"], 3))
    picks.add("rotation")
    if "occlusion" in picks:  # a thumb or sticker over the photo zone, never the MRZ
        draw = ImageDraw.Draw(img)
        x0, y0, x1, y1 = photo
        draw.ellipse((x0 - 10, y0 + (y1 - y0) * 0.3, x1 * 0.9, y1 + 10), fill=(200, 160, 140))
        done.append("occlusion")
    arr = np.asarray(img)
    if "glare" in picks:
        arr = _glare(arr, rng, rng.uniform(0.5, 1.0) * glare)
        done.append("glare")
    if "contrast" in picks:
        factor = rng.uniform(contrast, 0.8)
        arr = (128 + (arr.astype(np.float32) - 128) * factor + rng.uniform(-20, 30)).clip(0, 255).astype(np.uint8)
        done.append("low-contrast")
    img = Image.fromarray(arr)
    # place on a desk so rotation and perspective have somewhere to go
    desk_colour = tuple(rng.randrange(60, 140) for _ in range(3))
    margin = round(0.08 * max(img.size))
    desk = Image.new("RGB", (img.width + 2 * margin, img.height + 2 * margin), desk_colour)
    desk.paste(img, (margin, margin))
    img = desk
    angle = rng.uniform(-rot, rot)
    img = img.rotate(angle, resample=Image.Resampling.BICUBIC, expand=False, fillcolor=desk_colour)
    done.append(f"rotation {angle:+.1f}")
    if "perspective" in picks:
        img = _perspective(img, rng, persp, desk_colour)
        done.append("perspective")
    if "blur" in picks:
        img = img.filter(ImageFilter.GaussianBlur(rng.uniform(0.4, 1.0) * blur))
        done.append("blur")
    if "noise" in picks:
        arr = np.asarray(img).astype(np.float32)
        arr += np.random.default_rng(rng.randrange(1 << 30)).normal(0, noise, arr.shape)
        img = Image.fromarray(arr.clip(0, 255).astype(np.uint8))
        done.append("noise")
    if "jpeg" in picks:
        buf = io.BytesIO()
        img.save(buf, format="JPEG", quality=rng.randrange(*jpeg))
        img = Image.open(io.BytesIO(buf.getvalue())).convert("RGB")
        done.append("jpeg")
    return img, done


def make(fmt: str, seed: int, level: str = "clean", fields: dict | None = None) -> GeneratedDocument:
    """One document of ``fmt`` from ``seed`` at degradation ``level``."""
    rng = random.Random(f"{fmt}-{seed}-{level}")
    fields = dict(fields or random_fields(rng, fmt))
    mrz = compose(fmt, **fields)
    img, photo = render(fmt, mrz, fields, rng, px_per_mm=rng.uniform(6.0, 9.0))
    img, done = degrade(img, photo, rng, level)
    return GeneratedDocument(f"{fmt.lower()}-{level}-{seed:03d}", fmt, mrz, img, fields, done)


def generate(count: int, seed: int = 0, level: str = "moderate", formats=FORMATS):
    """``count`` documents cycling through ``formats``."""
    for i in range(count):
        yield make(formats[i % len(formats)], seed + i, level)


if __name__ == "__main__":  # pragma: no cover - manual use: write a few images to a folder
    import sys
    from pathlib import Path

    out = Path(sys.argv[1] if len(sys.argv) > 1 else "ocr-samples")
    out.mkdir(parents=True, exist_ok=True)
    for doc in generate(int(sys.argv[2]) if len(sys.argv) > 2 else 10, level=sys.argv[3] if len(sys.argv) > 3 else "moderate"):
        doc.image.save(out / f"{doc.name}.png")
        (out / f"{doc.name}.txt").write_text(doc.mrz + "\n")
        print(doc.name, ", ".join(doc.degradations))
