"""Tariff versions in the database: the demo city's residential 阶梯水价 and lookups by date."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from shuiwu.billing.pricing import TariffSpec
from shuiwu.models import Tariff, TariffTier

RESIDENTIAL = "residential"

# The demo city's residential schedule, modelled on the tiered prices Chinese cities publish
# (annual tiers 0–180 / 181–260 / >260 m³; base price ratio about 1 : 1.5 : 3). A price
# hearing raised the base price from 1 July 2025; the fees on top stayed the same.
DEFAULT_RESIDENTIAL = (
    {
        "name": "居民生活用水（2021 年版）",
        "effective_from": date(2021, 1, 1),
        "water_resource_fee": Decimal("0.40"),
        "sewage_fee": Decimal("0.95"),
        "tiers": ((Decimal(180), Decimal("2.05")), (Decimal(260), Decimal("3.08")), (None, Decimal("6.15"))),
    },
    {
        "name": "居民生活用水（2025 年 7 月调价）",
        "effective_from": date(2025, 7, 1),
        "water_resource_fee": Decimal("0.40"),
        "sewage_fee": Decimal("0.95"),
        "tiers": ((Decimal(180), Decimal("2.25")), (Decimal(260), Decimal("3.38")), (None, Decimal("6.75"))),
    },
)


def residential_tariffs(session: Session, tariff_class: str = RESIDENTIAL) -> list[Tariff]:
    return list(
        session.scalars(
            select(Tariff)
            .options(selectinload(Tariff.tiers))
            .where(Tariff.tariff_class == tariff_class)
            .order_by(Tariff.effective_from)
        )
    )


def ensure_default_tariffs(session: Session) -> list[Tariff]:
    """The residential versions, written first if the database has none."""
    existing = residential_tariffs(session)
    if existing:
        return existing
    for spec in DEFAULT_RESIDENTIAL:
        tariff = Tariff(
            tariff_class=RESIDENTIAL,
            name=spec["name"],
            effective_from=spec["effective_from"],
            water_resource_fee=spec["water_resource_fee"],
            sewage_fee=spec["sewage_fee"],
        )
        tariff.tiers = [
            TariffTier(tier_no=no, upper_m3=upper, base_price=price)
            for no, (upper, price) in enumerate(spec["tiers"], start=1)
        ]
        session.add(tariff)
    session.flush()
    return residential_tariffs(session)


def tariff_specs(session: Session, tariff_class: str = RESIDENTIAL) -> list[TariffSpec]:
    return [TariffSpec.from_model(t) for t in residential_tariffs(session, tariff_class)]
