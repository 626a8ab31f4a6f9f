"""Meter photos for the API tests: generated from the real held-out crops (vision/synth.py)
with a chosen reading, and households whose last reading makes the checks predictable."""

from __future__ import annotations

import io
import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import cache

from PIL import Image
from sqlalchemy import func, select

from shuiwu.models import Reading, ReadingSource
from shuiwu.models.photos import MeterPhoto, TrainingCrop, Upload
from tests.api.homes import make_home


@cache
def meter_photo(seed: int, value: float) -> bytes:
    from vision import synth

    crops = synth._Crops(None)
    return synth.render(random.Random(seed), crops, synth.Layout(5, 0, 3), value).data


def not_a_photo() -> bytes:
    return b"%PDF-1.7 pretending to be a photo"


def dark_photo() -> bytes:
    buf = io.BytesIO()
    Image.open(io.BytesIO(meter_photo(2, 131.4567))).point(lambda v: v // 9).save(buf, "JPEG")
    return buf.getvalue()


def home_with_last(session, account_no: str, owner, last: str, days_ago: float = 1):
    """A household whose last accepted reading is `last`, `days_ago` days ago."""
    home = make_home(session, account_no, owner=owner)
    meter = home.active_meter
    session.add(Reading(meter_id=meter.id, value=Decimal(last), source=ReadingSource.REMOTE,
                        read_at=datetime.now(UTC) - timedelta(days=days_ago)))
    session.commit()
    return home


def counts(session) -> tuple[int, int, int, int]:
    session.expire_all()
    return tuple(session.scalar(select(func.count()).select_from(m))
                 for m in (Upload, MeterPhoto, Reading, TrainingCrop))
