"""Uploaded files, meter photos and their recognition results, staff review, training crops."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, ForeignKey, Index, Integer, LargeBinary, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shuiwu.db import Base
from shuiwu.models._types import VOLUME, UTCDateTime, str_enum, utcnow
from shuiwu.models.accounts import User
from shuiwu.models.households import Household, Meter, Reading


class Upload(Base):
    """A file a user uploaded (photo or video); the bytes live under data_dir/uploads/<key>."""

    __tablename__ = "uploads"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)  # random, names the file on disk
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(8))  # image | video
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    owner: Mapped[User] = relationship()


class MeterFace(Base):
    """How a meter shows its decimals: how many of them are red wheels in the window (the rest
    are pointer dials). No row: all decimals on dials."""

    __tablename__ = "meter_faces"

    meter_id: Mapped[int] = mapped_column(
        ForeignKey("meters.id", ondelete="CASCADE"), primary_key=True
    )
    red_wheels: Mapped[int] = mapped_column(SmallInteger, default=0)


class PhotoStatus(enum.StrEnum):
    ACCEPTED = "accepted"  # stored as a reading
    CONFIRM = "confirm"  # waiting for the resident to confirm or correct
    REVIEW = "review"  # in the staff queue
    REJECTED = "rejected"  # staff rejected it; no reading


class MeterPhoto(Base):
    __tablename__ = "meter_photos"
    __table_args__ = (Index("ix_meter_photos_status", "status", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(
        ForeignKey("households.id", ondelete="CASCADE"), index=True
    )
    meter_id: Mapped[int] = mapped_column(ForeignKey("meters.id", ondelete="CASCADE"))
    upload_id: Mapped[int] = mapped_column(ForeignKey("uploads.id", ondelete="CASCADE"))
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[PhotoStatus] = mapped_column(str_enum(PhotoStatus, "photo_status"))
    proposed_value: Mapped[Decimal | None] = mapped_column(VOLUME)
    final_value: Mapped[Decimal | None] = mapped_column(VOLUME)
    digits: Mapped[list] = mapped_column(JSON, default=list)  # [{"value","confidence"}]
    reason: Mapped[str] = mapped_column(Text, default="")
    window_png: Mapped[bytes | None] = mapped_column(LargeBinary)  # straightened counter window
    wheels: Mapped[int] = mapped_column(SmallInteger, default=0)  # cells in window_png
    reading_id: Mapped[int | None] = mapped_column(ForeignKey("readings.id", ondelete="SET NULL"))
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    household: Mapped[Household] = relationship()
    meter: Mapped[Meter] = relationship()
    upload: Mapped[Upload] = relationship()
    reading: Mapped[Reading | None] = relationship()


class TrainingCrop(Base):
    """A digit-wheel crop whose label a person corrected: new training data (labels.csv shape)."""

    __tablename__ = "training_crops"

    id: Mapped[int] = mapped_column(primary_key=True)
    photo_id: Mapped[int] = mapped_column(ForeignKey("meter_photos.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(SmallInteger)
    label: Mapped[str] = mapped_column(String(4))  # "0".."9"
    predicted: Mapped[str] = mapped_column(String(4))
    image_png: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
