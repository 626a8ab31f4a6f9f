"""Photo of a document → its kind and key fields, each with a confidence.

PP-OCR (the shared engine in vision.ocr) finds and reads the text lines; the page is first
turned upright (90°/180°/270°, decided by which way the longest lines read best), the lines
are grouped into rows along the page's own slant, and the fields of its kind are taken from
the rows (vision.documents.fields).
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field

import numpy as np
from PIL import Image

from shuiwu.errors import InvalidInput
from vision import ocr
from vision.documents import messages
from vision.documents.fields import DOC_TYPES, Found, Row, cross_check, detect_type, extract

log = logging.getLogger(__name__)

# Documents carry small print: read them larger than meter photos (vision.image.WORK_SIDE).
DOC_SIDE = 1600
MIN_LINE_SCORE = 0.5
PROBE_LINES = 6


@dataclass
class DocumentRead:
    doc_type: str
    fields: dict[str, Found]
    seconds: float = 0.0
    rotation: int = 0
    lines: int = 0
    warnings: list[str] = field(default_factory=list)

    @property
    def type_label(self) -> str:
        return DOC_TYPES[self.doc_type].label

    def as_dict(self, *, mask: bool = False) -> dict:
        """The shape `read-doc --json` and the API share; `mask` hides sensitive values."""
        from vision.documents import masked_value

        specs = {s.key: s for s in DOC_TYPES[self.doc_type].fields}
        out = {}
        for key, found in self.fields.items():
            value = found.value
            if mask and value and specs[key].sensitive:
                value = masked_value(key, value)
            item = {"label": specs[key].label, "value": value, "confidence": found.confidence}
            if found.error:
                item["error"] = found.error
            out[key] = item
        return {
            "type": self.doc_type,
            "type_label": self.type_label,
            "fields": out,
            "warnings": self.warnings,
            "rotation": self.rotation,
            "seconds": round(self.seconds, 3),
        }


def open_document(data: bytes, max_bytes: int | None = None) -> Image.Image:
    """Decode an uploaded photo or scan with the meter photos' checks (vision.image: type by
    content, byte, pixel and decompression-bomb limits, EXIF orientation), kept at DOC_SIDE."""
    from vision import image as photo_checks

    try:
        photo = photo_checks.open_photo(
            data,
            max_bytes=max_bytes or photo_checks.MAX_PHOTO_BYTES,
            side=DOC_SIDE,
            resample=Image.Resampling.BICUBIC,
        )
    except InvalidInput as exc:
        # Theirs name meter photos; say the same about documents.
        if exc.message == photo_checks.messages.NOT_A_PHOTO:
            raise InvalidInput(messages.NOT_A_PHOTO, field="file") from None
        if exc.message.startswith(photo_checks.messages.PHOTO_TOO_SMALL.split("（")[0]):
            raise InvalidInput(messages.TOO_SMALL, field="file") from None
        raise
    return photo.image


def read_document(
    data: bytes | Image.Image, doc_type: str | None = None, *, max_bytes: int | None = None
) -> DocumentRead:
    """Read a document photo. `InvalidInput` (Chinese) when it is no usable image, carries no
    text, or is of no kind we know (unless `doc_type` says which)."""
    if doc_type is not None and doc_type not in DOC_TYPES:
        raise InvalidInput(
            messages.BAD_TYPE.format(kind=doc_type, choices="、".join(DOC_TYPES)), field="type"
        )
    started = time.perf_counter()
    image = data if isinstance(data, Image.Image) else open_document(data, max_bytes)
    if max(image.size) > DOC_SIDE:
        image = image.copy()
        image.thumbnail((DOC_SIDE, DOC_SIDE), Image.Resampling.BICUBIC)
    image, rotation, boxes = _upright(image.convert("RGB"))
    rows = _rows(image, boxes)
    kind = doc_type or detect_type(rows)
    if kind is None:
        # The direction classifier can be outvoted on a blurred page: read it the other way up.
        turned = image.rotate(180, expand=True)
        try:
            other = _rows(turned, ocr.detect_boxes(turned))
        except InvalidInput:
            other = []
        if (kind := detect_type(other)) is not None:
            rows, rotation = other, (rotation + 180) % 360
    if kind is None:
        raise InvalidInput(messages.UNKNOWN_TYPE, field="file")
    found = extract(DOC_TYPES[kind], rows)
    cross_check(kind, found)
    result = DocumentRead(kind, found, rotation=rotation, lines=len(rows))
    if sum(f.value is not None for f in found.values()) * 2 < len(found):
        result.warnings.append(messages.FEW_FIELDS)
    result.seconds = time.perf_counter() - started
    # Logs name the kind and what was found, never the values (ID numbers, names, addresses).
    log.info(
        "document read: type=%s found=%s rotation=%d rows=%d %.0f ms",
        kind,
        ",".join(k for k, f in found.items() if f.value is not None),
        rotation,
        len(rows),
        result.seconds * 1000,
    )
    return result


def _rows(image: Image.Image, boxes: list[np.ndarray]) -> list[Row]:
    """The page's text as rows; `InvalidInput` when nothing on it reads as text."""
    if not boxes:
        raise InvalidInput(messages.NO_TEXT, field="file")
    texts = ocr.recognise([ocr.crop_box(image, b) for b in boxes])
    lines = [
        (b, t, s)
        for b, (t, s) in zip(boxes, texts, strict=True)
        if s >= MIN_LINE_SCORE and t.strip()
    ]
    if not lines:
        raise InvalidInput(messages.NO_TEXT, field="file")
    return group_rows(lines)


def _upright(image: Image.Image) -> tuple[Image.Image, int, list[np.ndarray]]:
    """Turn the page so its lines read left to right: tall lines mean a quarter turn, and PP-OCR's
    direction classifier, asked about the longest lines, says whether they are upside down."""
    boxes = ocr.detect_boxes(image)
    if not boxes:
        return image, 0, []
    sizes = [_box_size(b) for b in boxes]
    tall = sum(h > 1.5 * w for w, h in sizes) > len(sizes) / 2
    longest = sorted(range(len(boxes)), key=lambda i: -max(sizes[i]))[:PROBE_LINES]
    flip = _upside_down([ocr.crop_box(image, boxes[i]) for i in longest])
    # crop_box turns a tall box a quarter counter-clockwise; so does PIL's rotate(90).
    rotation = (90 if tall else 0) + (180 if flip else 0)
    if rotation == 0:
        return image, 0, boxes
    image = image.rotate(rotation, expand=True)
    return image, rotation, ocr.detect_boxes(image)


def _upside_down(crops: list[np.ndarray]) -> bool:
    """Most of the lines are classified as turned by 180° (the classifier sees BGR)."""
    _, labels, _ = ocr.engine().text_cls([np.ascontiguousarray(c[:, :, ::-1]) for c in crops])
    return sum(label == "180" for label, _ in labels) > len(labels) / 2


def _box_size(box: np.ndarray) -> tuple[float, float]:
    return float(np.linalg.norm(box[1] - box[0])), float(np.linalg.norm(box[3] - box[0]))


def group_rows(lines: list[tuple[np.ndarray, str, float]]) -> list[Row]:
    """Text lines → rows across the page, measured along the page's slant (median top-edge
    angle of the lines), so a page photographed a few degrees askew still has its rows."""
    angles = [math.atan2(b[1][1] - b[0][1], b[1][0] - b[0][0]) for b, _, _ in lines]
    slant = float(np.median(angles))
    cos, sin = math.cos(-slant), math.sin(-slant)
    items = []
    for box, text, score in lines:
        cx, cy = box.mean(axis=0)
        x, y = cx * cos - cy * sin, cx * sin + cy * cos
        left = min(px * cos - py * sin for px, py in box)
        height = _box_size(box)[1]
        items.append((y, x, left, height, text.replace(" ", "").replace("\u3000", ""), score))
    items.sort()
    rows: list[list[tuple]] = []
    for item in items:
        if rows:
            row = rows[-1]
            row_y = sum(i[0] for i in row) / len(row)
            if abs(item[0] - row_y) < 0.5 * max(item[3], min(i[3] for i in row)):
                row.append(item)
                continue
        rows.append([item])
    out = []
    for row in rows:
        row.sort(key=lambda i: i[1])
        text, scores = "", []
        for i, item in enumerate(row):
            if i:
                text, scores = text + " ", scores + [item[5]]
            text, scores = text + item[4], scores + [item[5]] * len(item[4])
        out.append(
            Row(
                text,
                scores,
                left=min(i[2] for i in row),
                height=float(np.median([i[3] for i in row])),
            )
        )
    return out
