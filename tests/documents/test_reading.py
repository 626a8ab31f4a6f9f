"""Reading rendered documents (known values) back, refusing what is no document, and keeping ID
numbers out of logs and masked output."""

from __future__ import annotations

import io
import json
import logging

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont
from typer.testing import CliRunner

from shuiwu.cli import app
from shuiwu.errors import InvalidInput
from tests.documents.conftest import KINDS
from vision.documents import DOC_TYPES, read_document, render


@pytest.fixture(scope="module")
def reads(samples):
    return {kind: read_document(s.jpeg()) for kind, s in samples.items()}


@pytest.mark.parametrize("kind", [k for k, _ in KINDS])
def test_known_values_are_read_back(kind, samples, reads):
    """Type found by itself; every field right but at most one on a photographed page (OCR may
    miss a character there), and a wrong one is never both confident and unflagged."""
    sample, result = samples[kind], reads[kind]
    assert result.doc_type == kind
    wrong = {k: (f.value, sample.truth[k]) for k, f in result.fields.items() if f.value != sample.truth[k]}
    assert len(wrong) <= (0 if sample.level in ("clean", "rotated") else 1), wrong
    for key in wrong:
        found = result.fields[key]
        assert found.error or found.confidence < 0.99, (key, found)
    assert set(result.fields) == {f.key for f in DOC_TYPES[kind].fields}


def test_id_number_exact_and_checked(samples, reads):
    found = reads["id_card"].fields["id_number"]
    assert found.value == samples["id_card"].truth["id_number"]
    assert found.error is None and found.confidence > 0.9


def _jpeg(image: Image.Image) -> bytes:
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=85)
    return buf.getvalue()


def test_a_photo_without_text_gets_a_chinese_message():
    rng = np.random.default_rng(1)
    sky = np.linspace(60, 220, 600)[:, None, None] * np.ones((600, 800, 3)) + rng.normal(0, 4, (600, 800, 3))
    with pytest.raises(InvalidInput, match="没有找到文字"):
        read_document(_jpeg(Image.fromarray(np.clip(sky, 0, 255).astype(np.uint8))))


def test_text_that_is_no_known_document_is_named_so():
    page = Image.new("RGB", (1000, 500), "white")
    font = ImageFont.truetype(str(render.font_paths()[0]), 40)
    draw = ImageDraw.Draw(page)
    draw.text((60, 100), "床前明月光，疑是地上霜。", font=font, fill="black")
    draw.text((60, 220), "举头望明月，低头思故乡。", font=font, fill="black")
    with pytest.raises(InvalidInput, match="没有认出这是哪种单据"):
        read_document(_jpeg(page))


def test_forged_and_unknown_type_refused():
    with pytest.raises(InvalidInput, match="照片|图片"):
        read_document(b"%PDF-1.4 not a photo at all" * 10)
    with pytest.raises(InvalidInput, match="照片太小"):
        read_document(_jpeg(Image.new("RGB", (160, 120), "white")))
    with pytest.raises(InvalidInput, match="不支持的单据类型"):
        read_document(b"\xff\xd8\xff", "passport")


def test_cli_masks_id_numbers_except_when_asked_in_json(tmp_path, samples, id_card_jpeg, caplog):
    path = tmp_path / "card.jpg"
    path.write_bytes(id_card_jpeg)
    number = samples["id_card"].truth["id_number"]
    runner = CliRunner()
    with caplog.at_level(logging.DEBUG):
        human = runner.invoke(app, ["read-doc", str(path)])
        as_json = runner.invoke(app, ["read-doc", str(path), "--json"])
        unmasked = runner.invoke(app, ["read-doc", str(path), "--json", "--unmasked"])
    assert human.exit_code == 0, human.output
    assert "居民身份证" in human.output and number not in human.output
    assert f"{number[:4]}**********{number[-4:]}" in human.output
    line = json.loads(as_json.output)
    assert line["type"] == "id_card"
    assert line["fields"]["id_number"]["value"] == f"{number[:4]}**********{number[-4:]}"
    assert 0 < line["fields"]["id_number"]["confidence"] <= 1
    assert json.loads(unmasked.output)["fields"]["id_number"]["value"] == number
    assert number not in caplog.text and number[6:14] not in caplog.text


def test_cli_reports_a_bad_file_in_chinese_and_fails(tmp_path):
    path = tmp_path / "fake.jpg"
    path.write_text("这不是图片")
    result = CliRunner().invoke(app, ["read-doc", str(path), "--json"])
    assert result.exit_code == 1
    assert "照片" in json.loads(result.output)["error"]
