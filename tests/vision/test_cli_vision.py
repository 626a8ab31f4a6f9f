"""`shuiwu read-digit`, `read-needle` and `vision eval` as a script calls them: JSON lines."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.vision.conftest import DATASETS, needs_datasets
from vision import datasets

ROOT = Path(__file__).resolve().parents[2]
pytestmark = needs_datasets


def shuiwu(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "LOG_JSON": "false"}
    return subprocess.run(
        [sys.executable, "-m", "shuiwu.cli", *args],
        capture_output=True, text=True, env=env, timeout=120, cwd=ROOT,
    )


def test_read_digit_prints_one_json_line_per_crop_and_flags_a_bad_one(tmp_path):
    _, held = datasets.digits(DATASETS)
    fake = tmp_path / "fake.jpg"
    fake.write_text("not an image")
    crops = [str(held[0].path), str(held[-1].path), str(fake)]
    result = shuiwu("read-digit", *crops, "--json")
    assert result.returncode == 1  # one crop could not be read
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["file"] for line in lines] == crops
    for line, sample in zip(lines[:2], (held[0], held[-1]), strict=True):
        assert set(line) == {"file", "label", "confidence"}
        assert line["label"] == sample.label and 0 <= line["confidence"] <= 1
    assert set(lines[2]) == {"file", "error"} and "无法识别的图片" in lines[2]["error"]


def test_read_needle_prints_values(tmp_path):
    _, held = datasets.needles(DATASETS)
    result = shuiwu("read-needle", str(held[0].path), str(held[1].path), "--json")
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [set(line) for line in lines] == [{"file", "value"}] * 2
    assert all(isinstance(line["value"], float) and 0 <= line["value"] < 10 for line in lines)


def small_copy(tmp_path: Path) -> Path:
    """Three crops per class of each dataset: enough for eval's shape, quick to run."""
    for name, column in (("meter_digits", "label"), ("meter_needles", "value")):
        src, dst = DATASETS / name, tmp_path / name
        (dst / "images").mkdir(parents=True)
        with open(src / "labels.csv", newline="") as f:
            rows, seen = [], {}
            for row in csv.DictReader(f):
                key = row[column].split(".")[0]
                if seen.get(key, 0) < 3:
                    seen[key] = seen.get(key, 0) + 1
                    rows.append(row)
        for row in rows:
            shutil.copy(src / row["file"], dst / row["file"])
        with open(dst / "labels.csv", "w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=["file", column])
            writer.writeheader()
            writer.writerows({"file": r["file"], column: r[column]} for r in rows)
    return tmp_path


def test_vision_eval_reports_the_figures(tmp_path):
    result = shuiwu("vision", "eval", "--datasets", str(small_copy(tmp_path)), "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    digits, needles = report["digits"], report["needles"]
    assert digits["held_out"] == 11 and needles["held_out"] == 10
    assert 0 <= digits["accuracy_0_9"] <= 1
    assert set(digits["nan"]) == {"precision", "recall", "support"}
    assert set(digits["latency_ms"]) == {"mean", "p95"}
    assert isinstance(digits["confusions"], list)
    assert {"mae", "p95_abs_error", "latency_ms"} <= set(needles)
    assert set(report["goals_met"]) == {"digit_accuracy_0_9", "nan_recall", "digit_latency_ms", "needle_mae"}


def test_vision_eval_without_datasets_says_so(tmp_path):
    result = shuiwu("vision", "eval", "--datasets", str(tmp_path))
    assert result.returncode == 1 and "找不到数据集" in result.stderr
