"""The process-wide PP-OCR engine (detection, recognition, orientation), shared by meter photos
and documents.

RapidOCR ships PaddleOCR's PP-OCRv4 detection and recognition models and the mobile v2.0
direction classifier as ONNX files inside its wheel, so nothing is downloaded at run time.
The engine is created on first use (loading takes about a second) and kept for the process.
RapidOCR keeps per-call state on its objects (post-processing thresholds, padding records), so
every call goes through one lock; ONNX Runtime itself uses the cores inside a call.

Images are numpy arrays in RGB order (H×W×3, uint8) or PIL images; boxes are 4 corner points
(x, y) in the input image's pixels, clockwise from top-left.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass

import numpy as np
from PIL import Image

_engine = None
_lock = threading.RLock()
# Threads ONNX Runtime uses inside one call. Its default (every core) spins threads that wait
# for each other when other processes share the cores; two keep a call fast on an idle machine
# without wasting CPU time on a busy one (measured in docs/vision.md).
THREADS = max(1, min(2, os.cpu_count() or 1))


@dataclass(frozen=True)
class TextLine:
    box: list[list[float]]  # 4 × (x, y)
    text: str
    score: float


def engine():
    """The shared `rapidocr_onnxruntime.RapidOCR`, created on first use."""
    global _engine
    if _engine is None:
        with _lock:
            if _engine is None:
                from rapidocr_onnxruntime import RapidOCR

                _engine = RapidOCR(
                    print_verbose=False, intra_op_num_threads=THREADS, inter_op_num_threads=1
                )
    return _engine


def _bgr(image) -> np.ndarray:
    """PP-OCR models were trained on OpenCV's BGR order."""
    if isinstance(image, Image.Image):
        image = np.asarray(image.convert("RGB"))
    arr = np.asarray(image)
    if arr.ndim == 2:
        arr = np.stack([arr] * 3, axis=-1)
    return np.ascontiguousarray(arr[:, :, 2::-1] if arr.shape[2] >= 3 else arr)


def detect_boxes(image, *, max_side: int | None = None) -> list[np.ndarray]:
    """Text boxes (each 4×2 float32, original pixels), top-to-bottom, left-to-right.

    By default RapidOCR's sizing (shortest side scaled to at least 736 px, good for small
    print). `max_side` instead runs detection on the image shrunk to that longest side —
    far faster when the text is large, like a meter's counter.
    """
    import cv2

    ocr = engine()
    img = _bgr(image)
    with _lock:
        if max_side is None:
            prepared, ratio_h, ratio_w = ocr.preprocess(img)
            boxes, _ = ocr.text_det(prepared)
        else:
            h, w = img.shape[:2]
            scale = min(1.0, max_side / max(h, w))
            prepared = cv2.resize(img, (max(32, round(w * scale)), max(32, round(h * scale))))
            ratio_h, ratio_w = h / prepared.shape[0], w / prepared.shape[1]
            det = ocr.text_det
            saved = det.limit_type, det.limit_side_len
            det.limit_type, det.limit_side_len = "max", max_side
            try:
                boxes, _ = det(prepared)
            finally:
                det.limit_type, det.limit_side_len = saved
    if boxes is None or len(boxes) == 0:
        return []
    out = []
    for box in ocr.sorted_boxes(np.asarray(boxes)):
        b = np.asarray(box, dtype=np.float32).copy()
        b[:, 0] *= ratio_w
        b[:, 1] *= ratio_h
        out.append(b)
    return out


def recognise(crops: list, *, classify: bool = False) -> list[tuple[str, float]]:
    """(text, score) for each text-line crop (RGB arrays or PIL images).

    `classify=True` first turns upside-down lines the right way up (the direction classifier).
    """
    if not crops:
        return []
    ocr = engine()
    imgs = [_bgr(c) for c in crops]
    with _lock:
        if classify:
            imgs, _, _ = ocr.text_cls(imgs)
        results, _ = ocr.text_rec(imgs)
    return [(str(r[0]), float(r[1])) for r in results]


def crop_box(image, box) -> np.ndarray:
    """The box's content straightened to a rectangle (RGB array); tall boxes are turned."""
    import cv2

    arr = np.asarray(image.convert("RGB")) if isinstance(image, Image.Image) else np.asarray(image)
    pts = np.asarray(box, dtype=np.float32)
    width = int(max(np.linalg.norm(pts[0] - pts[1]), np.linalg.norm(pts[2] - pts[3])))
    height = int(max(np.linalg.norm(pts[0] - pts[3]), np.linalg.norm(pts[1] - pts[2])))
    width, height = max(width, 1), max(height, 1)
    dst = np.array([[0, 0], [width, 0], [width, height], [0, height]], dtype=np.float32)
    matrix = cv2.getPerspectiveTransform(pts, dst)
    out = cv2.warpPerspective(
        arr, matrix, (width, height), borderMode=cv2.BORDER_REPLICATE, flags=cv2.INTER_CUBIC
    )
    if height / width >= 1.5:
        out = np.rot90(out)
    return out


def detect_text(image, *, classify: bool = True, max_side: int | None = None) -> list[TextLine]:
    """Every text line in `image`: box, recognised text and score (no score threshold)."""
    boxes = detect_boxes(image, max_side=max_side)
    if not boxes:
        return []
    texts = recognise([crop_box(image, b) for b in boxes], classify=classify)
    return [
        TextLine([[float(x), float(y)] for x, y in b], text, round(score, 4))
        for b, (text, score) in zip(boxes, texts, strict=True)
    ]
