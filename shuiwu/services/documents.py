"""Documents residents photograph (water bills, receipts, invoices, 不动产权证书, 身份证): read
them into a form to confirm, and keep what is confirmed where staff already look.

Reading stores nothing. It returns the fields and a `read_id`: a signed, expiring token naming
the reader, the document type and the image's hash, so confirming needs no table of half-done
reads. Confirming (with the resident's corrections) attaches the document to the resident's
binding of the 户号 (`HouseholdMember.evidence["documents"]`, encrypted at rest):
- with no binding yet, the document files a binding dispute for customer service (a bill or
  receipt proves the resident lives there; a property certificate or ID card is the start of a
  过户), so it lands in the existing review queue;
- with a binding, a bill, receipt or invoice is kept as evidence (for a billing dispute), and
  transfer documents become a 过户 request: customer service are notified.
ID numbers are kept only as ciphertext (shuiwu.crypto) next to their masked form, so the
review queue, which shows the evidence as it is, never shows a full number.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import time
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from shuiwu import crypto, ratelimit
from shuiwu.config import get_settings
from shuiwu.errors import Forbidden, InvalidInput, NotFound
from shuiwu.models import BindingStatus, Household, HouseholdMember, Role, StaffFunction, User
from shuiwu.models._types import utcnow
from shuiwu.services import audit, bindings, notifications, uploads
from shuiwu.services.households import is_staff, may_see_account_data
from vision.documents import DOC_TYPES, mask_id_number, sensitive_keys
from vision.documents.validate import account_no as check_account_no

log = logging.getLogger(__name__)

READ_TTL_SECONDS = 24 * 3600
# Reading costs seconds of CPU: enough for a family's paperwork, not for a loop.
READ_LIMIT = ratelimit.Limit(30, 3600)
MAX_DOCUMENTS = 20
ID_CONTEXT = "documents.id_number"
TRANSFER_TYPES = {"property_certificate", "id_card"}
# What a confirmed document must carry at least; the rest may stay empty.
REQUIRED = {
    "water_bill": ("account_no", "amount", "date"),
    "receipt": ("account_no", "amount", "date"),
    "invoice": ("invoice_no", "amount", "date"),
    "property_certificate": ("certificate_no", "name", "address"),
    "id_card": ("name", "id_number"),
}

TOO_MANY_READS = "单据识别次数过多"
NEED_INPUT = "请上传单据照片，或给出已上传文件的编号"
READ_NOT_FOUND = "未找到该识别结果，或已超过 24 小时，请重新上传单据照片"
NEED_ACCOUNT_NO = "请填写这份单据对应的户号"
NEED_FIELD = "请填写{label}"
UNKNOWN_FIELD = "单据中没有这一项：{key}"
TOO_MANY = "该户号下提交的材料已达 {limit} 份上限，请联系客服"
STAFF_NEED_BINDING = "工作人员确认单据时，请指定要附加到的绑定申请"
STAFF_ONLY = "只有客服或管理员可以查看单据材料"
BINDING_NOT_FOUND = "未找到该绑定申请"
ATTACHED_EVIDENCE = "已将{label}保存为该户号的凭证，客服处理账单争议时可查看。"
ATTACHED_TRANSFER = "已提交过户材料（{label}），客服将在 1–2 个工作日内审核并联系您。"
ATTACHED_STAFF = "已将{label}附加到绑定申请。"
TRANSFER_TITLE = "新的过户材料待审核"
TRANSFER_BODY = "户号 {account_no} 的居民提交了过户材料（{label}），请在绑定审核中查看。"


@dataclass
class Confirmed:
    message: str
    stored: str  # "binding_request" | "evidence" | "transfer_request" | "attached" | "none"


# --- read ---------------------------------------------------------------------------------


def read(
    session: Session, actor: User, *, upload_id: int | None = None, data: bytes | None = None,
    doc_type: str | None = None,
) -> dict:
    """Read a document photo (the actor's upload, or bytes sent now) into fields to confirm."""
    from vision.documents import read_document

    if upload_id is None and data is None:
        raise InvalidInput(NEED_INPUT, field="file")
    ratelimit.hit(f"documents:read:{actor.id}", READ_LIMIT, TOO_MANY_READS)
    if upload_id is not None:
        upload = uploads.get_upload(session, actor, upload_id)  # someone else's: not found
        data = uploads.read_bytes(upload)
    result = read_document(data, doc_type, max_bytes=get_settings().upload_max_image_mb * 1048576)
    out = result.as_dict(mask=True)
    out["read_id"] = _sign({
        "u": actor.id, "t": result.doc_type, "h": hashlib.sha256(data).hexdigest()[:32],
        "up": upload_id, "at": int(time.time()),
        # the full ID number travels back only inside the signed token, to be kept on confirm
        # when the resident does not retype it
        "s": {k: crypto.keyring().encrypt(f.value, ID_CONTEXT)
              for k, f in result.fields.items()
              if k in sensitive_keys(result.doc_type) and f.value and f.error is None},
    })
    out["required"] = list(REQUIRED[result.doc_type])
    return out


def _key() -> bytes:
    return hashlib.sha256(b"shuiwu-documents\0" + get_settings().jwt_key.encode()).digest()


def _sign(payload: dict) -> str:
    body = base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode()).rstrip(b"=")
    mac = base64.urlsafe_b64encode(hmac.new(_key(), body, hashlib.sha256).digest()[:18])
    return f"{body.decode()}.{mac.decode()}"


def _verify(read_id: str, actor: User) -> dict:
    body, _, mac = read_id.partition(".")
    expected = base64.urlsafe_b64encode(hmac.new(_key(), body.encode(), hashlib.sha256).digest()[:18]).decode()
    if not hmac.compare_digest(mac, expected):
        raise NotFound(READ_NOT_FOUND)
    try:
        payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except ValueError:
        raise NotFound(READ_NOT_FOUND) from None
    if payload.get("u") != actor.id or time.time() - payload.get("at", 0) > READ_TTL_SECONDS:
        raise NotFound(READ_NOT_FOUND)  # another user's read looks like a missing one
    return payload


# --- confirm ------------------------------------------------------------------------------


def confirm(
    session: Session, actor: User, read_id: str, fields: dict[str, str | None], *,
    account_no: str | None = None, binding_id: int | None = None, note: str | None = None,
    ip: str | None = None,
) -> Confirmed:
    token = _verify(read_id, actor)
    doc_type = token["t"]
    values = _checked_fields(doc_type, fields, token.get("s") or {})
    entry = {
        "type": doc_type,
        "type_label": DOC_TYPES[doc_type].label,
        "fields": values,
        "upload_id": token.get("up"),
        "sha256": token["h"],
        "confirmed_at": utcnow().isoformat(),
        "confirmed_by": actor.id,
        "note": (note or "").strip()[:200] or None,
    }
    label = DOC_TYPES[doc_type].label
    if is_staff(actor):
        return _staff_attach(session, actor, binding_id, entry, label, ip)
    number = account_no or values.get("account_no")
    if not number:
        raise InvalidInput(NEED_ACCOUNT_NO, field="account_no")
    try:
        number = check_account_no(number)
    except ValueError as exc:
        raise InvalidInput(str(exc), field="account_no") from None
    household = session.scalar(select(Household).where(Household.account_no == number))
    member = None if household is None else session.scalar(
        select(HouseholdMember).where(
            HouseholdMember.user_id == actor.id, HouseholdMember.household_id == household.id
        )
    )
    if member is None or member.status is BindingStatus.REVOKED:
        # No binding: the document starts one, for staff review (same answer for an unknown
        # 户号, which stores nothing, as bindings.dispute does).
        holder = values.get("name") or ""
        message = bindings.dispute(
            session, actor, account_no=number, holder_name=holder,
            note=f"通过上传{label}申请" + ("过户" if doc_type in TRANSFER_TYPES else "绑定"),
        )
        if household is None:
            return Confirmed(message, "none")
        member = session.scalar(
            select(HouseholdMember).where(
                HouseholdMember.user_id == actor.id, HouseholdMember.household_id == household.id
            )
        )
        _append(member, entry)
        _audit(session, actor, member, entry, ip)
        return Confirmed(message, "binding_request")
    _append(member, entry)
    _audit(session, actor, member, entry, ip)
    if doc_type in TRANSFER_TYPES:
        for staff in _customer_service(session):
            notifications.notify(
                session, staff, "document_transfer", TRANSFER_TITLE,
                TRANSFER_BODY.format(account_no=number, label=label),
            )
        return Confirmed(ATTACHED_TRANSFER.format(label=label), "transfer_request")
    return Confirmed(ATTACHED_EVIDENCE.format(label=label), "evidence")


def _checked_fields(doc_type: str, fields: dict[str, str | None], sealed: dict[str, str]) -> dict:
    """The confirmed values, each checked as on reading; sensitive ones kept as ciphertext
    plus their masked form. A sensitive field left as shown (masked) keeps the value read."""
    specs = {s.key: s for s in DOC_TYPES[doc_type].fields}
    out: dict[str, str | None] = {}
    for key in fields:
        if key not in specs:
            raise InvalidInput(UNKNOWN_FIELD.format(key=key), field=f"fields.{key}")
    for key, spec in specs.items():
        raw = (fields.get(key) or "").strip()
        if spec.sensitive and (not raw or "*" in raw) and key in sealed:
            raw = crypto.keyring().decrypt(sealed[key], ID_CONTEXT)
        if not raw:
            if key in REQUIRED[doc_type]:
                raise InvalidInput(NEED_FIELD.format(label=spec.label), field=f"fields.{key}")
            out[key] = None
            continue
        try:
            value = spec.check(raw)
        except ValueError as exc:
            raise InvalidInput(f"{spec.label}：{exc}", field=f"fields.{key}") from None
        if spec.sensitive:
            out[f"{key}_sealed"] = crypto.keyring().encrypt(value, ID_CONTEXT)
            value = mask_id_number(value)
        out[key] = value
    return out


def _append(member: HouseholdMember, entry: dict) -> None:
    evidence = dict(member.evidence or {})
    documents = list(evidence.get("documents") or [])
    if len(documents) >= MAX_DOCUMENTS:
        raise InvalidInput(TOO_MANY.format(limit=MAX_DOCUMENTS), field="read_id")
    documents.append(entry)
    evidence["documents"] = documents
    member.evidence = evidence  # a new dict, so the encrypted column is written


def _audit(session: Session, actor: User, member: HouseholdMember, entry: dict, ip: str | None) -> None:
    # Which document and which fields, never their values.
    audit.record(
        session, actor, "document.confirm", "household_member", member.id, ip=ip,
        household_id=member.household_id, doc_type=entry["type"],
        fields=sorted(k for k, v in entry["fields"].items() if v and not k.endswith("_sealed")),
        sha256=entry["sha256"],
    )
    session.flush()
    log.info("document confirmed: type=%s binding=%s", entry["type"], member.id)


def _staff_attach(
    session: Session, actor: User, binding_id: int | None, entry: dict, label: str, ip: str | None
) -> Confirmed:
    if not may_see_account_data(actor):
        raise Forbidden(STAFF_ONLY)
    if binding_id is None:
        raise InvalidInput(STAFF_NEED_BINDING, field="binding_id")
    member = session.get(HouseholdMember, binding_id)
    if member is None:
        raise NotFound(BINDING_NOT_FOUND)
    _append(member, entry)
    _audit(session, actor, member, entry, ip)
    return Confirmed(ATTACHED_STAFF.format(label=label), "attached")


def _customer_service(session: Session) -> list[User]:
    return list(session.scalars(select(User).where(
        User.role == Role.STAFF, User.staff_function == StaffFunction.CUSTOMER_SERVICE,
        User.is_active.is_(True),
    )))


# --- staff view ---------------------------------------------------------------------------


def documents_of_binding(session: Session, actor: User, binding_id: int) -> list[dict]:
    """The documents attached to a binding, as customer service see them (ID numbers masked;
    the ciphertext never leaves the server). Looking is audited."""
    if not may_see_account_data(actor):
        raise Forbidden(STAFF_ONLY)
    member = session.get(HouseholdMember, binding_id)
    if member is None:
        raise NotFound(BINDING_NOT_FOUND)
    audit.record(session, actor, "document.view", "household_member", member.id,
                 household_id=member.household_id)
    return [
        {**doc, "fields": {k: v for k, v in doc["fields"].items() if not k.endswith("_sealed")}}
        for doc in (member.evidence or {}).get("documents") or []
    ]
