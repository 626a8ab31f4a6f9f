"""阶梯水价 pricing: the hard cases a utility's billing gets wrong."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from shuiwu.billing.pricing import TariffSpec, TierSpec, price_usage, split_into_tiers, total
from shuiwu.errors import InvalidInput

D = Decimal
OLD = TariffSpec(
    id=1,
    effective_from=date(2021, 1, 1),
    water_resource_fee=D("0.40"),
    sewage_fee=D("0.95"),
    tiers=(TierSpec(1, D(180), D("2.05")), TierSpec(2, D(260), D("3.08")), TierSpec(3, None, D("6.15"))),
)
NEW = TariffSpec(
    id=2,
    effective_from=date(2025, 7, 1),
    water_resource_fee=D("0.40"),
    sewage_fee=D("0.95"),
    tiers=(TierSpec(1, D(180), D("2.25")), TierSpec(2, D(260), D("3.38")), TierSpec(3, None, D("6.75"))),
)


def days(start: date, n: int, per_day: str) -> list[tuple[date, Decimal]]:
    return [(start + timedelta(days=i), D(per_day)) for i in range(n)]


def base_lines(charges):
    return [(c.tariff_id, c.tier_no, c.usage_m3, c.amount) for c in charges if c.kind == "base"]


def test_whole_period_in_the_first_tier():
    charges = price_usage(days(date(2024, 3, 1), 31, "0.5"), [OLD], ytd=D(20))
    assert base_lines(charges) == [(1, 1, D("15.5"), D("31.78"))]  # 15.5 × 2.05 = 31.775 → 31.78
    fees = {c.kind: (c.usage_m3, c.amount) for c in charges if c.kind != "base"}
    assert fees == {"water_resource": (D("15.5"), D("6.20")), "sewage": (D("15.5"), D("14.73"))}
    assert total(charges) == D("52.71")


def test_period_crossing_a_tier_boundary_is_split_at_the_boundary():
    # 172 m³ used this year already; 16 m³ this month: 8 at tier 1, 8 at tier 2.
    charges = price_usage(days(date(2024, 10, 1), 16, "1"), [OLD], ytd=D(172))
    assert base_lines(charges) == [(1, 1, D(8), D("16.40")), (1, 2, D(8), D("24.64"))]
    assert total(charges) == D("16.40") + D("24.64") + D("6.40") + D("15.20")


def test_one_day_can_span_two_tiers():
    assert [(t.tier_no, v) for t, v in split_into_tiers(D("259.5"), D(2), OLD.tiers)] == [
        (2, D("0.5")),
        (3, D("1.5")),
    ]
    assert [(t.tier_no, v) for t, v in split_into_tiers(D(100), D(200), OLD.tiers)] == [
        (1, D(80)),
        (2, D(80)),
        (3, D(40)),
    ]


def test_tiers_reset_on_the_first_of_january():
    # A reading cycle from 16 Dec to 15 Jan, with the household already deep in tier 3.
    run = days(date(2024, 12, 16), 31, "1")
    charges = price_usage(run, [OLD], ytd=D(300))
    # 16 days of December at tier 3, then 15 days of January back at tier 1.
    assert base_lines(charges) == [(1, 1, D(15), D("30.75")), (1, 3, D(16), D("98.40"))]


def test_tariff_change_inside_a_period_prices_each_day_at_its_own_tariff():
    run = days(date(2025, 6, 16), 30, "0.5")  # 16 June – 15 July; new prices from 1 July
    charges = price_usage(run, [NEW, OLD], ytd=D(50))
    assert base_lines(charges) == [
        (1, 1, D("7.5"), D("15.38")),  # 15 days × 0.5 × 2.05 = 15.375
        (2, 1, D("7.5"), D("16.88")),  # 15 days × 0.5 × 2.25 = 16.875
    ]
    per_tariff_fees = [(c.tariff_id, c.kind, c.usage_m3) for c in charges if c.kind != "base"]
    assert per_tariff_fees == [
        (1, "water_resource", D("7.5")),
        (1, "sewage", D("7.5")),
        (2, "water_resource", D("7.5")),
        (2, "sewage", D("7.5")),
    ]


def test_tariff_change_and_tier_boundary_together():
    # Tier 2 starts on the same month the price changes; the ytd carries across tariffs.
    run = days(date(2025, 6, 21), 20, "1")  # 10 days June, 10 days July
    charges = price_usage(run, [OLD, NEW], ytd=D(175))
    assert base_lines(charges) == [
        (1, 1, D(5), D("10.25")),
        (1, 2, D(5), D("15.40")),
        (2, 2, D(10), D("33.80")),
    ]


def test_lines_always_add_up_to_the_amount():
    run = [(date(2024, 5, 1) + timedelta(days=i), D("0.333")) for i in range(31)]
    charges = price_usage(run, [OLD], ytd=D("179.9"))
    assert total(charges) == sum(c.amount for c in charges)
    assert all(c.amount == c.amount.quantize(D("0.01")) for c in charges)


def test_no_tariff_in_force_and_negative_use_are_refused_in_chinese():
    with pytest.raises(InvalidInput, match="没有生效的水价"):
        price_usage(days(date(2020, 12, 31), 1, "1"), [OLD])
    with pytest.raises(InvalidInput, match="用水量为负数"):
        price_usage([(date(2024, 1, 1), D("-1"))], [OLD])


def test_a_tariff_without_an_open_last_tier_is_rejected():
    with pytest.raises(ValueError):
        TariffSpec(None, date(2024, 1, 1), D(0), D(0), (TierSpec(1, D(180), D(2)),))
