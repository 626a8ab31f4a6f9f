"""Checks on an uploaded photo before anything reads it: type by content, size, pixels, EXIF
orientation, and whether it is bright and sharp enough.

Every refusal is an `InvalidInput` with a Chinese message that tells the resident what to do.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps

from shuiwu.errors import InvalidInput
from vision import messages
from vision.preprocess import MAX_PIXELS, _check_size, _pixels_in, _too_large

MAX_PHOTO_BYTES = 15 * 1024 * 1024
MAX_VIDEO_BYTES = 100 * 1024 * 1024
# The pipeline works on the photo shrunk to this longest side; a counter window is still
# 100+ px wide at this size on any photo where the meter fills a fair part of the frame.
WORK_SIDE = 1024
MIN_PHOTO_SIDE = 200
# Measured on the whole-photo set (docs/vision.md): mean grey level below DARK is too dark to
# read; the variance of the Laplacian (at WORK_SIDE) below BLURRY is hopelessly out of focus.
# Photos with a plain background score low even when the counter is sharp, so the finer test
# is on the counter window itself (vision.meter.WINDOW_BLURRY).
DARK = 45.0
BLURRY = 4.0

IMAGE_TYPES = {"jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp", "heic": "image/heic"}
VIDEO_TYPES = {"mp4": "video/mp4", "mov": "video/quicktime", "webm": "video/webm"}
_HEIC_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1", b"avif"}
_QT_BRANDS = {b"qt  "}

_heif_registered = False


def sniff(data: bytes) -> tuple[str, str] | None:
    """(kind, content type) from the first bytes — "image" or "video" — or None if neither."""
    head = data[:64]
    if head.startswith(b"\xff\xd8\xff"):
        return "image", IMAGE_TYPES["jpeg"]
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image", IMAGE_TYPES["png"]
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image", IMAGE_TYPES["webp"]
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in _HEIC_BRANDS and brand != b"avif":
            return "image", IMAGE_TYPES["heic"]
        if brand in _QT_BRANDS:
            return "video", VIDEO_TYPES["mov"]
        if brand in (
            b"isom",
            b"iso2",
            b"mp41",
            b"mp42",
            b"avc1",
            b"M4V ",
            b"dash",
            b"3gp4",
            b"3gp5",
        ):
            return "video", VIDEO_TYPES["mp4"]
        return None
    if head.startswith(b"\x1a\x45\xdf\xa3") and b"webm" in data[:4096]:
        return "video", VIDEO_TYPES["webm"]
    return None


def _register_heif() -> None:
    global _heif_registered
    if not _heif_registered:
        from pillow_heif import register_heif_opener

        register_heif_opener()
        _heif_registered = True


@dataclass
class Photo:
    image: Image.Image  # RGB, upright, longest side ≤ the size asked (WORK_SIDE by default)
    content_type: str
    original_size: tuple[int, int]  # upright, before shrinking


def check_photo_bytes(data: bytes, *, max_bytes: int = MAX_PHOTO_BYTES) -> str:
    """The photo's content type, or `InvalidInput` when it is empty, too big or not a photo."""
    if not data:
        raise InvalidInput(messages.EMPTY_IMAGE, field="file")
    if len(data) > max_bytes:
        raise InvalidInput(
            messages.PHOTO_TOO_BIG.format(size=len(data) / 1048576, limit=max_bytes // 1048576),
            field="file",
        )
    found = sniff(data)
    if found is None or found[0] != "image":
        raise InvalidInput(messages.NOT_A_PHOTO, field="file")
    return found[1]


def open_photo(
    data: bytes,
    *,
    max_bytes: int = MAX_PHOTO_BYTES,
    side: int = WORK_SIDE,
    resample: Image.Resampling = Image.Resampling.BILINEAR,
) -> Photo:
    """Decode a resident's photo: checked, EXIF-rotated, RGB, shrunk to `side` (longest side;
    meter photos WORK_SIDE, documents with small print more)."""
    content_type = check_photo_bytes(data, max_bytes=max_bytes)
    if content_type == IMAGE_TYPES["heic"]:
        _register_heif()
    try:
        image = Image.open(io.BytesIO(data))
        _check_size(image.size, "file")  # header only: a bomb is refused before decoding
        if image.format == "JPEG":
            image.draft("RGB", (side, side))  # decode at 1/2, 1/4, 1/8 scale: fast
        image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise InvalidInput(_too_large(_pixels_in(exc)), field="file") from exc
    except InvalidInput:
        raise
    except Exception as exc:  # truncated or corrupt files raise many kinds of error
        raise InvalidInput(messages.NOT_A_PHOTO, field="file") from exc
    if image.size[0] * image.size[1] > MAX_PIXELS:
        raise InvalidInput(_too_large(image.size[0] * image.size[1]), field="file")
    image = ImageOps.exif_transpose(image).convert("RGB")
    original = image.size
    if min(original) < MIN_PHOTO_SIDE:
        raise InvalidInput(
            messages.PHOTO_TOO_SMALL.format(width=original[0], height=original[1]), field="file"
        )
    image.thumbnail((side, side), resample)
    return Photo(image, content_type, original)


def quality(image: Image.Image) -> tuple[float, float]:
    """(mean grey level 0–255, variance of the Laplacian) of the photo."""
    import cv2

    grey = np.asarray(image.convert("L"))
    return float(grey.mean()), float(cv2.Laplacian(grey, cv2.CV_64F).var())


def check_quality(image: Image.Image) -> None:
    """`InvalidInput` telling how to retake a photo that is too dark or blurred to read."""
    brightness, sharpness = quality(image)
    if brightness < DARK:
        raise InvalidInput(messages.TOO_DARK, field="file")
    if sharpness < BLURRY:
        raise InvalidInput(messages.TOO_BLURRY, field="file")
