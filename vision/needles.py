"""Read pointer dials: each crop gives the needle's position as a value 0.0–9.9."""

from __future__ import annotations

import numpy as np

from vision import onnx_session
from vision.preprocess import NEEDLE_SIZE, ImageInput, batch

MODEL = onnx_session.MODELS / "needles.onnx"


def value_from_sincos(out: np.ndarray) -> np.ndarray:
    """(sin, cos) of the needle angle, clockwise from 12 o'clock → value in [0, 10)."""
    angle = np.arctan2(out[:, 0], out[:, 1])
    return np.mod(angle * (10.0 / (2 * np.pi)), 10.0)


def dial_error(predicted, truth) -> np.ndarray:
    """Absolute error on the dial, the short way round: |9.9 − 0.0| is 0.1."""
    diff = np.abs(np.asarray(predicted, dtype=np.float64) - np.asarray(truth, dtype=np.float64))
    diff = np.mod(diff, 10.0)
    return np.minimum(diff, 10.0 - diff)


def predict(x: np.ndarray, *, threads: int = 0) -> np.ndarray:
    """Values for an already preprocessed NCHW batch."""
    if len(x) == 0:
        return np.zeros(0)
    return value_from_sincos(predict_sincos(x, threads=threads))


def predict_sincos(x: np.ndarray, *, threads: int = 0) -> np.ndarray:
    """The needle direction (sin, cos), scaled to unit length, for a preprocessed NCHW batch."""
    if len(x) == 0:
        return np.zeros((0, 2), np.float32)
    out = onnx_session.session(MODEL, threads).run(None, {"image": x})[0]
    return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-6)


def read_needles(images: list[ImageInput]) -> list[float]:
    """The value (0.0–9.9, two decimals) shown by each dial crop; `InvalidInput` for a bad one."""
    values = predict(batch(list(images), NEEDLE_SIZE))
    # 9.996 rounds to 10.0, which a dial never shows: it is 0.0.
    return [round(float(v), 2) % 10.0 for v in values]
