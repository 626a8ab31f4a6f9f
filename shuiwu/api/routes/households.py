"""Households the caller may see, their bills and usage."""

from __future__ import annotations

from fastapi import APIRouter, Query

from shuiwu.api.deps import CurrentUser, SessionDep, StaffUser
from shuiwu.api.schemas import BillOut, DistrictSummaryOut, HouseholdOut, MeterOut, ReadingOut
from shuiwu.models import Household
from shuiwu.services import households as service
from shuiwu.timeutil import today_local

router = APIRouter(prefix="/api/v1", tags=["households"])


def mask_name(name: str) -> str:
    """张伟 → 张*, 欧阳娜娜 → 欧***: enough to recognise one's own household, no more."""
    return name[:1] + "*" * max(len(name) - 1, 1) if name else ""


def _household_out(session, household: Household) -> HouseholdOut:
    meter = household.active_meter
    reading = service.last_reading(session, household)
    return HouseholdOut(
        id=household.id,
        account_no=household.account_no,
        address=household.address,
        district=household.district,
        holder_name=mask_name(household.holder_name),
        meter=MeterOut.model_validate(meter) if meter else None,
        last_reading=ReadingOut(value=reading.value, read_at=reading.read_at, source=reading.source)
        if reading
        else None,
    )


@router.get("/households", response_model=list[HouseholdOut], summary="我的户号 / my households")
def list_households(
    user: CurrentUser,
    session: SessionDep,
    account_no: str | None = Query(None, max_length=20, description="工作人员按户号查询"),
) -> list[HouseholdOut]:
    found = service.list_households(session, user, account_no=account_no)
    return [_household_out(session, h) for h in found]


@router.get("/households/{household_id}", response_model=HouseholdOut, summary="户号详情")
def get_household(household_id: int, user: CurrentUser, session: SessionDep) -> HouseholdOut:
    return _household_out(session, service.get_household(session, user, household_id))


@router.get("/households/{household_id}/bills", response_model=list[BillOut], summary="账单")
def list_bills(
    household_id: int,
    user: CurrentUser,
    session: SessionDep,
    limit: int = Query(24, ge=1, le=120),
) -> list[BillOut]:
    return [BillOut.model_validate(b) for b in service.bills(session, user, household_id, limit=limit)]


@router.get(
    "/districts/summary", response_model=list[DistrictSummaryOut], summary="区域汇总（工作人员）"
)
def district_summary(user: StaffUser, session: SessionDep) -> list[DistrictSummaryOut]:
    rows = service.district_summary(session, user, today=today_local())
    return [DistrictSummaryOut(**row) for row in rows]
