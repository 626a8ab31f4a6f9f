"""Turn an uploaded crop (bytes or PIL image) into the model's input tensor.

Shared by the runtime and the training scripts, so a model always sees the same pixels.
"""

from __future__ import annotations

import io
import re
import warnings

import numpy as np
from PIL import Image

from shuiwu.errors import InvalidInput
from vision import messages

# A digit or dial crop is at most a few hundred pixels a side; 40 Mpx covers any phone photo
# and refuses decompression bombs long before they are decoded.
MAX_PIXELS = 40_000_000
MIN_SIDE = 4
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
# PIL only warns between MAX_IMAGE_PIXELS and twice that: make it refuse those too, everywhere
# in the process (a filter set here, not per call: catch_warnings is not thread-safe).
warnings.filterwarnings("error", category=Image.DecompressionBombWarning)

DIGIT_SIZE = (20, 32)  # width, height: a digit wheel is about 0.6 as wide as it is tall
NEEDLE_SIZE = (32, 32)

ImageInput = Image.Image | bytes | bytearray | memoryview


def open_image(data: ImageInput, *, field: str = "image") -> Image.Image:
    """Decode and check an image; `InvalidInput` with a Chinese message when it is not usable."""
    if isinstance(data, Image.Image):
        image = data
    elif isinstance(data, bytes | bytearray | memoryview):
        raw = bytes(data)
        if not raw:
            raise InvalidInput(messages.EMPTY_IMAGE, field=field)
        try:
            image = Image.open(io.BytesIO(raw))
            _check_size(image.size, field)  # from the header, before any pixel is decoded
            image.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise InvalidInput(_too_large(_pixels_in(exc)), field=field) from exc
        except InvalidInput:
            raise
        except (OSError, SyntaxError, ValueError) as exc:
            raise InvalidInput(messages.NOT_AN_IMAGE, field=field) from exc
    else:
        raise InvalidInput(messages.UNSUPPORTED_TYPE.format(kind=type(data).__name__), field=field)
    _check_size(image.size, field)
    return image


def _pixels_in(exc: Exception) -> int | None:
    """The pixel count PIL names in its decompression-bomb error or warning."""
    found = re.search(r"\((\d+) pixels\)", str(exc))
    return int(found.group(1)) if found else None


def _too_large(pixels: int | None) -> str:
    if pixels is None:
        return messages.TOO_LARGE_UNKNOWN.format(limit=MAX_PIXELS // 10_000)
    return messages.TOO_LARGE.format(pixels=pixels // 10_000, limit=MAX_PIXELS // 10_000)


def _check_size(size: tuple[int, int], field: str) -> None:
    width, height = size
    if width == 0 or height == 0:
        raise InvalidInput(messages.EMPTY_IMAGE, field=field)
    if width * height > MAX_PIXELS:
        raise InvalidInput(_too_large(width * height), field=field)
    if width < MIN_SIDE or height < MIN_SIDE:
        raise InvalidInput(messages.TOO_SMALL.format(width=width, height=height), field=field)


def to_array(image: Image.Image, size: tuple[int, int]) -> np.ndarray:
    """RGB, resized (antialiased) to `size`, as float32 CHW in [0, 1]."""
    rgb = image.convert("RGB").resize(size, Image.Resampling.BILINEAR)
    return np.asarray(rgb, dtype=np.float32).transpose(2, 0, 1) / 255.0


def batch(images: list[ImageInput], size: tuple[int, int]) -> np.ndarray:
    """Check, decode and stack crops into one NCHW float32 batch."""
    arrays = [to_array(open_image(img, field=f"images[{i}]"), size) for i, img in enumerate(images)]
    return np.stack(arrays) if arrays else np.zeros((0, 3, size[1], size[0]), np.float32)
