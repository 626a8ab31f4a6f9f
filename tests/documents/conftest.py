"""Rendered documents with known field values (fixed seed), shared by the document tests."""

from __future__ import annotations

import random

import pytest

from vision.documents import render

# One document of each kind, each photographed differently; seed fixed so a failure reproduces.
KINDS = (
    ("id_card", "photo"),
    ("water_bill", "rotated"),
    ("receipt", "hard"),
    ("invoice", "photo"),
    ("property_certificate", "rotated"),
)


@pytest.fixture(scope="session")
def samples() -> dict[str, render.Sample]:
    try:
        render.font_paths()
    except render.NoCjkFont as exc:
        pytest.skip(str(exc))
    rng = random.Random(20261125)
    return {kind: render.sample(kind, rng, level) for kind, level in KINDS}


@pytest.fixture(scope="session")
def id_card_jpeg(samples) -> bytes:
    return samples["id_card"].jpeg()
