"""Binding a household (户号) to a resident's account, on proof, and staff review of disputed ones.

Proof is the holder's name plus the household's last bill amount or its meter number, checked
against the record. Every failure gives one message, whether the 户号 exists or not, and
failures are rate-limited per user and per 户号, so the form cannot be used to find out
which 户号 exist or who holds them. Whoever cannot prove it (a house just bought, a name not
yet transferred) files a dispute that customer service approves or rejects.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from shuiwu import ratelimit
from shuiwu.errors import Conflict, Forbidden, InvalidInput, NotFound
from shuiwu.models import (
    Bill,
    BillStatus,
    BindingStatus,
    Household,
    HouseholdMember,
    Role,
    User,
)
from shuiwu.models._types import utcnow
from shuiwu.ratelimit import Limit
from shuiwu.services import audit, notifications
from shuiwu.services.households import NOT_FOUND as HOUSEHOLD_NOT_FOUND
from shuiwu.services.households import may_see_account_data

MISMATCH = "信息核对不一致，请检查户号、户主姓名和账单金额（或水表编号）"
ALREADY_BOUND = "您已绑定该户号"
NEED_PROOF = "请填写最近一期账单金额或水表编号"
RESIDENTS_ONLY = "只有居民账号可以绑定户号"
TOO_MANY_FAILURES = "核对失败次数过多，可改为提交人工审核"
TOO_MANY_DISPUTES = "人工审核申请提交过于频繁"
DISPUTE_ACCEPTED = "已提交人工审核，客服将在 1–2 个工作日内处理"
REVIEWERS_ONLY = "只有客服或管理员可以审核户号绑定"
REVIEW_NOT_FOUND = "未找到该绑定申请"
ALREADY_REVIEWED = "该申请已处理"
REJECT_NEEDS_NOTE = "驳回时请填写原因，居民会在通知中看到"

APPROVED_TITLE = "户号绑定已通过"
APPROVED_BODY = "您提交的户号 {account_no} 绑定申请已审核通过，现在可以查看账单和用水情况。"
REJECTED_TITLE = "户号绑定未通过"
REJECTED_BODY = "您提交的户号 {account_no} 绑定申请未通过审核。原因：{note}。如有疑问，请联系客服。"

# Attempts, not only failures, are counted; a success clears the user's count. Checking the
# limit before the record is what stops guessing: the sixth try is refused even if right.
USER_LIMIT = Limit(5, 3600)
ACCOUNT_LIMIT = Limit(10, 86400)
DISPUTE_LIMIT = Limit(5, 86400)

_SPACES = re.compile(r"\s+")
_MIDDLE_DOTS = str.maketrans({"•": "·", "・": "·", "‧": "·", "∙": "·", ".": "·"})


def user_key(user_id: int) -> str:
    return f"bind:user:{user_id}"


def account_key(account_no: str) -> str:
    return f"bind:account:{normalise_account_no(account_no)}"


def dispute_key(user_id: int) -> str:
    return f"bind:dispute:{user_id}"


def normalise_account_no(account_no: str) -> str:
    return unicodedata.normalize("NFKC", account_no).strip()


def normalise_name(name: str) -> str:
    """Full-width spaces and letters folded (NFKC), all spaces dropped, middle dots unified:
    "王　建国 " and "王建国" are one name, as are "阿依古丽·买买提" and "阿依古丽•买买提"."""
    return _SPACES.sub("", unicodedata.normalize("NFKC", name)).translate(_MIDDLE_DOTS)


def _normalise_serial(serial: str) -> str:
    return unicodedata.normalize("NFKC", serial).strip().casefold()


def last_issued_bill(session: Session, household_id: int) -> Bill | None:
    """The household's most recent bill that stands (cancelled bills are not proof)."""
    return session.scalar(
        select(Bill)
        .where(Bill.household_id == household_id, Bill.status != BillStatus.CANCELLED)
        .order_by(Bill.period_start.desc(), Bill.issued_at.desc())
        .limit(1)
    )


@dataclass(frozen=True)
class Proof:
    holder_name: str
    last_bill_amount: Decimal | None = None
    meter_serial: str | None = None

    @property
    def methods(self) -> list[str]:
        given = []
        if self.last_bill_amount is not None:
            given.append("bill")
        if self.meter_serial and self.meter_serial.strip():
            given.append("meter")
        return given


def proof_matches(session: Session, household: Household, proof: Proof) -> bool:
    """The name, and every other piece of proof given, must match the record.

    Requiring all given pieces (not any) keeps a guesser from trying an amount and a meter
    number in one attempt.
    """
    if normalise_name(proof.holder_name) != normalise_name(household.holder_name or ""):
        return False
    if proof.last_bill_amount is not None:
        bill = last_issued_bill(session, household.id)
        if bill is None or Decimal(bill.amount) != proof.last_bill_amount:
            return False
    if "meter" in proof.methods:
        meter = household.active_meter
        if meter is None or _normalise_serial(meter.serial_no) != _normalise_serial(
            proof.meter_serial or ""
        ):
            return False
    return True


def _require_resident(actor: User) -> None:
    if actor.role is not Role.RESIDENT:
        raise Forbidden(RESIDENTS_ONLY)


def _household_by_account_no(session: Session, account_no: str) -> Household | None:
    return session.scalar(
        select(Household)
        .options(selectinload(Household.meters))
        .where(Household.account_no == normalise_account_no(account_no))
    )


def _membership(session: Session, user: User, household_id: int) -> HouseholdMember | None:
    return session.scalar(
        select(HouseholdMember).where(
            HouseholdMember.user_id == user.id, HouseholdMember.household_id == household_id
        )
    )


def _relation_for(session: Session, household_id: int, user_id: int) -> str:
    """The first active binding of a household is its owner's; later ones are family."""
    others = session.scalar(
        select(HouseholdMember.id).where(
            HouseholdMember.household_id == household_id,
            HouseholdMember.status == BindingStatus.ACTIVE,
            HouseholdMember.user_id != user_id,
        )
    )
    return "owner" if others is None else "family"


def bind(
    session: Session, actor: User, account_no: str, proof: Proof, *, ip: str | None = None
) -> Household:
    """Bind the 户号 to the actor's account if the proof matches the record."""
    _require_resident(actor)
    if not proof.methods:
        raise InvalidInput(NEED_PROOF, field="last_bill_amount")
    ratelimit.hit(user_key(actor.id), USER_LIMIT, TOO_MANY_FAILURES)
    ratelimit.hit(account_key(account_no), ACCOUNT_LIMIT, TOO_MANY_FAILURES)
    household = _household_by_account_no(session, account_no)
    member = _membership(session, actor, household.id) if household else None
    if member is not None and member.status is BindingStatus.ACTIVE:
        ratelimit.reset(user_key(actor.id))
        raise Conflict(ALREADY_BOUND, field="account_no")
    if household is None or not proof_matches(session, household, proof):
        # Kept although the request fails: repeated failures are what an operator looks for.
        audit.record_standalone(
            session, actor, "household.bind_failed", "household",
            household.id if household else None, ip=ip, methods=proof.methods,
        )
        raise InvalidInput(MISMATCH)
    now = utcnow()
    relation = _relation_for(session, household.id, actor.id)
    if member is None:
        member = HouseholdMember(user_id=actor.id, household_id=household.id)
        session.add(member)
    member.status = BindingStatus.ACTIVE
    member.relation = relation
    member.bound_at = now
    member.evidence = {"verified_by": proof.methods}
    member.reviewed_by_id = None
    member.reviewed_at = None
    session.flush()
    ratelimit.reset(user_key(actor.id))
    audit.record(
        session, actor, "household.bind", "household", household.id,
        ip=ip, relation=relation, methods=proof.methods,
    )
    return household


def dispute(
    session: Session,
    actor: User,
    *,
    account_no: str,
    holder_name: str,
    note: str,
    contact_phone: str | None = None,
) -> str:
    """File a binding for staff review. Answers the same whether the 户号 exists or not."""
    _require_resident(actor)
    ratelimit.hit(dispute_key(actor.id), DISPUTE_LIMIT, TOO_MANY_DISPUTES)
    household = _household_by_account_no(session, account_no)
    if household is None:
        return DISPUTE_ACCEPTED  # nothing stored: the answer must not tell the 户号 is unknown
    member = _membership(session, actor, household.id)
    if member is not None and member.status is BindingStatus.ACTIVE:
        raise Conflict(ALREADY_BOUND, field="account_no")
    if member is None:
        member = HouseholdMember(user_id=actor.id, household_id=household.id)
        session.add(member)
    member.status = BindingStatus.PENDING
    member.relation = "owner"  # decided on approval
    member.bound_at = utcnow()  # when it was requested, until approved
    member.evidence = {
        "holder_name": holder_name.strip(),
        "contact_phone": (contact_phone or "").strip() or None,
    }
    member.note = note.strip()
    member.reviewed_by_id = None
    member.reviewed_at = None
    session.flush()
    audit.record(session, actor, "household.bind_dispute", "household_member", member.id,
                 household_id=household.id)
    return DISPUTE_ACCEPTED


def _require_reviewer(actor: User) -> None:
    if not may_see_account_data(actor):
        raise Forbidden(REVIEWERS_ONLY)


def list_pending(session: Session, actor: User) -> list[HouseholdMember]:
    """Disputed bindings waiting for review, oldest first. Reading them is audited."""
    _require_reviewer(actor)
    pending = list(
        session.scalars(
            select(HouseholdMember)
            .options(selectinload(HouseholdMember.household), selectinload(HouseholdMember.user))
            .where(HouseholdMember.status == BindingStatus.PENDING)
            .order_by(HouseholdMember.bound_at, HouseholdMember.id)
        )
    )
    audit.record(
        session, actor, "binding.view_pending", "household_member", None,
        ids=[m.id for m in pending], household_ids=[m.household_id for m in pending],
    )
    return pending


def _pending(session: Session, binding_id: int) -> HouseholdMember:
    member = session.get(HouseholdMember, binding_id, options=[selectinload(HouseholdMember.household)])
    if member is None:
        raise NotFound(REVIEW_NOT_FOUND)
    if member.status is not BindingStatus.PENDING:
        raise Conflict(ALREADY_REVIEWED)
    return member


def approve(session: Session, actor: User, binding_id: int, note: str | None = None) -> HouseholdMember:
    _require_reviewer(actor)
    member = _pending(session, binding_id)
    now = utcnow()
    member.status = BindingStatus.ACTIVE
    member.relation = _relation_for(session, member.household_id, member.user_id)
    member.reviewed_by_id = actor.id
    member.reviewed_at = now
    member.bound_at = now
    member.evidence = {**(member.evidence or {}), "review": {"decision": "approved", "note": note}}
    account_no = member.household.account_no
    notifications.notify(
        session, member.user_id, "binding_approved", APPROVED_TITLE,
        APPROVED_BODY.format(account_no=account_no),
    )
    audit.record(
        session, actor, "binding.approve", "household_member", member.id,
        household_id=member.household_id, user_id=member.user_id, note=note,
    )
    return member


def reject(session: Session, actor: User, binding_id: int, note: str | None) -> HouseholdMember:
    _require_reviewer(actor)
    if not (note and note.strip()):
        raise InvalidInput(REJECT_NEEDS_NOTE, field="note")
    member = _pending(session, binding_id)
    member.status = BindingStatus.REVOKED
    member.reviewed_by_id = actor.id
    member.reviewed_at = utcnow()
    member.evidence = {
        **(member.evidence or {}), "review": {"decision": "rejected", "note": note.strip()}
    }
    notifications.notify(
        session, member.user_id, "binding_rejected", REJECTED_TITLE,
        REJECTED_BODY.format(account_no=member.household.account_no, note=note.strip().rstrip("。")),
    )
    audit.record(
        session, actor, "binding.reject", "household_member", member.id,
        household_id=member.household_id, user_id=member.user_id, note=note.strip(),
    )
    return member


def unbind(session: Session, actor: User, household_id: int) -> None:
    """The actor ends their own binding. The row stays, revoked, as history."""
    member = session.scalar(
        select(HouseholdMember).where(
            HouseholdMember.user_id == actor.id,
            HouseholdMember.household_id == household_id,
            HouseholdMember.status == BindingStatus.ACTIVE,
        )
    )
    if member is None:
        raise NotFound(HOUSEHOLD_NOT_FOUND)
    member.status = BindingStatus.REVOKED
    audit.record(session, actor, "household.unbind", "household", household_id)
