"""Whole meter photos with known readings, composited from the real held-out crops.

Each photo: a rendered meter face (brass ring, printed maker's text and labels in fonts from
Debian's packages) with a counter window filled with REAL digit-wheel crops and a row of REAL
pointer-dial crops from `../shared/datasets/` — only from the held-out splits, so neither
model has seen any of them — then a random camera: perspective, rotation, scale, uneven
light, glare spots, blur, noise and JPEG compression. A wheel that is turning (the ×0.1 dial
past 9) is a real crop of the lower digit sliding up with the real crop of the next digit
coming in from below. The reading is known exactly because the generator chose it.

`generate(n, seed)` is deterministic for a given seed and dataset folder.
"""

from __future__ import annotations

import io
import math
import random
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter, ImageFont

from vision import datasets

FONTS = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
]
CJK_FONT = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"


@dataclass(frozen=True)
class Layout:
    """What the meter's record says about its face (shuiwu Meter + MeterFace)."""

    digits: int = 5  # black integer wheels
    red_wheels: int = 0  # decimal wheels in the window (red)
    dials: int = 3  # decimal pointer dials, ×0.1 first

    @property
    def wheels(self) -> int:
        return self.digits + self.red_wheels

    @property
    def decimals(self) -> int:
        return self.red_wheels + self.dials


LAYOUTS = (Layout(5, 0, 3), Layout(4, 1, 3), Layout(5, 0, 4), Layout(4, 0, 3))


@dataclass
class SynthPhoto:
    data: bytes  # JPEG
    reading: Decimal
    layout: Layout
    rolling: bool  # the last integer wheel is between two digits
    notes: list[str] = field(default_factory=list)
    dial_values: list[float] = field(default_factory=list)  # each needle as drawn, ×0.1 first

    @property
    def positions(self) -> str:
        """The digit each position shows (wheels, then dials), as the reader should give it."""
        whole, _, frac = f"{self.reading:.{self.layout.decimals}f}".partition(".")
        return f"{int(whole):0{self.layout.digits}d}" + frac


def _font(path: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size)


class _Crops:
    """The held-out crops a photo is made of: all of them, or one pool (datasets.POOLS)."""

    def __init__(self, root: Path | None, pool: str | None = None):
        held_digits = datasets.pool(datasets.digits(root)[1], pool)
        held_needles = datasets.pool(datasets.needles(root)[1], pool, datasets.needle_stratum)
        self.digits: dict[str, list[Path]] = {}
        for s in held_digits:
            if s.label != "NaN":
                self.digits.setdefault(s.label, []).append(s.path)
        self.needles = [(float(s.label), s.path) for s in held_needles]
        self._cache: dict[Path, Image.Image] = {}

    def load(self, path: Path) -> Image.Image:
        if path not in self._cache:
            self._cache[path] = Image.open(path).convert("RGB")
        return self._cache[path]

    def digit(self, rng: random.Random, d: int) -> Image.Image:
        return self.load(rng.choice(self.digits[str(d)]))

    def needle(self, rng: random.Random, value: float) -> tuple[float, Image.Image]:
        """The crop (and its labelled value) nearest to `value` on the dial."""

        def gap(v: float) -> float:
            diff = abs(v - value) % 10
            return min(diff, 10 - diff)

        best = min(gap(v) for v, _ in self.needles)
        label, path = rng.choice([(v, p) for v, p in self.needles if gap(v) <= best + 1e-6])
        return label, self.load(path)


def _rolling_wheel(lower: Image.Image, upper: Image.Image, share: float, size) -> Image.Image:
    """A wheel turning from `lower` to `upper`: `share` (0–1) of the way."""
    w, h = size
    a, b = lower.resize(size), upper.resize(size)
    shift = round(h * share)
    out = Image.new("RGB", size)
    out.paste(a.crop((0, shift, w, h)), (0, 0))
    out.paste(b.crop((0, 0, w, shift)), (0, h - shift))
    return out


def _reading(
    rng: random.Random, layout: Layout, forced: float | None = None
) -> tuple[list[int], float, Decimal]:
    """Integer digits, the continuous fraction below them, and the reading the face shows."""
    top = 10**layout.digits
    value = (
        min(int(rng.expovariate(1 / 900)), top - 1) if rng.random() < 0.8 else rng.randrange(top)
    )
    frac = rng.random()
    if forced is not None:
        value, frac = int(forced), forced % 1
    ints = [int(c) for c in f"{value:0{layout.digits}d}"]
    shown = Decimal(value) + Decimal(int(frac * 10**layout.decimals)) / Decimal(10**layout.decimals)
    return ints, frac, shown


def _snap_last_dial(reading: Decimal, layout: Layout, wanted: float, drawn: float) -> Decimal:
    """The reading the face shows once the last dial's needle is the crop drawn (whose label
    may be up to a few tenths from the value wanted): its digit is the drawn needle's."""
    unit = Decimal(1) / Decimal(10**layout.decimals)
    shift = (drawn - wanted + 5) % 10 - 5  # the short way round the dial
    drawn_digit = math.floor(drawn + 1e-9) % 10
    shown_digit = int(reading / unit) % 10
    step = (drawn_digit - shown_digit + 5) % 10 - 5
    if step == 0 or abs(step) > 1 or (step > 0) != (shift > 0):
        return reading
    snapped = reading + step * unit
    # A snap across a whole unit would change wheels already drawn: keep those photos as drawn.
    return snapped if int(snapped) == int(reading) else reading


def render(
    rng: random.Random, crops: _Crops, layout: Layout, value: float | None = None
) -> SynthPhoto:
    ints, frac, reading = _reading(rng, layout, value)
    face_r = 300
    size = 2 * face_r + 80
    face = Image.new("RGB", (size, size), (0, 0, 0))
    draw = ImageDraw.Draw(face)
    c = size // 2
    ring = tuple(rng.randint(120, 200) for _ in range(2)) + (rng.randint(40, 90),)
    draw.ellipse((c - face_r - 30, c - face_r - 30, c + face_r + 30, c + face_r + 30), fill=ring)
    paper = tuple(rng.randint(215, 250) for _ in range(3))
    draw.ellipse((c - face_r, c - face_r, c + face_r, c + face_r), fill=paper)

    # Counter window: black wheels then red ones.
    cell_w, cell_h, gap = 44, 70, 6
    n = layout.wheels
    win_w = n * cell_w + (n + 1) * gap
    x0, y0 = c - win_w // 2, c - 150
    draw.rectangle((x0 - 4, y0 - 4, x0 + win_w + 4, y0 + cell_h + 2 * gap + 4), fill=(30, 30, 30))
    decimal_digits = [int(frac * 10 ** (i + 1)) % 10 for i in range(layout.red_wheels)]
    first_dial = (
        (frac * 10) % 10 if layout.red_wheels == 0 else (frac * 10 ** (layout.red_wheels + 1)) % 10
    )
    rolling = first_dial >= 9.0 and rng.random() < 0.7
    wheels = ints + decimal_digits
    for i, d in enumerate(wheels):
        last_int = i == len(wheels) - 1
        if rolling and last_int and d != 9:
            crop = _rolling_wheel(
                crops.digit(rng, d),
                crops.digit(rng, d + 1),
                (first_dial - 9.0) * rng.uniform(0.3, 0.5),
                (cell_w, cell_h),
            )
        else:
            crop = crops.digit(rng, d).resize((cell_w, cell_h))
        if i >= layout.digits:
            crop = Image.blend(crop, Image.new("RGB", crop.size, (200, 20, 20)), 0.35)
        face.paste(crop, (x0 + gap + i * (cell_w + gap), y0 + gap))
    if rolling and wheels[-1] == 9:
        rolling = False

    # Printed text: maker, model, unit, labels.
    font = _font(rng.choice(FONTS[:2]), 26)
    draw.text((c - 30, y0 + cell_h + 24), "m³", fill=(20, 20, 20), font=font)
    draw.text(
        (c - 90, y0 - 60),
        rng.choice(["LXS-15E", "LXSG-20", "DN15 Q3=2.5"]),
        fill=(40, 40, 40),
        font=_font(FONTS[1], 22),
    )
    draw.text(
        (c - 60, c + 215),
        rng.choice(["冷水水表", "旋翼式水表", "清河水表厂"]),
        fill=(60, 60, 60),
        font=_font(CJK_FONT, 24),
    )

    # Pointer dials in a row below the window, ×0.1 on the left.
    dial_d = 84
    dgap = 22
    row_w = layout.dials * dial_d + (layout.dials - 1) * dgap
    dy = c + 40
    dial_values = []
    for i in range(layout.dials):
        value = (frac * 10 ** (layout.red_wheels + i + 1)) % 10
        drawn, crop = crops.needle(rng, value)
        if i == layout.dials - 1:
            reading = _snap_last_dial(reading, layout, value, drawn)
            value = drawn
        crop = crop.resize((dial_d, dial_d))
        mask = Image.new("L", (dial_d, dial_d), 0)
        ImageDraw.Draw(mask).ellipse((0, 0, dial_d - 1, dial_d - 1), fill=255)
        dx = c - row_w // 2 + i * (dial_d + dgap)
        draw.ellipse((dx - 5, dy - 5, dx + dial_d + 5, dy + dial_d + 5), fill=(60, 60, 60))
        face.paste(crop, (dx, dy), mask)
        dial_values.append(value)
        label = f"×0.{'0' * (layout.red_wheels + i)}1"
        draw.text((dx + 10, dy + dial_d + 8), label, fill=(50, 50, 50), font=_font(FONTS[1], 14))

    photo = _camera(rng, face)
    return SynthPhoto(photo, reading, layout, rolling, dial_values=dial_values)


def _camera(rng: random.Random, face: Image.Image) -> bytes:
    import cv2

    w, h = rng.choice([(1280, 960), (960, 1280), (1600, 1200), (1024, 768)])
    bg = np.zeros((h, w, 3), np.float32)
    base = np.array([rng.randint(40, 200) for _ in range(3)], np.float32)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    bg[:] = base
    bg += (xx / w - 0.5)[..., None] * rng.uniform(-60, 60)
    bg += np.random.default_rng(rng.randrange(2**32)).normal(0, 8, (h, w, 3))
    bg = np.clip(bg, 0, 255).astype(np.uint8)

    src = np.asarray(face)
    fs = src.shape[0]
    scale = rng.uniform(0.65, 0.95) * min(w, h) / fs
    angle = math.radians(rng.uniform(-10, 10))
    cx, cy = w / 2 + rng.uniform(-0.08, 0.08) * w, h / 2 + rng.uniform(-0.08, 0.08) * h
    corners = np.array([[0, 0], [fs, 0], [fs, fs], [0, fs]], np.float32) - fs / 2
    tilt = rng.uniform(-0.12, 0.12)
    dst = []
    for x, y in corners:
        x2, y2 = x * scale * (1 + tilt * y / fs), y * scale * (1 - tilt * x / fs)
        dst.append(
            [
                cx + x2 * math.cos(angle) - y2 * math.sin(angle) + rng.uniform(-8, 8),
                cy + x2 * math.sin(angle) + y2 * math.cos(angle) + rng.uniform(-8, 8),
            ]
        )
    matrix = cv2.getPerspectiveTransform(corners + fs / 2, np.array(dst, np.float32))
    warped = cv2.warpPerspective(src, matrix, (w, h))
    mask = cv2.warpPerspective(np.full((fs, fs), 255, np.uint8), matrix, (w, h))
    face_mask = cv2.warpPerspective(
        cv2.circle(np.zeros((fs, fs), np.uint8), (fs // 2, fs // 2), fs // 2 - 8, 255, -1),
        matrix,
        (w, h),
    )
    out = np.where((face_mask > 0)[..., None], warped, bg).astype(np.float32)
    del mask

    # Light: a gradient, sometimes a glare spot on the glass.
    out *= (1 + (yy / h - 0.5) * rng.uniform(-0.4, 0.4))[..., None]
    if rng.random() < 0.4:
        gx, gy = rng.uniform(0.2, 0.8) * w, rng.uniform(0.2, 0.8) * h
        radius = rng.uniform(0.03, 0.09) * min(w, h)
        glare = np.exp(-(((xx - gx) ** 2 + ((yy - gy) * 1.8) ** 2) / (2 * radius**2)))
        out += glare[..., None] * rng.uniform(60, 140)
    out = Image.fromarray(np.clip(out, 0, 255).astype(np.uint8))
    out = ImageEnhance.Brightness(out).enhance(rng.uniform(0.75, 1.2))
    if rng.random() < 0.5:
        out = out.filter(ImageFilter.GaussianBlur(rng.uniform(0.5, 1.8)))
    buf = io.BytesIO()
    out.save(buf, "JPEG", quality=rng.randint(65, 92))
    return buf.getvalue()


def generate(n: int, seed: int = 7, root: Path | None = None, pool: str | None = None):
    """`n` photos (an iterator of SynthPhoto), the same ones for the same seed and pool.

    `pool`: `calibration` or `evaluation` builds the photos only from that half of the held-out
    crops (datasets.pool), so a confidence model fitted on one is measured on the other.
    """
    rng = random.Random(seed)
    crops = _Crops(root, pool)
    for _ in range(n):
        yield render(rng, crops, rng.choice(LAYOUTS))
