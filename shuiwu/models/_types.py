"""Column types and helpers shared by the models: money, volumes, UTC timestamps, string enums."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import DateTime, Enum, Numeric
from sqlalchemy.types import TypeDecorator

MONEY = Numeric(12, 2, asdecimal=True)
VOLUME = Numeric(12, 3, asdecimal=True)  # m³ with litre precision
PRICE = Numeric(10, 4, asdecimal=True)  # ¥ per m³

CENT = Decimal("0.01")
LITRE = Decimal("0.001")


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every backend (SQLite stores naive text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def str_enum(cls: type[enum.StrEnum], name: str) -> Enum:
    """Enums stored as short strings with a CHECK constraint (portable across backends)."""
    return Enum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=24,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )
