"""Meter readings from residents' photos: read, check against history and physics, store or
route to the resident's confirmation or the staff review queue.

- `read_photo`: the caller's own household only (bound resident); the photo is checked before
  anything is stored (a bad one stores nothing and says how to retake it).
- Status: `accepted` (stored as a reading, bills and usage follow), `confirm` (the resident
  confirms or corrects, `confirm_photo`), `review` (staff queue: `review_queue`, `approve`,
  `correct`, `reject`). A reading below the last accepted one is never accepted without a
  person, unless the meter rolled over.
- Staff corrections keep each corrected wheel crop as training data (`export_training`).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from shuiwu.config import get_settings
from shuiwu.errors import Conflict, Forbidden, InvalidInput, NotFound
from shuiwu.models import Household, Meter, Reading, ReadingSource, ReadingStatus, User
from shuiwu.models._types import utcnow
from shuiwu.models.photos import MeterFace, MeterPhoto, PhotoStatus, TrainingCrop
from shuiwu.services import audit, uploads
from shuiwu.services.households import Access, get_household, is_staff, may_see_account_data

PHOTO_NOT_FOUND = "未找到该抄表照片，或您无权查看"
LITRE = Decimal("0.001")
WHOLE_NOT_PAST_LAST = (
    "小数部分看得不够准，而整数部分还没有超过上次读数 {last}：请核对读数是否与水表一致"
)
# Permanent flow Q3 (m³/h) by nominal size (GB/T 778); overload Q4 = 1.25 × Q3.
Q3_BY_CALIBER = {15: Decimal("2.5"), 20: Decimal("4"), 25: Decimal("6.3"), 32: Decimal("10"),
                 40: Decimal("16"), 50: Decimal("25")}
DEFAULT_DAILY_PER_PERSON = Decimal("0.15")  # m³ per person per day when history is too short
RANK = {"accepted": 0, "confirm": 1, "review": 2}


def layout_of(session: Session, meter: Meter):
    from vision.synth import Layout

    face = session.get(MeterFace, meter.id)
    red = min(face.red_wheels if face else 0, meter.decimals)
    return Layout(meter.digits, red, meter.decimals - red)


@dataclass
class Check:
    status: str  # accepted | confirm | review
    reason: str


def usual_daily_use(session: Session, household: Household, meter: Meter) -> Decimal:
    """m³/day over the accepted readings of the last 180 days of this meter."""
    since = utcnow() - timedelta(days=180)
    rows = session.execute(
        select(Reading.value, Reading.read_at)
        .where(Reading.meter_id == meter.id, Reading.status == ReadingStatus.ACCEPTED,
               Reading.read_at >= since)
        .order_by(Reading.read_at)
    ).all()
    if len(rows) >= 2:
        days = (rows[-1][1] - rows[0][1]).total_seconds() / 86400
        used = rows[-1][0] - rows[0][0]
        if days >= 7 and used >= 0:
            return max(used / Decimal(str(days)), Decimal("0.05"))
    return DEFAULT_DAILY_PER_PERSON * max(household.persons, 1)


def _last_accepted(session: Session, meter: Meter) -> Reading | None:
    return session.scalar(
        select(Reading).where(Reading.meter_id == meter.id, Reading.status == ReadingStatus.ACCEPTED)
        .order_by(Reading.read_at.desc()).limit(1)
    )


def plausibility(session: Session, household: Household, meter: Meter, value: Decimal,
                 at: datetime) -> Check:
    """Compare a reading with the last accepted one, the meter's capacity and the usual use."""
    last = _last_accepted(session, meter)
    if last is not None:
        base, since = last.value, last.read_at
    else:  # a new meter (or a replacement): its first reading is compared with its start value
        base = meter.initial_value or Decimal(0)
        since = datetime.combine(meter.installed_on, datetime.min.time(), at.tzinfo)
    return check_reading(
        value, base, max((at - since).total_seconds() / 3600, 1 / 60),
        lambda: usual_daily_use(session, household, meter),
        rollover_at=meter.rollover_at, digits=meter.digits, caliber_mm=meter.caliber_mm,
    )


def check_reading(value: Decimal, base: Decimal, hours: float, usual, *, rollover_at: Decimal,
                  digits: int, caliber_mm: int | None) -> Check:
    """The checks against history and physics of a reading `hours` after the reading `base`;
    `usual()` gives the household's usual m³ per day (asked only when needed)."""
    delta = value - base
    if value >= rollover_at:
        return Check("review", f"读数 {value} 超出了该水表 {digits} 位整数字轮的量程，已转人工复核")
    if delta < 0:
        wrapped = value + rollover_at - base
        if base >= rollover_at * Decimal("0.9") and value < rollover_at * Decimal("0.1"):
            delta = wrapped  # the register passed 99999 → 00000
        else:
            return Check("review", f"识别读数 {value} 小于上次读数 {base}，水表不会倒转，已转人工复核")
    q4 = Q3_BY_CALIBER.get(caliber_mm, Decimal("2.5")) * Decimal("1.25")
    if delta > q4 * Decimal(str(hours)):
        return Check(
            "review",
            f"自上次读数 {base} 以来用水 {delta:.3f} 立方米，超过水表最大流量（{q4} 立方米/小时）"
            "在这段时间内可能走过的量，已转人工复核",
        )
    days = Decimal(str(max(hours / 24, 1)))
    factor = Decimal(str(get_settings().meter_jump_factor))
    if delta > Decimal(1) and delta / days > (per_day := usual()) * factor:
        return Check(
            "confirm",
            f"本次读数折合每天用水 {delta / days:.2f} 立方米，是平时（{per_day:.2f}）的 "
            f"{delta / days / per_day:.0f} 倍：请核对读数；若读数无误，请检查家中是否漏水",
        )
    return Check("accepted", "")


def settle_whole(status: str, reason: str, accepted: Decimal, last: Decimal) -> tuple[str, str]:
    """Only the whole cubic metres are to be stored: they must not fall below the last reading
    (last 131.200, photo 131.456 → 131 would go backwards) — the resident confirms instead."""
    if status == "accepted" and accepted < last:
        return "confirm", WHOLE_NOT_PAST_LAST.format(last=last)
    return status, reason


def combine(evidence_status: str, evidence_reason: str, check: Check) -> tuple[str, str]:
    if RANK[check.status] > RANK[evidence_status]:
        return check.status, check.reason
    if RANK[check.status] == RANK[evidence_status] and check.reason:
        return evidence_status, f"{evidence_reason}；{check.reason}" if evidence_status != "accepted" else check.reason
    return evidence_status, evidence_reason


def _store_reading(session: Session, photo: MeterPhoto, value: Decimal, by: User | None,
                   note: str) -> Reading:
    reading = Reading(
        # Truncated, not rounded: the meter has passed the litre shown, not the next one.
        meter_id=photo.meter_id, value=value.quantize(LITRE, rounding=ROUND_DOWN), read_at=utcnow(),
        source=ReadingSource.PHOTO, status=ReadingStatus.ACCEPTED,
        confirmed_by_id=by.id if by else None, note=note,
    )
    session.add(reading)
    session.flush()
    photo.reading_id = reading.id
    photo.final_value = reading.value
    photo.status = PhotoStatus.ACCEPTED
    return reading


def photo_dict(photo: MeterPhoto) -> dict:
    value = photo.final_value if photo.final_value is not None else photo.proposed_value
    return {
        "photo_id": photo.id,
        "household_id": photo.household_id,
        "status": photo.status.value,
        "reading": None if value is None else str(value),
        # What the photo showed (the digits), when only its whole cubic metres were stored.
        "proposed_reading": None if photo.proposed_value is None else str(photo.proposed_value),
        "digits": photo.digits,
        "reason": photo.reason,
        "created_at": photo.created_at.isoformat() if photo.created_at else None,
    }


def _png(image) -> bytes:
    buf = io.BytesIO()
    image.save(buf, "PNG")
    return buf.getvalue()


def read_photo(session: Session, actor: User, household_id: int, upload_id: int | None = None,
               data: bytes | None = None) -> dict:
    """Read a photo of `household_id`'s meter for its bound resident and act on the result."""
    from vision.meter import read_meter

    if is_staff(actor):
        raise Forbidden("抄表照片由户主本人上传；工作人员请在复核队列中处理")
    household = get_household(session, actor, household_id, Access.HOUSEHOLD)
    meter = household.active_meter
    if meter is None:
        raise InvalidInput("该户号没有在用的水表，无法拍照抄表，请联系客服", field="household_id")
    if (upload_id is None) == (data is None):
        raise InvalidInput("请上传一张水表照片", field="file")
    if upload_id is not None:
        upload = uploads.get_upload(session, actor, upload_id)
        if upload.kind != "image":
            raise InvalidInput("上传的文件不是照片，请拍一张水表照片", field="upload_id")
        data = uploads.read_bytes(upload)
    result = read_meter(data, layout_of(session, meter))  # InvalidInput: nothing stored yet
    if upload_id is None:
        upload = uploads.save_upload(session, actor, data, "meter.jpg")
    status, reason = result.status, result.reason
    if result.reading is not None:
        status, reason = combine(status, reason, plausibility(session, household, meter,
                                                               result.reading, utcnow()))
    if status == "accepted" and result.accepted_reading != result.reading:
        last = _last_accepted(session, meter)
        if last is not None:
            status, reason = settle_whole(status, reason, result.accepted_reading, last.value)
    photo = MeterPhoto(
        household_id=household.id, meter_id=meter.id, upload_id=upload.id,
        submitted_by_id=actor.id, status=PhotoStatus(status),
        proposed_value=None if result.reading is None else result.reading.quantize(LITRE, rounding=ROUND_DOWN),
        digits=result.digits, reason=reason, wheels=len([p for p in result.positions if p.kind != "dial"]),
        window_png=_png(result.window) if result.window is not None else None,
    )
    session.add(photo)
    session.flush()
    if status == "accepted":
        note = "拍照自动识别" if result.accepted_reading == result.reading else "拍照自动识别（整数部分）"
        _store_reading(session, photo, result.accepted_reading, None, note)
    return photo_dict(photo)


def _own_photo(session: Session, actor: User, photo_id: int) -> MeterPhoto:
    photo = session.get(MeterPhoto, photo_id)
    if photo is None or photo.submitted_by_id != actor.id:
        raise NotFound(PHOTO_NOT_FOUND)
    get_household(session, actor, photo.household_id, Access.HOUSEHOLD)  # still bound
    return photo


def _parse_value(value) -> Decimal:
    try:
        out = Decimal(str(value).strip())
    except (InvalidOperation, ValueError) as exc:
        raise InvalidInput("读数格式不对，请输入数字，例如 1234.567", field="value") from exc
    if not out.is_finite() or out < 0 or out >= Decimal(10) ** 9:
        raise InvalidInput("读数格式不对，请输入水表上显示的数字，例如 1234.567", field="value")
    return out.quantize(LITRE, rounding=ROUND_DOWN)


def confirm_photo(session: Session, actor: User, photo_id: int, value=None) -> dict:
    """The resident confirms the proposed reading (value None) or corrects it.

    A confirmation that passes the checks is stored; a correction, or a confirmed reading that
    still fails them (e.g. lower than the last), goes to staff review.
    """
    photo = _own_photo(session, actor, photo_id)
    if photo.status is not PhotoStatus.CONFIRM:
        raise Conflict("这张照片的读数已处理，无需再次确认")
    corrected = value is not None and _parse_value(value) != photo.proposed_value
    final = _parse_value(value) if value is not None else photo.proposed_value
    if final is None:
        raise InvalidInput("请填写水表上的读数", field="value")
    household = session.get(Household, photo.household_id)
    check = plausibility(session, household, photo.meter, final, utcnow())
    if corrected:
        photo.final_value = final
        photo.status = PhotoStatus.REVIEW
        photo.reason = f"住户更正读数为 {final}（识别为 {photo.proposed_value}），待工作人员复核"
    elif check.status == "review":
        photo.status = PhotoStatus.REVIEW
        photo.reason = check.reason
    else:
        _store_reading(session, photo, final, actor, "住户确认拍照读数")
        photo.reason = "住户已确认读数"
    return photo_dict(photo)


# ---------------------------------------------------------------- staff review


def _staff(actor: User) -> None:
    if not may_see_account_data(actor):
        raise Forbidden("无权处理抄表复核")


def review_queue(session: Session, actor: User, *, status: str = "review", limit: int = 50) -> list[dict]:
    _staff(actor)
    try:
        wanted = PhotoStatus(status)
    except ValueError as exc:
        raise InvalidInput("状态只能是 review、confirm、accepted 或 rejected", field="status") from exc
    photos = session.scalars(
        select(MeterPhoto).where(MeterPhoto.status == wanted).order_by(MeterPhoto.created_at)
        .limit(limit)
    ).all()
    out = []
    for photo in photos:
        item = photo_dict(photo)
        item["account_no"] = photo.household.account_no
        item["proposed"] = None if photo.proposed_value is None else str(photo.proposed_value)
        item["history"] = history(session, photo.meter_id)
        out.append(item)
    return out


def history(session: Session, meter_id: int, limit: int = 24) -> list[dict]:
    rows = session.execute(
        select(Reading.read_at, Reading.value).where(
            Reading.meter_id == meter_id, Reading.status == ReadingStatus.ACCEPTED)
        .order_by(Reading.read_at.desc()).limit(limit)
    ).all()
    return [{"read_at": t.isoformat(), "value": str(v)} for t, v in reversed(rows)]


def _reviewable(session: Session, actor: User, photo_id: int) -> MeterPhoto:
    _staff(actor)
    photo = session.get(MeterPhoto, photo_id)
    if photo is None:
        raise NotFound(PHOTO_NOT_FOUND)
    if photo.status not in (PhotoStatus.REVIEW, PhotoStatus.CONFIRM):
        raise Conflict("这张照片已处理过")
    return photo


def _finish(session: Session, actor: User, photo: MeterPhoto, action: str, note: str | None) -> None:
    photo.reviewed_by_id = actor.id
    photo.reviewed_at = utcnow()
    photo.review_note = note
    audit.record(session, actor, f"meter_photo.{action}", "meter_photo", photo.id,
                 household=photo.household_id)


def approve(session: Session, actor: User, photo_id: int, note: str | None = None) -> dict:
    photo = _reviewable(session, actor, photo_id)
    value = photo.final_value if photo.final_value is not None else photo.proposed_value
    if value is None:
        raise InvalidInput("这张照片没有识别出读数，请更正后再通过", field="value")
    _store_reading(session, photo, value, actor, "工作人员复核通过")
    _finish(session, actor, photo, "approve", note)
    return photo_dict(photo)


def correct(session: Session, actor: User, photo_id: int, value, note: str | None = None) -> dict:
    """Store the corrected reading and keep each wheel the recogniser got wrong as training data."""
    photo = _reviewable(session, actor, photo_id)
    final = _parse_value(value)
    _keep_training_crops(session, photo, final)
    _store_reading(session, photo, final, actor, "工作人员更正拍照读数")
    _finish(session, actor, photo, "correct", note)
    return photo_dict(photo)


def reject(session: Session, actor: User, photo_id: int, note: str) -> dict:
    if not (note or "").strip():
        raise InvalidInput("请填写驳回原因，住户会看到它", field="note")
    photo = _reviewable(session, actor, photo_id)
    photo.status = PhotoStatus.REJECTED
    photo.reason = f"工作人员驳回：{note.strip()}"
    _finish(session, actor, photo, "reject", note.strip())
    return photo_dict(photo)


def _keep_training_crops(session: Session, photo: MeterPhoto, final: Decimal) -> None:
    if photo.window_png is None or not photo.wheels:
        return
    import numpy as np
    from PIL import Image

    from vision.meter import _cells

    meter = photo.meter
    red = photo.wheels - meter.digits
    whole = f"{int(final):0{meter.digits}d}"[-meter.digits:]
    frac = f"{final:.{meter.decimals}f}".split(".")[1] if meter.decimals else ""
    truth = whole + frac[: max(red, 0)]
    if len(truth) != photo.wheels:
        return
    window = np.asarray(Image.open(io.BytesIO(photo.window_png)).convert("RGB"))
    for i, cell in enumerate(_cells(window, photo.wheels)):
        predicted = photo.digits[i]["value"] if i < len(photo.digits) else ""
        if predicted != truth[i]:
            session.add(TrainingCrop(photo_id=photo.id, position=i, label=truth[i],
                                     predicted=predicted, image_png=_png(cell)))


def export_training(session: Session, out_dir: Path) -> int:
    """Write corrected crops as images/<id>.png + labels.csv (file,label,source_file)."""
    images = out_dir / "images"
    images.mkdir(parents=True, exist_ok=True)
    rows = session.scalars(select(TrainingCrop).order_by(TrainingCrop.id)).all()
    with open(out_dir / "labels.csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["file", "label", "source_file"])
        for crop in rows:
            name = f"images/correction_{crop.id:06d}.png"
            (out_dir / name).write_bytes(crop.image_png)
            writer.writerow([name, crop.label, f"meter_photo_{crop.photo_id}_wheel_{crop.position}"])
    return len(rows)


def window_png(session: Session, actor: User, photo_id: int) -> bytes:
    _staff(actor)
    photo = session.get(MeterPhoto, photo_id)
    if photo is None or photo.window_png is None:
        raise NotFound(PHOTO_NOT_FOUND)
    return photo.window_png


def photo_upload(session: Session, actor: User, photo_id: int):
    _staff(actor)
    photo = session.get(MeterPhoto, photo_id)
    if photo is None:
        raise NotFound(PHOTO_NOT_FOUND)
    return photo.upload
