"""Pricing a run of daily usage under annual tiered tariffs (阶梯水价), as pure functions.

Tiers are on cumulative use within a calendar year, so a period is priced day by day: each
day's volume fills the current tier first, the year-to-date total resets on 1 January, and
the tariff in force is the one whose version is effective on that day. A bill therefore
gets one line per (tariff version, tier) actually used, plus the water-resource and sewage
charges per tariff version, each rounded to the cent once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from shuiwu.errors import InvalidInput
from shuiwu.models._types import CENT

ZERO = Decimal(0)
M3 = Decimal("0.001")


@dataclass(frozen=True)
class TierSpec:
    tier_no: int
    upper_m3: Decimal | None  # annual cumulative upper bound; None = the open last tier
    base_price: Decimal


@dataclass(frozen=True)
class TariffSpec:
    """One version of a tariff, detached from the database."""

    id: int | None
    effective_from: date
    water_resource_fee: Decimal
    sewage_fee: Decimal
    tiers: tuple[TierSpec, ...]
    name: str = ""

    def __post_init__(self) -> None:
        uppers = [t.upper_m3 for t in self.tiers]
        if not self.tiers or uppers[-1] is not None or any(u is None for u in uppers[:-1]):
            raise ValueError("a tariff needs tiers whose last one is open-ended")
        if any(a >= b for a, b in zip(uppers[:-2], uppers[1:-1], strict=False)):
            raise ValueError("tier bounds must increase")

    @classmethod
    def from_model(cls, tariff) -> TariffSpec:
        return cls(
            id=tariff.id,
            effective_from=tariff.effective_from,
            water_resource_fee=Decimal(tariff.water_resource_fee),
            sewage_fee=Decimal(tariff.sewage_fee),
            tiers=tuple(
                TierSpec(
                    t.tier_no,
                    None if t.upper_m3 is None else Decimal(t.upper_m3),
                    Decimal(t.base_price),
                )
                for t in sorted(tariff.tiers, key=lambda t: t.tier_no)
            ),
            name=tariff.name,
        )

    @property
    def unit_price_by_tier(self) -> dict[int, Decimal]:
        """All-in price per m³ in each tier (base + water resource + sewage)."""
        extra = self.water_resource_fee + self.sewage_fee
        return {t.tier_no: t.base_price + extra for t in self.tiers}


@dataclass(frozen=True)
class Charge:
    """One line of a bill."""

    kind: str  # base | water_resource | sewage (values of models.ChargeKind)
    tier_no: int | None
    tariff_id: int | None
    usage_m3: Decimal
    unit_price: Decimal
    amount: Decimal


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def tariff_on(day: date, tariffs: Sequence[TariffSpec]) -> TariffSpec:
    """The version in force on `day`: the latest one effective on or before it."""
    best = None
    for t in tariffs:
        if t.effective_from <= day and (best is None or t.effective_from > best.effective_from):
            best = t
    if best is None:
        raise InvalidInput(f"{day:%Y年%m月%d日}没有生效的水价，无法计费", field="period_start")
    return best


def split_into_tiers(
    ytd_before: Decimal, volume: Decimal, tiers: Sequence[TierSpec]
) -> list[tuple[TierSpec, Decimal]]:
    """How `volume`, used after `ytd_before` m³ this year, falls into the tiers."""
    parts = []
    lower = ZERO
    position, remaining = ytd_before, volume
    for tier in tiers:
        if remaining <= 0:
            break
        upper = tier.upper_m3
        if upper is not None and position >= upper:
            lower = upper
            continue
        room = remaining if upper is None else min(remaining, upper - max(position, lower))
        if room > 0:
            parts.append((tier, room))
            position += room
            remaining -= room
        if upper is not None:
            lower = upper
    return parts


def price_usage(
    days: Iterable[tuple[date, Decimal]],
    tariffs: Sequence[TariffSpec],
    ytd: Decimal = ZERO,
) -> list[Charge]:
    """Bill lines for daily volumes (m³, in date order).

    `ytd` is the volume already used this calendar year before the first day. It resets to
    zero when the run crosses into a new year. Negative volumes are refused: a meter that
    ran backwards is a reading problem, not a credit.
    """
    base: dict[tuple[int | None, int], tuple[TariffSpec, TierSpec, Decimal]] = {}
    volume_by_tariff: dict[int | None, tuple[TariffSpec, Decimal]] = {}
    order: list[int | None] = []
    previous: date | None = None
    for day, volume in days:
        if volume < 0:
            raise InvalidInput(f"{day:%Y-%m-%d} 的用水量为负数，请先核对读数", field="usage")
        if previous is not None:
            if day <= previous:
                raise ValueError("days must be in increasing order")
            if day.year != previous.year:
                ytd = ZERO  # 阶梯 start again every 1 January
        previous = day
        if volume == 0:
            continue
        tariff = tariff_on(day, tariffs)
        if tariff.id not in volume_by_tariff:
            volume_by_tariff[tariff.id] = (tariff, ZERO)
            order.append(tariff.id)
        volume_by_tariff[tariff.id] = (tariff, volume_by_tariff[tariff.id][1] + volume)
        for tier, part in split_into_tiers(ytd, volume, tariff.tiers):
            key = (tariff.id, tier.tier_no)
            _, _, so_far = base.get(key, (tariff, tier, ZERO))
            base[key] = (tariff, tier, so_far + part)
        ytd += volume

    charges: list[Charge] = []
    for tariff_id in order:
        tariff, total_volume = volume_by_tariff[tariff_id]
        for (tid, _no), (_, tier, vol) in sorted(base.items(), key=lambda kv: kv[0][1]):
            if tid == tariff_id:
                charges.append(
                    Charge("base", tier.tier_no, tid, vol, tier.base_price, money(vol * tier.base_price))
                )
        for kind, price in (
            ("water_resource", tariff.water_resource_fee),
            ("sewage", tariff.sewage_fee),
        ):
            charges.append(
                Charge(kind, None, tariff_id, total_volume, price, money(total_volume * price))
            )
    return charges


def total(charges: Iterable[Charge]) -> Decimal:
    """The bill amount: the sum of its already-rounded lines, so the lines always add up."""
    return sum((c.amount for c in charges), ZERO).quantize(CENT)
