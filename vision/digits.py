"""Read digit wheels: each crop is one of "0"…"9", or "NaN" when the wheel is between two digits."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vision import onnx_session
from vision.datasets import DIGIT_LABELS
from vision.preprocess import DIGIT_SIZE, ImageInput, batch

MODEL = onnx_session.MODELS / "digits.onnx"


@dataclass(frozen=True)
class DigitRead:
    label: str  # "0".."9" or "NaN"
    confidence: float  # the model's probability for that label, 0–1


def predict(x: np.ndarray, *, threads: int = 0) -> np.ndarray:
    """Class probabilities (N × 11, in DIGIT_LABELS order) for a preprocessed NCHW batch."""
    if len(x) == 0:
        return np.zeros((0, len(DIGIT_LABELS)), np.float32)
    return onnx_session.session(MODEL, threads).run(None, {"image": x})[0]


def read_digits(images: list[ImageInput]) -> list[DigitRead]:
    """The label and confidence of each digit crop; `InvalidInput` for a bad one."""
    probs = predict(batch(list(images), DIGIT_SIZE))
    best = probs.argmax(axis=1)
    return [DigitRead(DIGIT_LABELS[i], round(float(p[i]), 4)) for i, p in zip(best, probs, strict=True)]
