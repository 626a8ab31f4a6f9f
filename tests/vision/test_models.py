"""The shipped ONNX models on real held-out crops from ../shared/datasets (never trained on)."""

from __future__ import annotations

import subprocess
import sys
import threading

import pytest
from PIL import Image

from tests.vision.conftest import DATASETS, needs_datasets
from vision import datasets
from vision.digits import MODEL as DIGITS_MODEL
from vision.digits import read_digits
from vision.needles import MODEL as NEEDLES_MODEL
from vision.needles import dial_error, read_needles

pytestmark = needs_datasets


def first_per_class(samples, per_class: int):
    picked: dict[str, list] = {}
    for s in samples:
        key = s.label.split(".")[0]
        if len(picked.setdefault(key, [])) < per_class:
            picked[key].append(s)
    return [s for group in picked.values() for s in group]


def test_models_are_shipped_and_small():
    for model in (DIGITS_MODEL, NEEDLES_MODEL):
        assert model.is_file() and model.stat().st_size < 5 * 1024 * 1024


def test_clear_digit_crops_are_read_right():
    _, held = datasets.digits(DATASETS)
    crops = first_per_class(held, 2)  # every class, "NaN" included
    reads = read_digits([s.path.read_bytes() for s in crops])
    assert [r.label for r in reads] == [s.label for s in crops]
    assert all(0.5 < r.confidence <= 1.0 for r in reads)


def test_pil_images_and_bytes_read_the_same():
    _, held = datasets.digits(DATASETS)
    path = held[0].path
    assert read_digits([Image.open(path)]) == read_digits([path.read_bytes()])


def test_dials_are_read_within_a_few_tenths():
    _, held = datasets.needles(DATASETS)
    crops = first_per_class(held, 1)  # one per whole unit 0–9
    values = read_needles([s.path.read_bytes() for s in crops])
    assert all(0.0 <= v < 10.0 for v in values)
    assert dial_error(values, [float(s.label) for s in crops]).max() <= 0.3


def test_concurrent_readers_share_one_session_and_agree():
    _, held = datasets.digits(DATASETS)
    crops = [s.path.read_bytes() for s in held[:8]]
    expected = read_digits(crops)
    results, errors = [], []

    def worker():
        try:
            results.append(read_digits(crops))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and all(r == expected for r in results)


def test_importing_loads_no_model():
    code = (
        "import vision.digits, vision.needles, vision.onnx_session as s; "
        "assert not s._sessions, s._sessions"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_split_is_stable_stratified_and_disjoint():
    train, held = datasets.digits(DATASETS)
    assert not {s.path for s in train} & {s.path for s in held}
    assert len(held) == pytest.approx(0.2 * (len(train) + len(held)), abs=6)
    assert {s.label for s in held} == set(datasets.DIGIT_LABELS)
    again = datasets.digits(DATASETS)[1]
    assert [s.path for s in again] == [s.path for s in held]
