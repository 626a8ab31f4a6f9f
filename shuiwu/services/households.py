"""Households as a given user may see them: residents their own, staff by role (audited).

Least privilege: residents see the households bound to them (active bindings only); staff
look households up by 户号, and only customer service (and admins) see bills and usage.
Every staff access to a household's personal data leaves an audit entry.
"""

from __future__ import annotations

import enum
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from shuiwu.errors import Forbidden, NotFound
from shuiwu.models import (
    Bill,
    BindingStatus,
    DistrictFlow,
    Household,
    HouseholdMember,
    Meter,
    Reading,
    ReadingStatus,
    Role,
    StaffFunction,
    User,
)
from shuiwu.services import audit

NOT_FOUND = "未找到该户号，或您无权查看"
NO_ACCOUNT_DATA = "您的岗位无权查看账单、用水量或缴费信息"


class Access(enum.StrEnum):
    """What part of a household is being read; the audit action staff access is logged as."""

    HOUSEHOLD = "household.view"  # address, meter, last reading
    BILLS = "bill.view"  # bills, bill preview, amount due, payments
    USAGE = "usage.view"  # usage series and exports


def is_staff(actor: User) -> bool:
    return actor.role in (Role.STAFF, Role.ADMIN)


def may_see_account_data(actor: User) -> bool:
    """Bills, usage and payments: admins and customer service. Field repair has no need."""
    return actor.role is Role.ADMIN or (
        actor.role is Role.STAFF and actor.staff_function is StaffFunction.CUSTOMER_SERVICE
    )


def _check_staff_access(actor: User, access: Access) -> None:
    if access is not Access.HOUSEHOLD and not may_see_account_data(actor):
        raise Forbidden(NO_ACCOUNT_DATA)


def list_households(session: Session, actor: User, *, account_no: str | None = None) -> list[Household]:
    """A resident's bound households; staff must name the 户号 they look up."""
    query = select(Household).options(selectinload(Household.meters)).order_by(Household.id)
    if is_staff(actor):
        if not account_no:
            return []
        found = list(session.scalars(query.where(Household.account_no == account_no.strip())))
        for household in found:
            audit.record(session, actor, Access.HOUSEHOLD.value, "household", household.id)
        return found
    query = query.join(HouseholdMember).where(
        HouseholdMember.user_id == actor.id, HouseholdMember.status == BindingStatus.ACTIVE
    )
    return list(session.scalars(query))


def is_bound(session: Session, user: User, household_id: int) -> bool:
    return (
        session.scalar(
            select(HouseholdMember.id).where(
                HouseholdMember.user_id == user.id,
                HouseholdMember.household_id == household_id,
                HouseholdMember.status == BindingStatus.ACTIVE,
            )
        )
        is not None
    )


def get_household(
    session: Session, actor: User, household_id: int, access: Access = Access.BILLS
) -> Household:
    """The household if `actor` may read `access` of it.

    The default is the stricter bills-and-usage access, so a caller that forgets to say what it
    reads does not hand field staff a household's accounts.
    """
    if is_staff(actor):
        # Decided before the lookup: a refused role learns nothing about which ids exist.
        _check_staff_access(actor, access)
    household = session.get(Household, household_id, options=[selectinload(Household.meters)])
    if household is None:
        raise NotFound(NOT_FOUND)
    if is_staff(actor):
        audit.record(session, actor, access.value, "household", household.id)
        return household
    if not is_bound(session, actor, household_id):
        # Same answer as "does not exist": a resident learns nothing about other households.
        raise NotFound(NOT_FOUND)
    return household


def last_reading(session: Session, household: Household) -> Reading | None:
    return session.scalar(
        select(Reading)
        .join(Meter)
        .where(Meter.household_id == household.id, Reading.status == ReadingStatus.ACCEPTED)
        .order_by(Reading.read_at.desc())
        .limit(1)
    )


def bills(session: Session, actor: User, household_id: int, *, limit: int = 24) -> list[Bill]:
    household = get_household(session, actor, household_id, Access.BILLS)
    return list(
        session.scalars(
            select(Bill)
            .options(selectinload(Bill.lines))
            .where(Bill.household_id == household.id)
            .order_by(Bill.period_start.desc())
            .limit(limit)
        )
    )


def district_summary(session: Session, actor: User, *, today: date) -> list[dict]:
    """Households per district and the bulk-meter inflow of the last 30 days (staff only)."""
    if not is_staff(actor):
        raise Forbidden("无权查看区域汇总")
    counts = dict(
        session.execute(select(Household.district, func.count()).group_by(Household.district)).all()
    )
    since = today - timedelta(days=30)
    flows = dict(
        session.execute(
            select(DistrictFlow.district, func.sum(DistrictFlow.volume_m3))
            .where(DistrictFlow.day > since, DistrictFlow.day <= today)
            .group_by(DistrictFlow.district)
        ).all()
    )
    return [
        {
            "district": district,
            "households": counts[district],
            "usage_m3_30d": Decimal(flows.get(district) or 0).quantize(Decimal("0.001")),
        }
        for district in sorted(counts)
    ]
