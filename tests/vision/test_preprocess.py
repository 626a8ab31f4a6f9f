"""Checking and preparing crops: what a resident's bad upload gets told, and what the model sees."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from shuiwu.errors import InvalidInput
from tests.vision.conftest import png_header
from vision import messages
from vision.digits import read_digits
from vision.needles import read_needles
from vision.preprocess import DIGIT_SIZE, MAX_PIXELS, batch, open_image, to_array


def encoded(image: Image.Image, fmt: str = "PNG") -> bytes:
    buf = io.BytesIO()
    image.save(buf, format=fmt)
    return buf.getvalue()


def test_crops_of_any_size_and_mode_become_the_same_shape():
    crops = [
        Image.new("RGB", (37, 65), (255, 255, 255)),
        Image.new("RGBA", (135, 209), (0, 0, 0, 255)),
        encoded(Image.new("L", (17, 31), 128), "JPEG"),
    ]
    x = batch(crops, DIGIT_SIZE)
    assert x.shape == (3, 3, 32, 20) and x.dtype == np.float32
    assert x[0].min() == pytest.approx(1.0) and x[1].max() == pytest.approx(0.0)
    assert np.allclose(x[2], 128 / 255, atol=0.02)


def test_pixels_keep_their_place():
    image = Image.new("RGB", (20, 32), (0, 0, 0))
    image.paste((255, 0, 0), (0, 0, 10, 32))  # left half red
    x = to_array(image, DIGIT_SIZE)
    assert x[0, :, :9].min() == 1.0 and x[0, :, 11:].max() == 0.0 and x[1].max() == 0.0


def test_text_renamed_to_jpg_is_refused(tmp_path):
    fake = tmp_path / "meter.jpg"
    fake.write_text("这不是图片 not a picture")
    with pytest.raises(InvalidInput) as err:
        read_digits([fake.read_bytes()])
    assert err.value.message == messages.NOT_AN_IMAGE
    assert err.value.field == "images[0]"


def test_one_pixel_image_is_too_small_to_read():
    with pytest.raises(InvalidInput) as err:
        read_needles([encoded(Image.new("RGB", (1, 1)))])
    assert "太小" in err.value.message and "1×1" in err.value.message


def test_empty_upload_and_zero_size_image_are_refused():
    for bad in (b"", Image.new("RGB", (0, 0))):
        with pytest.raises(InvalidInput) as err:
            open_image(bad)
        assert err.value.message == messages.EMPTY_IMAGE


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
@pytest.mark.parametrize("side", [100_000, int((1.5 * MAX_PIXELS) ** 0.5)])
def test_decompression_bomb_is_refused_before_decoding(side):
    # 100000² is past PIL's hard limit; 1.5 × MAX_PIXELS only makes PIL warn (ignored here, as
    # pytest resets our filter): our own check on the header's size refuses it all the same.
    with pytest.raises(InvalidInput) as err:
        read_digits([png_header(side, side)])
    assert err.value.message == messages.TOO_LARGE.format(
        pixels=side * side // 10_000, limit=MAX_PIXELS // 10_000
    )


def test_a_bad_crop_among_good_ones_names_its_position():
    good = encoded(Image.new("RGB", (30, 50), (200, 200, 200)))
    with pytest.raises(InvalidInput) as err:
        read_digits([good, b"GIF89a broken"])
    assert err.value.field == "images[1]"


def test_unsupported_input_type_is_refused():
    with pytest.raises(InvalidInput) as err:
        open_image("meter.jpg")  # a path string, not the file's content
    assert "不支持的输入类型" in err.value.message
