"""Billing: tiered residential pricing (阶梯水价), tariff versions, metered usage and bills."""
