"""Read a whole meter photo: find the counter window, straighten it, read every wheel with two
readers, read the pointer dials, reconcile them, and say how sure the result is.

Steps (each one a function below):
1. `image.open_photo` / `check_quality`: type by content, size, EXIF turn, too dark / blurred.
2. `locate_window`: PP-OCR's text detector (the DB model, on the photo at DETECT_SIDE)
   proposes text boxes; dark rectangular frames found by contours propose more. Each candidate
   is straightened by its perspective transform and cut into `wheels` equal cells; our digit
   classifier scores (one batch for all candidates) how much the cells look like digit wheels,
   and the best candidate is the counter window.
3. Per wheel: our classifier (0–9 or "between two digits") and PP-OCR recognition of the
   whole window; agreeing readers give a high confidence, disagreeing ones a low one. A wheel
   between two digits takes the lower one if the next-lower wheel or dial is past 5, else
   the upper one ("just rolled").
4. Dials: circles (Hough) below the window in the straightened face, each read by the needle
   regressor in three views (`read_dials`); each dial's digit is reconciled with the next dial
   (a dial near 9.9 while the next shows 0.x has already stepped).
5. `decide`: the calibrated probability that the whole reading is right (vision.calibration,
   fitted on photos of the calibration pool) gives `accepted`, `confirm` or `review`; some
   evidence (dials missing or disagreeing, a turning wheel) is never accepted. Reason in Chinese.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

import numpy as np
from PIL import Image

from shuiwu.errors import InvalidInput
from vision import calibration, messages, ocr
from vision import digits as digit_model
from vision import needles as needle_model
from vision.datasets import DIGIT_LABELS
from vision.image import check_quality, open_photo
from vision.preprocess import DIGIT_SIZE, NEEDLE_SIZE, to_array
from vision.synth import Layout

# Levels of the rule-of-thumb confidence of one position (shown per digit): below ACCEPT a
# position is named as unclear in the reason; below CONFIRM it is doubtful. Whether a photo is
# accepted is decided by the calibrated whole-reading probability (vision.calibration).
ACCEPT = 0.80
CONFIRM = 0.50
ROLLING_MAX = 0.6  # confidence ceiling of a wheel read as "between two digits"
# The last dial's needle this far (in digits) from a mark is read as sure / probably right.
EDGE_SURE = 0.3
EDGE_MAYBE = 0.15
WINDOW_H = 64
# PP-OCR's text detector runs on the photo shrunk to this longest side: the counter's digits
# are large, and the detector's cost grows with the square of the side (docs/vision.md).
DETECT_SIDE = 480
NAN_WEIGHT = 0.4  # chosen on the calibration pool: 0.0–0.4 read the same, 1.0 worse
MODEL_THREADS = 1  # our two small models: one thread is faster than waking a second one
# Each dial is read in crops of these half-sides (in radii of the circle found; 0.85 was best
# alone on the calibration photos), each also turned by ±DIAL_TURN degrees.
DIAL_VIEWS = (0.8, 0.85, 0.9)
DIAL_TURN = 6.0  # the needle model was trained with turns of up to ±8°
# Variance of the Laplacian of the straightened window below which its digits are too blurred
# to trust (measured: windows under 30 were misread, those above mostly read right).
WINDOW_BLURRY = 30.0  # straightened window height, px
DEFAULT_LAYOUT = Layout(5, 0, 3)


@dataclass
class Position:
    value: int
    confidence: float
    kind: str  # "wheel", "red", "dial"
    rolling: bool = False

    def as_dict(self) -> dict:
        return {"value": str(self.value), "confidence": round(self.confidence, 4)}


@dataclass
class MeterRead:
    reading: Decimal | None
    positions: list[Position]
    status: str  # accepted | confirm | review
    reason: str
    window: Image.Image | None = None  # the straightened counter window, for the review queue
    notes: list[str] = field(default_factory=list)
    probability: float | None = None  # calibrated chance that the whole reading is right
    # What enters the account when accepted: the whole reading, or its whole cubic metres when
    # only those are sure (Decision.level); None when not accepted.
    accepted_reading: Decimal | None = None

    @property
    def digits(self) -> list[dict]:
        return [p.as_dict() for p in self.positions]

    def as_dict(self) -> dict:
        return {
            "reading": None if self.reading is None else str(self.reading),
            "digits": self.digits,
            "status": self.status,
            "reason": self.reason,
        }


# ---------------------------------------------------------------- locating the window


def _order(pts: np.ndarray) -> np.ndarray:
    """Corners clockwise from top-left."""
    pts = np.asarray(pts, np.float32)
    s, d = pts.sum(1), np.diff(pts, axis=1).ravel()
    return np.array(
        [pts[s.argmin()], pts[d.argmin()], pts[s.argmax()], pts[d.argmax()]], np.float32
    )


def _frames(grey: np.ndarray) -> list[np.ndarray]:
    """Dark rectangular frames (a counter window's surround), as 4 corners."""
    import cv2

    small = grey
    _, dark = cv2.threshold(small, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    contours, _ = cv2.findContours(dark, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    area = grey.shape[0] * grey.shape[1]
    out = []
    for cnt in contours:
        a = cv2.contourArea(cnt)
        if a < area * 0.004 or a > area * 0.3:
            continue
        rect = cv2.minAreaRect(cnt)
        (w, h) = rect[1]
        if min(w, h) == 0:
            continue
        aspect = max(w, h) / min(w, h)
        if 2.0 <= aspect <= 10 and a / (w * h) > 0.75:
            out.append(_order(cv2.boxPoints(rect)))
    return out


def _expand(box: np.ndarray, fx: float, fy: float) -> np.ndarray:
    c = box.mean(0)
    right = (box[1] - box[0] + box[2] - box[3]) / 2
    down = (box[3] - box[0] + box[2] - box[1]) / 2
    return np.array(
        [
            c + s * (right * (0.5 + fx)) * sx + (down * (0.5 + fy)) * sy
            for s, (sx, sy) in zip([1, 1, 1, 1], [(-1, -1), (1, -1), (1, 1), (-1, 1)], strict=True)
        ],
        np.float32,
    )


def _cells(window: np.ndarray, n: int) -> list[Image.Image]:
    h, w = window.shape[:2]
    step = w / n
    return [Image.fromarray(window[:, round(i * step) : round((i + 1) * step)]) for i in range(n)]


def _straighten(rgb: np.ndarray, box: np.ndarray) -> np.ndarray:
    import cv2

    box = _order(box)
    width = max(np.linalg.norm(box[1] - box[0]), np.linalg.norm(box[2] - box[3]))
    height = max(np.linalg.norm(box[3] - box[0]), np.linalg.norm(box[2] - box[1]))
    out_w = max(8, round(WINDOW_H * width / max(height, 1)))
    dst = np.array([[0, 0], [out_w, 0], [out_w, WINDOW_H], [0, WINDOW_H]], np.float32)
    return cv2.warpPerspective(
        rgb,
        cv2.getPerspectiveTransform(box, dst),
        (out_w, WINDOW_H),
        borderMode=cv2.BORDER_REPLICATE,
    )


@dataclass
class _Window:
    box: np.ndarray
    image: np.ndarray
    probs: np.ndarray  # n × 11
    score: float


def _window_cells(
    rgb: np.ndarray, box: np.ndarray, counts
) -> list[tuple[np.ndarray, int, np.ndarray]]:
    """(straightened window, wheel count, its cells as model input) for each plausible count."""
    box = _order(box)
    width = np.linalg.norm(box[1] - box[0])
    height = np.linalg.norm(box[3] - box[0])
    if height < 12 or width < height:
        return []
    win = _straighten(rgb, box)
    out = []
    for n in counts:
        aspect = win.shape[1] / n / WINDOW_H  # a wheel cell is about 0.5–0.9 as wide as tall
        if 0.35 <= aspect <= 1.3:
            out.append((win, n, np.stack([to_array(c, DIGIT_SIZE) for c in _cells(win, n)])))
    return out


def _window_score(probs: np.ndarray) -> float:
    """How much the cells look like digit wheels: a cell sure of a digit counts fully, one sure
    it is "between two digits" less (printed text cut into cells often looks like that, a real
    window rarely has more than one turning wheel)."""
    return float((probs[:, :10].max(1) + NAN_WEIGHT * probs[:, 10]).mean())


def locate_window(image: Image.Image, wheels: int | None) -> _Window | None:
    rgb = np.asarray(image)
    import cv2

    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    candidates: list[np.ndarray] = []
    for box in ocr.detect_boxes(image, max_side=DETECT_SIDE):
        candidates.append(_expand(_order(box), 0.02, 0.12))
    for frame in _frames(grey):
        candidates.append(_expand(frame, -0.015, -0.06))  # just inside the frame
    counts = [wheels] if wheels else range(4, 9)
    tried = [(box, *found) for box in candidates for found in _window_cells(rgb, box, counts)]
    if not tried:
        return None
    # Every candidate's cells in one call of the classifier.
    probs = digit_model.predict(np.concatenate([t[3] for t in tried]), threads=MODEL_THREADS)
    best: _Window | None = None
    start = 0
    for box, win, n, _ in tried:
        p = probs[start : start + n]
        start += n
        score = _window_score(p)
        if best is None or score > best.score:
            best = _Window(_order(box), win, p, score)
    return best if best.score >= 0.6 else None


# ---------------------------------------------------------------- reading wheels and dials


def _ocr_digits(window: np.ndarray, n: int) -> tuple[str | None, float]:
    ((text, score),) = ocr.recognise([window])
    found = "".join(ch for ch in text if ch.isdigit())
    return (found if len(found) == n else None), score


def _wheel(probs: np.ndarray, ocr_digit: str | None, ocr_score: float) -> Position:
    label = DIGIT_LABELS[int(probs.argmax())]
    p = float(probs.max())
    if label == "NaN":
        order = np.argsort(probs[:10])[::-1]
        a, b = int(order[0]), int(order[1])
        lower = a if (a + 1) % 10 == b else b if (b + 1) % 10 == a else None
        if lower is None and ocr_digit is not None:
            o = int(ocr_digit)
            lower = (
                o if (o + 1) % 10 in (a, b) else (o - 1) % 10 if (o - 1) % 10 in (a, b) else None
            )
        if lower is None:
            return Position(a, 0.3 * p, "wheel", rolling=True)
        # Never sure enough to accept alone: on the tuning photos the classifier also called
        # many still wheels "between two digits", and the pair chosen was then often wrong.
        return Position(
            lower, min(ROLLING_MAX, 0.9 * (p + probs[a] + probs[b])), "wheel", rolling=True
        )
    d = int(label)
    if ocr_digit is None:
        return Position(d, 0.93 * p, "wheel")
    if int(ocr_digit) == d:
        return Position(d, 1 - (1 - p) * (1 - 0.5 * ocr_score), "wheel")
    return Position(d, 0.45 * p, "wheel")


def _dial_digits(values: list[float]) -> list[Position]:
    """Digits of dials ×0.1, ×0.01, … from their continuous needle values, reconciled."""
    out: list[Position] = []
    chain = calibration.reconcile_dials(values)
    for i, (d, err, _) in enumerate(chain):
        if i + 1 < len(values):
            conf = float(np.clip(1 - max(0.0, err - 0.15) / 0.5, 0, 0.98))
        else:
            # The last dial has no neighbour: a needle near a mark may be either digit.
            v = values[i]
            edge = min(v % 1, 1 - v % 1)
            conf = 0.97 if edge > EDGE_SURE else 0.7 if edge > EDGE_MAYBE else 0.5
        out.append(Position(int(d), conf, "dial"))
    return out


def _resolve_rolling(positions: list[Position], next_lower: list[float]) -> None:
    """A wheel between two digits: the lower one unless the next-lower position is near 0."""
    for i, pos in enumerate(positions):
        if not pos.rolling:
            continue
        below = next_lower[i]
        if below is not None and below < 3:
            pos.value = (pos.value + 1) % 10


def read_dials(face: np.ndarray, circles) -> tuple[list[float], list[float]]:
    """Each dial's needle value 0–10 and how far apart the views of it read (in digits).

    Each dial is read in several views — crops slightly tighter and looser around the circle
    found (DIAL_VIEWS), each also turned by ±DIAL_TURN degrees with the turn taken back from
    the reading — and their directions are averaged. On the calibration photos this lowered the
    needle error a little, and views that disagree mark a needle the regressor finds hard
    (median spread 0.30 digits where the error was over 0.3, 0.13 elsewhere).
    """
    if not circles:
        return [], []
    turns = (-DIAL_TURN, 0.0, DIAL_TURN)
    crops = [
        dial_crop(face, c, m).rotate(-t, resample=Image.Resampling.BILINEAR)
        for t in turns
        for m in DIAL_VIEWS
        for c in circles
    ]
    out = needle_model.predict_sincos(
        np.stack([to_array(c, NEEDLE_SIZE) for c in crops]), threads=MODEL_THREADS
    ).reshape(len(turns), len(DIAL_VIEWS), len(circles), 2)
    # A crop turned clockwise by t shows the needle t further on: turn each reading back.
    th = np.deg2rad(np.array(turns))[:, None, None]
    sin, cos = out[..., 0], out[..., 1]
    back = np.stack([sin * np.cos(th) - cos * np.sin(th), cos * np.cos(th) + sin * np.sin(th)], -1)
    views = back.reshape(-1, len(circles), 2)
    values = needle_model.value_from_sincos(views.sum(0))
    spread = [
        float(needle_model.dial_error(needle_model.value_from_sincos(views[:, i]), values[i]).max())
        for i in range(len(circles))
    ]
    return [float(v) for v in values], spread


def dial_crop(
    face: np.ndarray, circle, margin: float = 0.85, dx: float = 0.0, dy: float = 0.0
) -> Image.Image:
    """The square around a dial's circle (x, y, r), `margin` × r from its centre moved by
    (dx, dy) radii: the needle crops the regressor was trained on stop just inside the rim."""
    x, y, r = circle
    x, y, r = x + dx * r, y + dy * r, r * margin
    return Image.fromarray(
        face[max(0, round(y - r)) : round(y + r), max(0, round(x - r)) : round(x + r)]
    )


def dial_circles(
    image: Image.Image, window: _Window, count: int
) -> tuple[np.ndarray, list[tuple[float, float, float]]]:
    """The face straightened in the window's frame and the `count` dials found below the window
    (x, y, r), left to right; no circles when fewer are found."""
    import cv2

    if count == 0:
        return np.zeros((0, 0, 3), np.uint8), []
    box = window.box
    height = np.linalg.norm(box[3] - box[0])
    width = np.linalg.norm(box[1] - box[0])
    scale = WINDOW_H / max(height, 1)
    out_w, win_w = round(width * scale * 2.2), round(width * scale)
    out_h = WINDOW_H * 6
    ox, oy = (out_w - win_w) / 2, WINDOW_H * 0.5
    dst = np.array(
        [[ox, oy], [ox + win_w, oy], [ox + win_w, oy + WINDOW_H], [ox, oy + WINDOW_H]], np.float32
    )
    matrix = cv2.getPerspectiveTransform(box, dst)
    face = cv2.warpPerspective(
        np.asarray(image), matrix, (out_w, out_h), borderMode=cv2.BORDER_REPLICATE
    )
    grey = cv2.medianBlur(cv2.cvtColor(face, cv2.COLOR_RGB2GRAY), 5)
    top = round(oy + WINDOW_H * 1.3)
    circles = cv2.HoughCircles(
        grey[top:],
        cv2.HOUGH_GRADIENT,
        dp=1.2,
        minDist=WINDOW_H * 0.8,
        param1=100,
        param2=30,
        minRadius=round(WINDOW_H * 0.35),
        maxRadius=round(WINDOW_H * 1.1),
    )
    if circles is None:
        return face, []
    found = [(x, y + top, r) for x, y, r in circles[0]]
    # The row of dials: the `count` circles of similar size closest to the window's bottom.
    found.sort(key=lambda c: c[1])
    row = [c for c in found if abs(c[1] - found[0][1]) < WINDOW_H * 0.9][: max(count, 1) * 2]
    if len(row) < count:
        return face, []
    row = sorted(row, key=lambda c: c[2], reverse=True)[:count]
    row.sort(key=lambda c: c[0])
    return face, [_refine_circle(grey, (float(x), float(y), float(r))) for x, y, r in row]


def _refine_circle(
    grey: np.ndarray, circle: tuple[float, float, float]
) -> tuple[float, float, float]:
    """The dial's circle found again at full resolution in a patch around the first guess (the
    row search runs at a coarse accumulator step): on the calibration photos this lowered the
    needle error's 90th percentile from 0.27–0.32 to 0.24–0.28 digits."""
    import cv2

    x, y, r = circle
    pad = round(r * 1.4)
    x0, y0 = max(0, round(x) - pad), max(0, round(y) - pad)
    patch = grey[y0 : round(y) + pad, x0 : round(x) + pad]
    found = cv2.HoughCircles(
        patch,
        cv2.HOUGH_GRADIENT,
        dp=1,
        minDist=r,
        param1=100,
        param2=20,
        minRadius=round(r * 0.85),
        maxRadius=round(r * 1.15),
    )
    if found is None:
        return circle
    cx, cy, cr = min(found[0], key=lambda c: (c[0] + x0 - x) ** 2 + (c[1] + y0 - y) ** 2)
    if (cx + x0 - x) ** 2 + (cy + y0 - y) ** 2 > (0.2 * r) ** 2:
        return circle  # another circle: keep the row's
    return float(cx + x0), float(cy + y0), float(cr)


# ---------------------------------------------------------------- the whole photo


@dataclass
class Evidence:
    """Everything the reader saw on one photo: the window, both wheel readers, the dials."""

    window: _Window
    sharpness: float
    ocr_text: str | None
    ocr_score: float
    wheels: list[Position]
    digits_count: int
    dial_values: list[float]
    dials: list[Position]
    notes: list[str]
    dial_spread: list[float] = field(default_factory=list)  # views' disagreement per dial

    @property
    def positions(self) -> list[Position]:
        return self.wheels + self.dials

    @property
    def reading(self) -> Decimal:
        integer = "".join(str(p.value) for p in self.wheels[: self.digits_count])
        decimals = "".join(str(p.value) for p in self.wheels[self.digits_count :] + self.dials)
        return Decimal(f"{integer}.{decimals}" if decimals else integer)


def gather(image: Image.Image, layout: Layout | None) -> Evidence:
    """Read a checked, upright photo; `InvalidInput` when no counter window can be read."""
    known = layout is not None
    layout = layout or DEFAULT_LAYOUT
    window = locate_window(image, layout.wheels if known else None)
    if window is None:
        raise InvalidInput(messages.NO_METER, field="file")
    sharpness = _sharpness(window.image)
    if sharpness < WINDOW_BLURRY:
        raise InvalidInput(messages.TOO_BLURRY, field="file")
    n = len(window.probs)
    ocr_text, ocr_score = _ocr_digits(window.image, n)
    wheels = [
        _wheel(window.probs[i], ocr_text[i] if ocr_text else None, ocr_score) for i in range(n)
    ]
    digits_count = layout.digits if known else n
    for pos in wheels[digits_count:]:
        pos.kind = "red"
    face, circles = dial_circles(image, window, layout.dials)
    notes = []
    dial_values, dial_spread = read_dials(face, circles)
    if layout.dials and not circles:
        notes.append(messages.DIALS_MISSING)
    dials = _dial_digits(dial_values)
    # What the wheel after each wheel shows, as a continuous 0–10 value.
    next_lower: list[float | None] = []
    for i in range(n):
        if i + 1 < n:
            nxt = wheels[i + 1]
            next_lower.append(None if nxt.rolling else float(nxt.value))
        else:
            # The first dial as the dials after it place it (calibration.reconcile_dials).
            next_lower.append(calibration.reconcile_dials(dial_values)[0][2] if dial_values else None)
    _resolve_rolling(wheels, next_lower)
    return Evidence(
        window,
        sharpness,
        ocr_text,
        ocr_score,
        wheels,
        digits_count,
        dial_values,
        dials,
        notes,
        dial_spread,
    )


def read_meter(data: bytes, layout: Layout | None = None) -> MeterRead:
    """Read a meter photo (file bytes). `InvalidInput` (Chinese) for a photo to retake."""
    ev = evidence(data, layout)
    decision = decide(ev, (layout or DEFAULT_LAYOUT).dials)
    return MeterRead(
        ev.reading,
        ev.positions,
        decision.status,
        decision.reason,
        Image.fromarray(ev.window.image),
        ev.notes,
        decision.probability,
        calibration.truncated(ev.reading, decision.level) if decision.level else None,
    )


def evidence(data: bytes, layout: Layout | None = None) -> Evidence:
    """Everything read from a photo before deciding on it; `InvalidInput` for a photo to retake."""
    photo = open_photo(data)
    check_quality(photo.image)
    return gather(photo.image, layout)


class Decision(NamedTuple):
    status: str  # accepted | confirm | review
    reason: str  # in Chinese, for the resident and the review queue
    probability: float  # calibrated chance that every digit is right
    level: str | None = None  # accepted: what is vouched for (calibration.LEVELS)


def decide(
    ev: Evidence,
    dials_expected: int,
    calibrator: calibration.Calibrator | None = None,
    integer_calibrator: calibration.Calibrator | None = None,
) -> Decision:
    """Accept, ask the resident to confirm, or send to staff review.

    Accepted only when nothing forbids it (calibration.refusal) and a calibrated probability
    reaches the threshold chosen on the calibration photos: that every digit is right (the
    whole reading is stored), or else that the whole cubic metres are (they alone are stored —
    as a meter reader writes them down; the litres on the dials are counted at the next
    reading). Below the `confirm` level, or without the dials, a person reviews it.
    """
    cal = calibrator or calibration.shipped("full")
    whole = integer_calibrator or calibration.shipped("integer")
    feats = calibration.features(ev)
    probability = cal.probability(feats)
    refused = calibration.refusal(ev, dials_expected)
    if refused == "dials_missing":
        return Decision("review", "；".join(ev.notes) or messages.DIALS_MISSING, probability)
    if refused is None and probability >= cal.accept:
        return Decision("accepted", messages.READ_CLEAR, probability, "full")
    if refused is None and whole.probability(feats) >= whole.accept:
        value = calibration.truncated(ev.reading, "integer")
        return Decision("accepted", messages.READ_WHOLE.format(value=value), probability, "integer")
    positions = ev.positions
    doubtful = [i + 1 for i, p in enumerate(positions) if p.confidence < ACCEPT]
    if doubtful:
        why = messages.PLACES_UNCLEAR.format(places="、".join(f"第 {i} 位" for i in doubtful))
    elif refused == "dials_disagree":
        why = messages.DIALS_DISAGREE
    else:
        why = messages.NOT_SURE_ENOUGH
    if any(p.rolling for p in positions):
        why += messages.WHEEL_TURNING
    if probability >= cal.confirm:
        return Decision("confirm", messages.PLEASE_CONFIRM.format(why=why), probability)
    return Decision("review", messages.TO_REVIEW.format(why=why), probability)


def _sharpness(rgb: np.ndarray) -> float:
    import cv2

    return float(cv2.Laplacian(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY), cv2.CV_64F).var())
