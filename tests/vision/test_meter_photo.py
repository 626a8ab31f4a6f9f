"""Whole meter photos: every bad input gets its own Chinese message telling how to retake it;
the reader resolves rolling wheels and neighbouring dials; what it accepts on its own is right."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter

from shuiwu.errors import InvalidInput
from tests.vision.conftest import png_header
from vision import image as vimage
from vision import messages, meter
from vision.datasets import DIGIT_LABELS


def jpeg(img: Image.Image, **kw) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=90, **kw)
    return buf.getvalue()


def scene(brightness: int = 180) -> Image.Image:
    """A sharp picture with edges everywhere but no meter in it."""
    rng = np.random.default_rng(3)
    img = Image.fromarray(rng.integers(0, 255, (480, 640, 3), dtype=np.uint8)).resize((640, 480))
    draw = ImageDraw.Draw(img)
    for i in range(0, 640, 40):
        draw.line((i, 0, 640 - i, 480), fill=(brightness, brightness // 2, 30), width=3)
    return img


def refused(data: bytes) -> str:
    with pytest.raises(InvalidInput) as exc:
        meter.read_meter(data)
    return exc.value.message


def test_a_text_file_named_jpg_is_not_a_photo():
    assert refused(b"this is not a picture at all, only text" * 10) == messages.NOT_A_PHOTO


def test_gif_and_pdf_are_refused_by_content():
    buf = io.BytesIO()
    Image.new("RGB", (300, 300), "white").save(buf, "GIF")
    assert refused(buf.getvalue()) == messages.NOT_A_PHOTO
    assert refused(b"%PDF-1.7\n" + b"0" * 500) == messages.NOT_A_PHOTO


def test_empty_file():
    assert refused(b"") == messages.EMPTY_IMAGE


def test_too_many_bytes_is_refused_before_decoding():
    data = jpeg(scene())
    with pytest.raises(InvalidInput) as exc:
        vimage.open_photo(data, max_bytes=len(data) - 1)
    assert "超过 0 MB 的上限" in exc.value.message or "照片太大" in exc.value.message


def test_decompression_bomb_header_is_refused_without_decoding():
    message = refused(png_header(30000, 30000))
    assert "像素过多" in message and "9" in message  # names its 90 000 万 pixels


def test_truncated_jpeg_is_refused():
    assert refused(jpeg(scene())[:400]) == messages.NOT_A_PHOTO


def test_tiny_photo_asks_to_come_closer():
    assert "请靠近水表" in refused(jpeg(Image.new("RGB", (120, 90), "white")))


def test_dark_photo_asks_for_light():
    assert refused(jpeg(scene(brightness=20).point(lambda v: v // 8))) == messages.TOO_DARK


def test_blurred_photo_asks_to_hold_steady():
    blurred = scene().filter(ImageFilter.GaussianBlur(12))
    assert refused(jpeg(blurred)) == messages.TOO_BLURRY


def test_photo_without_a_meter_asks_to_frame_the_counter():
    assert refused(jpeg(scene())) == messages.NO_METER


def test_exif_orientation_is_applied():
    img = Image.new("RGB", (400, 300), "white")
    exif = Image.Exif()
    exif[0x0112] = 6  # rotated 90° clockwise: the upright picture is 300 wide, 400 tall
    photo = vimage.open_photo(jpeg(img, exif=exif))
    assert photo.image.size == (300, 400)


def test_heic_webp_png_and_videos_are_told_apart_by_content():
    buf = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buf, "WEBP")
    assert vimage.sniff(buf.getvalue()) == ("image", "image/webp")
    assert vimage.sniff(b"\x00\x00\x00\x18ftypheic" + b"\0" * 40) == ("image", "image/heic")
    assert vimage.sniff(b"\x00\x00\x00\x18ftypisom" + b"\0" * 40) == ("video", "video/mp4")
    assert vimage.sniff(b"\x00\x00\x00\x14ftypqt  " + b"\0" * 40) == ("video", "video/quicktime")
    assert vimage.sniff(b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01webm" + b"\0" * 40) == ("video", "video/webm")
    assert vimage.sniff(b"GIF89a" + b"\0" * 40) is None


def probs(**p: float) -> np.ndarray:
    out = np.full(len(DIGIT_LABELS), 0.001, np.float32)
    for label, value in p.items():
        out[DIGIT_LABELS.index(label.lstrip("d"))] = value
    return out


def test_a_rolling_wheel_takes_the_lower_digit_while_the_next_dial_is_past_5():
    wheel = meter._wheel(probs(NaN=0.8, d4=0.1, d5=0.08), None, 0.0)
    assert wheel.rolling
    meter._resolve_rolling([wheel], [9.6])
    assert wheel.value == 4


def test_a_rolling_wheel_has_just_stepped_when_the_next_dial_is_near_0():
    wheel = meter._wheel(probs(NaN=0.8, d4=0.1, d5=0.08), None, 0.0)
    meter._resolve_rolling([wheel], [0.3])
    assert wheel.value == 5


def test_readers_that_disagree_lower_the_confidence():
    agree = meter._wheel(probs(d7=0.97), "7", 0.95)
    disagree = meter._wheel(probs(d7=0.97), "1", 0.95)
    assert agree.value == disagree.value == 7
    assert agree.confidence > meter.ACCEPT > disagree.confidence


def test_dials_are_reconciled_with_their_neighbour():
    # ×0.1 shows 3.97: whether it has reached 4 depends on the ×0.01 dial.
    assert [p.value for p in meter._dial_digits([3.97, 9.7, 7.1])] == [3, 9, 7]
    assert [p.value for p in meter._dial_digits([3.97, 0.2, 2.0])] == [4, 0, 2]
    # A ×0.1 needle that does not fit the next dial at all is not trusted.
    low = meter._dial_digits([3.5, 9.5])[0]
    assert low.confidence < meter.CONFIRM
