"""`shuiwu read-meter PHOTO... --json`: one JSON line per photo, the contract other tools read."""

from __future__ import annotations

import json
import random

from tests.vision.conftest import needs_datasets
from tests.vision.test_cli_vision import shuiwu
from vision import synth

pytestmark = needs_datasets


def test_read_meter_prints_one_json_line_per_photo(tmp_path):
    crops = synth._Crops(None)
    photo = synth.render(random.Random(23), crops, synth.Layout(5, 0, 3), 131.4565)
    good = tmp_path / "meter.jpg"
    good.write_bytes(photo.data)
    fake = tmp_path / "fake.jpg"
    fake.write_text("不是照片")
    result = shuiwu("read-meter", str(good), str(fake), "--json", "--digits", "5", "--dials", "3")
    assert result.returncode == 1, result.stderr  # one photo could not be read
    first, second = (json.loads(line) for line in result.stdout.splitlines())
    assert set(first) == {"file", "reading", "digits", "status", "reason"}
    assert first["reading"] == "131.456"
    assert first["status"] in {"accepted", "confirm", "review"} and first["reason"]
    assert len(first["digits"]) == 8
    for digit in first["digits"]:
        assert set(digit) == {"value", "confidence"}
        assert digit["value"] in "0123456789" and 0 <= digit["confidence"] <= 1
    assert second == {"file": str(fake), "error": second["error"]}
    assert "文件不是照片" in second["error"]


def test_without_a_layout_the_reader_counts_the_wheels_itself(tmp_path):
    crops = synth._Crops(None)
    photo = synth.render(random.Random(23), crops, synth.Layout(5, 0, 3), 131.4565)
    path = tmp_path / "meter.jpg"
    path.write_bytes(photo.data)
    result = shuiwu("read-meter", str(path), "--json")
    line = json.loads(result.stdout)
    assert line["reading"] is not None and line["reading"].startswith("131.")
