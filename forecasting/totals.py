"""The range of a forecast total (e.g. the next 30 days' use) from the daily 95 % intervals."""

from __future__ import annotations

import math
from collections.abc import Sequence


def total_range(
    yhat: Sequence[float], lower95: Sequence[float], upper95: Sequence[float]
) -> tuple[float, float, float]:
    """(total, low, high): the days' half-widths combined as independent errors (√Σh²). Adding
    the daily bounds instead would assume every day errs the same way and give a useless
    0–3× range. A lower bound below zero counts as zero (no day uses negative water); `low`
    itself may still be negative, callers show max(low, 0)."""
    total = sum(yhat)
    low = total - math.sqrt(sum((y - max(v, 0.0)) ** 2 for y, v in zip(yhat, lower95, strict=True)))
    high = total + math.sqrt(sum((v - y) ** 2 for y, v in zip(yhat, upper95, strict=True)))
    return total, low, high
