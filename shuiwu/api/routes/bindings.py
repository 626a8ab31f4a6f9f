"""Binding a 户号 to one's account, disputed bindings for staff review, and unbinding."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from shuiwu.api.deps import CurrentUser, SessionDep, client_ip
from shuiwu.api.routes.households import household_out
from shuiwu.api.schemas import (
    BindHouseholdIn,
    BindingDisputeIn,
    BindingOut,
    BindingReviewIn,
    HouseholdOut,
    MessageOut,
    PendingBindingOut,
    RequesterOut,
)
from shuiwu.masking import mask_name, mask_phone
from shuiwu.models import HouseholdMember
from shuiwu.services import bindings as service

router = APIRouter(prefix="/api/v1", tags=["bindings"])


@router.post(
    "/households/bind", response_model=HouseholdOut, status_code=201,
    summary="绑定户号（户主姓名 + 最近账单金额或水表编号）",
)
def bind(body: BindHouseholdIn, user: CurrentUser, session: SessionDep, request: Request) -> HouseholdOut:
    proof = service.Proof(body.holder_name, body.last_bill_amount, body.meter_serial)
    household = service.bind(session, user, body.account_no, proof, ip=client_ip(request))
    return household_out(session, household)


@router.post(
    "/households/bind/dispute", response_model=MessageOut, status_code=202,
    summary="无法核对时申请人工审核绑定",
)
def dispute(body: BindingDisputeIn, user: CurrentUser, session: SessionDep) -> MessageOut:
    message = service.dispute(
        session, user, account_no=body.account_no, holder_name=body.holder_name,
        note=body.note, contact_phone=body.contact_phone,
    )
    return MessageOut(message=message)


@router.delete(
    "/households/{household_id}/binding", status_code=204, summary="解除本人与户号的绑定"
)
def unbind(household_id: int, user: CurrentUser, session: SessionDep) -> Response:
    service.unbind(session, user, household_id)
    return Response(status_code=204)


def _pending_out(member: HouseholdMember) -> PendingBindingOut:
    household, requester = member.household, member.user
    return PendingBindingOut(
        id=member.id,
        household_id=household.id,
        account_no=household.account_no,
        address=household.address,
        holder_name=mask_name(household.holder_name),
        requested_by=RequesterOut(
            id=requester.id, username=requester.username, phone=mask_phone(requester.phone)
        ),
        evidence=member.evidence or {},
        note=member.note,
        requested_at=member.bound_at,
    )


@router.get(
    "/bindings/pending", response_model=list[PendingBindingOut], summary="待审核的户号绑定（客服、管理员）"
)
def pending(user: CurrentUser, session: SessionDep) -> list[PendingBindingOut]:
    return [_pending_out(m) for m in service.list_pending(session, user)]


def _binding_out(member: HouseholdMember) -> BindingOut:
    return BindingOut(
        id=member.id, household_id=member.household_id, status=member.status.value,
        relation=member.relation, reviewed_at=member.reviewed_at,
    )


@router.post("/bindings/{binding_id}/approve", response_model=BindingOut, summary="通过绑定申请")
def approve(
    binding_id: int, user: CurrentUser, session: SessionDep, body: BindingReviewIn | None = None
) -> BindingOut:
    return _binding_out(service.approve(session, user, binding_id, body.note if body else None))


@router.post("/bindings/{binding_id}/reject", response_model=BindingOut, summary="驳回绑定申请")
def reject(binding_id: int, body: BindingReviewIn, user: CurrentUser, session: SessionDep) -> BindingOut:
    return _binding_out(service.reject(session, user, binding_id, body.note))
