"""Figures of the shipped models on the held-out splits (`shuiwu vision eval`).

Latency is one crop at a time on one CPU core (ONNX Runtime with one intra-op thread),
the way a single resident's photo is read.
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import numpy as np
from PIL import Image

from vision import datasets, digits, needles
from vision.preprocess import DIGIT_SIZE, NEEDLE_SIZE, to_array

GOALS = {"digit_accuracy_0_9": 0.993, "nan_recall": 0.95, "digit_latency_ms": 2.0, "needle_mae": 0.1}


def _latency(predict, x: np.ndarray) -> dict:
    for i in range(min(10, len(x))):  # warm-up: first runs allocate
        predict(x[i : i + 1], threads=1)
    times = []
    for i in range(len(x)):
        start = time.perf_counter()
        predict(x[i : i + 1], threads=1)
        times.append((time.perf_counter() - start) * 1000)
    return {"mean": round(float(np.mean(times)), 3), "p95": round(float(np.percentile(times, 95)), 3)}


def evaluate_digits(root: Path) -> dict:
    _, held = datasets.digits(root)
    x = np.stack([to_array(Image.open(s.path), DIGIT_SIZE) for s in held])
    probs = digits.predict(x, threads=1)
    pred = [datasets.DIGIT_LABELS[i] for i in probs.argmax(axis=1)]
    truth = [s.label for s in held]
    pairs = list(zip(truth, pred, strict=True))
    numeric = [(t, p) for t, p in pairs if t != "NaN"]
    nan_true = sum(t == "NaN" for t in truth)
    nan_pred = sum(p == "NaN" for p in pred)
    nan_hit = sum(t == p == "NaN" for t, p in pairs)
    confusions = Counter((t, p) for t, p in pairs if t != p)
    return {
        "held_out": len(held),
        "accuracy_0_9": round(sum(t == p for t, p in numeric) / len(numeric), 4),
        "crops_0_9": len(numeric),
        "accuracy_all": round(sum(t == p for t, p in pairs) / len(pairs), 4),
        "nan": {
            "precision": round(nan_hit / nan_pred, 4) if nan_pred else None,
            "recall": round(nan_hit / nan_true, 4) if nan_true else None,
            "support": nan_true,
        },
        "confusions": [
            {"true": t, "predicted": p, "count": n} for (t, p), n in confusions.most_common(10)
        ],
        "latency_ms": _latency(digits.predict, x),
    }


def evaluate_needles(root: Path) -> dict:
    _, held = datasets.needles(root)
    x = np.stack([to_array(Image.open(s.path), NEEDLE_SIZE) for s in held])
    errors = needles.dial_error(needles.predict(x, threads=1), [float(s.label) for s in held])
    return {
        "held_out": len(held),
        "mae": round(float(errors.mean()), 4),
        "p95_abs_error": round(float(np.percentile(errors, 95)), 4),
        "max_abs_error": round(float(errors.max()), 4),
        "latency_ms": _latency(needles.predict, x),
    }


def evaluate(root: Path) -> dict:
    d, n = evaluate_digits(root), evaluate_needles(root)
    met = {
        "digit_accuracy_0_9": d["accuracy_0_9"] >= GOALS["digit_accuracy_0_9"],
        "nan_recall": (d["nan"]["recall"] or 0) >= GOALS["nan_recall"],
        "digit_latency_ms": d["latency_ms"]["mean"] < GOALS["digit_latency_ms"],
        "needle_mae": n["mae"] <= GOALS["needle_mae"],
    }
    return {"digits": d, "needles": n, "goals": GOALS, "goals_met": met}
