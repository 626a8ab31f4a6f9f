"""Households the caller may see, their bills and usage."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Query
from fastapi.responses import Response

from shuiwu.api.deps import CurrentUser, SessionDep, StaffUser
from shuiwu.api.schemas import (
    BillLineOut,
    BillOut,
    BillPreviewOut,
    DistrictSummaryOut,
    HouseholdOut,
    IssueBillIn,
    MeterOut,
    ReadingOut,
    UsageOut,
    UsagePointOut,
)
from shuiwu.billing import bills as billing
from shuiwu.masking import mask_name
from shuiwu.models import Household
from shuiwu.services import households as service
from shuiwu.services import usage as usage_service
from shuiwu.services.households import Access
from shuiwu.services.usage import Granularity
from shuiwu.timeutil import today_local

router = APIRouter(prefix="/api/v1", tags=["households"])


def household_out(session, household: Household) -> HouseholdOut:
    """A household as the API shows it (also the answer to a successful binding)."""
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
    return [household_out(session, h) for h in found]


@router.get("/households/{household_id}", response_model=HouseholdOut, summary="户号详情")
def get_household(household_id: int, user: CurrentUser, session: SessionDep) -> HouseholdOut:
    return household_out(session, service.get_household(session, user, household_id, Access.HOUSEHOLD))


@router.get("/households/{household_id}/bills", response_model=list[BillOut], summary="账单")
def list_bills(
    household_id: int,
    user: CurrentUser,
    session: SessionDep,
    limit: int = Query(24, ge=1, le=120),
) -> list[BillOut]:
    return [BillOut.model_validate(b) for b in service.bills(session, user, household_id, limit=limit)]


@router.get(
    "/households/{household_id}/bills/preview", response_model=BillPreviewOut, summary="本月水费预估"
)
def bill_preview(household_id: int, user: CurrentUser, session: SessionDep) -> BillPreviewOut:
    today = today_local()
    p = billing.preview(session, user, household_id, today=today)
    return BillPreviewOut(
        household_id=p.household_id,
        period_start=p.start,
        period_end=p.end,
        usage_m3=p.usage_m3,
        ytd_before_m3=p.ytd_before_m3,
        amount=p.amount,
        lines=[BillLineOut.model_validate(c) for c in p.charges],
        amount_due=billing.amount_due(session, user, household_id),
    )


@router.post(
    "/households/{household_id}/bills", response_model=BillOut, status_code=201,
    summary="按抄表读数出具某月账单（客服、管理员）",
)
def issue_bill(household_id: int, body: IssueBillIn, user: CurrentUser, session: SessionDep) -> BillOut:
    year, month = (int(x) for x in body.month.split("-"))
    bill = billing.issue_bill(session, user, household_id, date(year, month, 1), today=today_local())
    return BillOut.model_validate(bill)


def _series(household_id, user, session, granularity, start, end):
    return usage_service.usage_series(
        session, user, household_id, granularity, today=today_local(), start=start, end=end
    )


@router.get("/households/{household_id}/usage", response_model=UsageOut, summary="用水量（日/月/年）")
def usage(
    household_id: int,
    user: CurrentUser,
    session: SessionDep,
    granularity: Granularity = Query(Granularity.DAY, description="day | month | year"),
    start: date | None = Query(None, description="开始日期（含），默认按粒度取最近一段"),
    end: date | None = Query(None, description="结束日期（含），默认昨天"),
) -> UsageOut:
    s = _series(household_id, user, session, granularity, start, end)
    return UsageOut(
        household_id=s.household_id,
        granularity=s.granularity.value,
        start=s.start,
        end=s.end,
        total_m3=s.total_m3,
        points=[UsagePointOut(period=p.period, usage_m3=p.usage_m3) for p in s.points],
    )


@router.get("/households/{household_id}/usage.csv", summary="导出用水量 CSV")
def usage_csv(
    household_id: int,
    user: CurrentUser,
    session: SessionDep,
    granularity: Granularity = Query(Granularity.DAY),
    start: date | None = Query(None),
    end: date | None = Query(None),
) -> Response:
    s, text = usage_service.export_csv(
        session, user, household_id, granularity, today=today_local(), start=start, end=end
    )
    filename = f"usage-{s.account_no}-{s.granularity.value}-{s.start}-{s.end}.csv"
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get(
    "/districts/summary", response_model=list[DistrictSummaryOut], summary="区域汇总（工作人员）"
)
def district_summary(user: StaffUser, session: SessionDep) -> list[DistrictSummaryOut]:
    rows = service.district_summary(session, user, today=today_local())
    return [DistrictSummaryOut(**row) for row in rows]
