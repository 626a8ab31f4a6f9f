"""Knowledge base as a domain service: staff edit versioned entries, residents (and anonymous
visitors) read, ask and rate; unanswered and down-voted questions queue up for staff.

The database is the truth; the search engine (`knowledge_base`) is a per-process copy kept in
step two ways: every committed save is applied to this process's engine at once, and `ask`
compares the `kb_state` generation counter (one cheap primary-key read) to pull what other
processes or replicas changed since this one last looked.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
import threading
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import event, func, select, update
from sqlalchemy.orm import Session

from shuiwu.errors import Conflict, Forbidden, InvalidInput, NotFound
from shuiwu.models import (
    KbEntry,
    KbFeedback,
    KbKind,
    KbQueueItem,
    KbState,
    KbStatus,
    KbVersion,
    QueueReason,
    QueueStatus,
    Role,
    User,
)
from shuiwu.models._types import utcnow
from shuiwu.services import audit

# ── What residents and staff read ──────────────────────────────────────────────────────────
MSG = {
    "staff_only": "只有工作人员可以编辑知识库",
    "not_found": "知识库条目不存在或已下线",
    "exists": "条目编号「{id}」已存在，请换一个",
    "id": "条目编号须以小写字母或数字开头，由 2–64 位小写字母、数字或连字符组成，如 pay-autopay",
    "kind": "条目类型只能是 faq（常见问题）或 doc（文档）",
    "category": "请填写分类（不超过 32 个字）",
    "title": "请填写标题（问题），2–200 个字",
    "body": "请填写正文（答案），不超过 20000 个字",
    "tags": "标签最多 20 个，每个不超过 20 个字",
    "alt_questions": "同义问法最多 20 条，每条不超过 200 个字",
    "owner": "负责人不超过 64 个字",
    "review_date": "复核日期格式应为 YYYY-MM-DD，如 2027-06-30",
    "status": "状态只能是 published（已发布）或 retired（已下线）",
    "note": "修改说明不超过 200 个字",
    "no_version": "条目「{id}」没有第 {version} 版",
    "same_version": "第 {version} 版就是当前版本，无需回滚",
    "unchanged": "内容没有变化，未生成新版本",
    "retired_already": "条目已经下线",
    "question": "请输入问题（不超过 500 个字）",
    "queue_missing": "待处理问题不存在",
    "format": "导入格式只能是 csv 或 xlsx",
    "empty_file": "文件是空的",
    "too_big": "文件太大：不能超过 5 MB",
    "not_xlsx": "文件不是有效的 Excel（.xlsx）文件",
    "not_csv": "文件不是 UTF-8 或 GBK 编码的 CSV 文本",
    "no_header": "第 1 行须为表头，至少包含：{columns}",
    "too_many": "一次最多导入 {n} 行",
    "no_rows": "文件里没有条目",
    "rows_bad": "导入失败，文件中有 {n} 处错误，未做任何修改：{detail}",
    "dup_row": "编号「{id}」在文件中重复出现",
    "imported": "导入",
    "rolled_back": "回滚到第 {version} 版",
    "retired": "下线",
    "seeded": "初始内容",
}

ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,63}$")
MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_IMPORT_ROWS = 2000
COLUMNS = ("id", "kind", "category", "title", "body", "tags", "alt_questions", "owner",
           "review_date", "status")
REQUIRED_COLUMNS = ("id", "category", "title", "body")
# Chinese column headers staff may use instead of the English ones (the export writes both rows).
HEADER_ALIASES = {"编号": "id", "类型": "kind", "分类": "category", "标题": "title", "问题": "title",
                  "正文": "body", "答案": "body", "标签": "tags", "同义问法": "alt_questions",
                  "负责人": "owner", "复核日期": "review_date", "状态": "status"}
CONTENT_FIELDS = ("kind", "category", "title", "body", "tags", "alt_questions", "owner",
                  "review_date", "status")


def is_staff(actor: User | None) -> bool:
    return actor is not None and actor.role in (Role.STAFF, Role.ADMIN)


def _require_staff(actor: User | None) -> None:
    if not is_staff(actor):
        raise Forbidden(MSG["staff_only"])


# ── Validation: one set of rules for the console form and every import row ──────────────────


def _split_list(value: Any, pattern: str = r"[;；,，、\n]") -> list[str]:
    if value is None:
        return []
    items = value if isinstance(value, list | tuple) else re.split(pattern, str(value))
    return [str(x).strip() for x in items if str(x).strip()]


def _parse_date(value: Any) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        raise InvalidInput(MSG["review_date"], field="review_date") from None


def clean_fields(data: dict[str, Any], *, partial: bool = False) -> dict[str, Any]:
    """Checked and normalised content fields; InvalidInput (field, Chinese message) on the first
    problem. `partial`: only the fields present are checked (an edit)."""
    out: dict[str, Any] = {}

    def has(name: str) -> bool:
        return name in data and not (partial and data[name] is None)

    if has("kind") or not partial:
        kind = str(data.get("kind") or "faq").strip().lower()
        if kind not in ("faq", "doc"):
            raise InvalidInput(MSG["kind"], field="kind")
        out["kind"] = KbKind(kind)
    for name, limit, low in (("category", 32, 1), ("title", 200, 2), ("body", 20000, 1)):
        if has(name) or not partial:
            text = str(data.get(name) or "").strip()
            if not (low <= len(text) <= limit):
                raise InvalidInput(MSG[name], field=name)
            out[name] = text
    if has("tags") or not partial:
        tags = list(dict.fromkeys(_split_list(data.get("tags"))))
        if len(tags) > 20 or any(len(t) > 20 for t in tags):
            raise InvalidInput(MSG["tags"], field="tags")
        out["tags"] = tags
    if has("alt_questions") or not partial:
        alts = _split_list(data.get("alt_questions"), r"[\n|｜]")
        if len(alts) > 20 or any(len(q) > 200 for q in alts):
            raise InvalidInput(MSG["alt_questions"], field="alt_questions")
        out["alt_questions"] = alts
    if has("owner") or not partial:
        owner = str(data.get("owner") or "").strip()
        if len(owner) > 64:
            raise InvalidInput(MSG["owner"], field="owner")
        out["owner"] = owner
    if has("review_date") or not partial:
        out["review_date"] = _parse_date(data.get("review_date"))
    if has("status") or not partial:
        status = str(data.get("status") or "published").strip().lower()
        if status not in ("published", "retired"):
            raise InvalidInput(MSG["status"], field="status")
        out["status"] = KbStatus(status)
    return out


def _check_id(entry_id: Any) -> str:
    entry_id = str(entry_id or "").strip()
    if not ID_RE.match(entry_id):
        raise InvalidInput(MSG["id"], field="id")
    return entry_id


def _check_note(note: str | None) -> str:
    note = (note or "").strip()
    if len(note) > 200:
        raise InvalidInput(MSG["note"], field="note")
    return note


# ── The engine and keeping it in step ──────────────────────────────────────────────────────


def engine():
    """This process's search engine (the knowledge_base package's shared instance, under the
    app's data directory or on the configured Chroma server)."""
    from knowledge_base import get_knowledge_base

    return get_knowledge_base()


def to_engine_entry(row: KbEntry):
    """The knowledge_base `Entry` for a stored entry."""
    from knowledge_base.content import Entry

    return Entry.from_dict({
        "id": row.id,
        "kind": KbKind(row.kind).value,
        "category": row.category,
        "title": row.title,
        "body": row.body,
        "tags": list(row.tags or []),
        "alt_questions": list(row.alt_questions or []),
        "version": row.version,
        "owner": row.owner or "-",
        "review_date": row.review_date or date.today(),
        "status": KbStatus(row.status).value,
    })


@dataclass
class _SyncState:
    key: tuple | None = None
    generation: int = -1


_sync = _SyncState()
_sync_lock = threading.Lock()


def _current_generation(session: Session) -> int:
    return session.scalar(select(KbState.generation).where(KbState.id == 1)) or 0


def _bump_generation(session: Session) -> int:
    """The next generation; the UPDATE's row lock orders concurrent saves on PostgreSQL, so
    no replica can see a later generation committed before an earlier one."""
    result = session.execute(
        update(KbState).where(KbState.id == 1).values(generation=KbState.generation + 1)
    )
    if result.rowcount == 0:
        session.add(KbState(id=1, generation=1))
        session.flush()
        return 1
    return _current_generation(session)


def _apply(kb, rows: list[KbEntry]) -> None:
    for row in rows:
        kb.upsert(to_engine_entry(row))  # a retired entry is taken out


def sync_engine(session: Session, kb=None) -> int:
    """Bring this process's engine up to the database; returns the generation it now reflects.
    Nothing changed: one primary-key read. First call for a database: a full pass (unchanged
    entries are not re-embedded)."""
    kb = kb or engine()
    key = (id(kb), str(session.get_bind().url))
    generation = _current_generation(session)
    with _sync_lock:
        if _sync.key == key and _sync.generation == generation:
            return generation
        if _sync.key != key or generation < _sync.generation:  # another database at this URL
            kb.reindex(entries_for_index(session))
        else:
            _apply(kb, list(session.scalars(select(KbEntry).where(KbEntry.generation > _sync.generation))))
        _sync.key, _sync.generation = key, generation
        return generation


def _after_commit_apply(session: Session, row: KbEntry) -> None:
    """Once the save is committed, put it into this process's engine (not before: a rolled-back
    save must never be searchable)."""
    session.info.setdefault("kb_pending", {})[row.id] = to_engine_entry(row)
    session.info["kb_url"] = str(session.get_bind().url)


@event.listens_for(Session, "after_commit")
def _apply_pending(session: Session) -> None:
    items = session.info.pop("kb_pending", None)
    url = session.info.pop("kb_url", None)
    # An engine that never synced with this database does a full pass on its first question.
    if not items or _sync.key is None or _sync.key[1] != url:
        return
    kb = engine()
    with _sync_lock:
        for item in items.values():
            kb.upsert(item)  # a retired entry is taken out


@event.listens_for(Session, "after_rollback")
def _drop_pending(session: Session) -> None:
    session.info.pop("kb_pending", None)
    session.info.pop("kb_url", None)


# ── Entries ───────────────────────────────────────────────────────────────────────────────


def _author_name(actor: User | None) -> str:
    if actor is None:
        return "系统"
    return (actor.display_name or actor.username)[:64]


def _snapshot(row: KbEntry, actor: User | None, note: str) -> KbVersion:
    return KbVersion(
        entry_id=row.id, version=row.version, kind=row.kind, category=row.category,
        title=row.title, body=row.body, tags=list(row.tags or []),
        alt_questions=list(row.alt_questions or []), owner=row.owner,
        review_date=row.review_date, status=row.status, note=note,
        author_id=actor.id if actor else None, author_name=_author_name(actor),
    )


def _save(session: Session, row: KbEntry, actor: User | None, note: str) -> KbEntry:
    row.generation = _bump_generation(session)
    row.updated_at = utcnow()
    session.add(row)
    session.add(_snapshot(row, actor, note))
    session.flush()
    _after_commit_apply(session, row)
    return row


def _visible(row: KbEntry | None, actor: User | None) -> bool:
    return row is not None and (row.status == KbStatus.PUBLISHED or is_staff(actor))


def get_entry(session: Session, actor: User | None, entry_id: str) -> KbEntry:
    row = session.get(KbEntry, str(entry_id)[:64])
    if not _visible(row, actor):
        raise NotFound(MSG["not_found"])
    return row


def list_entries(session: Session, actor: User | None, category: str | None = None,
                 q: str | None = None, include_retired: bool = False,
                 status: str | None = None) -> list[KbEntry]:
    """Entries by category and keywords (every word must appear in the title, body, tags or
    alternative questions). Only staff see retired ones."""
    stmt = select(KbEntry)
    if not (include_retired and is_staff(actor)):
        stmt = stmt.where(KbEntry.status == KbStatus.PUBLISHED)
    elif status in ("published", "retired"):
        stmt = stmt.where(KbEntry.status == KbStatus(status))
    if category:
        stmt = stmt.where(KbEntry.category == category)
    rows = list(session.scalars(stmt.order_by(KbEntry.category, KbEntry.id)))
    words = [w.lower()[:50] for w in (q or "").split()[:8]]
    if not words:
        return rows
    # In Python: a knowledge base is thousands of rows at most, and tags/alternative questions
    # are JSON (stored escaped), which SQL LIKE cannot search portably.
    return [r for r in rows if all(w in _haystack(r) for w in words)]


def _haystack(row: KbEntry) -> str:
    return " ".join([row.id, row.title, row.body, *(row.tags or []), *(row.alt_questions or [])]).lower()


def categories(session: Session) -> list[dict[str, Any]]:
    rows = session.execute(
        select(KbEntry.category, func.count())
        .where(KbEntry.status == KbStatus.PUBLISHED)
        .group_by(KbEntry.category)
        .order_by(KbEntry.category)
    ).all()
    return [{"name": name, "count": n} for name, n in rows]


def create_entry(session: Session, actor: User | None, data: dict[str, Any], *,
                 note: str = "", ip: str | None = None, queue_item_id: int | None = None) -> KbEntry:
    _require_staff(actor)
    entry_id = _check_id(data.get("id"))
    fields = clean_fields(data)
    note = _check_note(note)
    if session.get(KbEntry, entry_id) is not None:
        raise Conflict(MSG["exists"].format(id=entry_id), field="id")
    row = KbEntry(id=entry_id, version=1, **fields)
    _save(session, row, actor, note or "新建")
    audit.record(session, actor, "kb.entry.create", "kb_entry", entry_id, ip=ip, title=row.title)
    if queue_item_id is not None:
        close_queue_item(session, actor, queue_item_id, resolved_entry_id=entry_id, ip=ip)
    return row


def _changed(row: KbEntry, fields: dict[str, Any]) -> bool:
    return any(getattr(row, k) != v for k, v in fields.items())


def update_entry(session: Session, actor: User | None, entry_id: str, data: dict[str, Any], *,
                 note: str = "", ip: str | None = None) -> KbEntry:
    """Save an edit as a new version (fields left out keep their value)."""
    _require_staff(actor)
    row = get_entry(session, actor, entry_id)
    fields = clean_fields(data, partial=True)
    note = _check_note(note)
    if not _changed(row, fields):
        raise InvalidInput(MSG["unchanged"])
    before = row.version
    for k, v in fields.items():
        setattr(row, k, v)
    row.version = before + 1
    _save(session, row, actor, note)
    audit.record(session, actor, "kb.entry.update", "kb_entry", row.id, ip=ip,
                 version=row.version, fields=sorted(fields))
    return row


def retire_entry(session: Session, actor: User | None, entry_id: str, *, note: str = "",
                 ip: str | None = None) -> KbEntry:
    """Out of search and the FAQ page at once; the history stays and a rollback can restore it."""
    _require_staff(actor)
    row = get_entry(session, actor, entry_id)
    if row.status == KbStatus.RETIRED:
        raise InvalidInput(MSG["retired_already"])
    row.status = KbStatus.RETIRED
    row.version += 1
    _save(session, row, actor, _check_note(note) or MSG["retired"])
    audit.record(session, actor, "kb.entry.retire", "kb_entry", row.id, ip=ip, version=row.version)
    return row


def rollback(session: Session, actor: User | None, entry_id: str, version: int, *,
             ip: str | None = None) -> KbEntry:
    """A new version whose content (status included) equals version `version`."""
    _require_staff(actor)
    row = get_entry(session, actor, entry_id)
    old = session.scalar(
        select(KbVersion).where(KbVersion.entry_id == row.id, KbVersion.version == version)
    )
    if old is None:
        raise NotFound(MSG["no_version"].format(id=row.id, version=version))
    if version == row.version:
        raise InvalidInput(MSG["same_version"].format(version=version))
    for k in CONTENT_FIELDS:
        value = getattr(old, k)
        setattr(row, k, list(value) if isinstance(value, list) else value)
    row.version += 1
    _save(session, row, actor, MSG["rolled_back"].format(version=version))
    audit.record(session, actor, "kb.entry.rollback", "kb_entry", row.id, ip=ip,
                 to_version=version, version=row.version)
    return row


def _render(v: KbVersion) -> list[str]:
    """A version as lines for the diff: the fields staff edit, then the body line by line."""
    head = [
        f"标题：{v.title}",
        f"分类：{v.category}",
        f"标签：{'、'.join(v.tags or [])}",
        f"同义问法：{'｜'.join(v.alt_questions or [])}",
        f"负责人：{v.owner}",
        f"复核日期：{v.review_date.isoformat() if v.review_date else ''}",
        f"状态：{'已发布' if v.status == KbStatus.PUBLISHED else '已下线'}",
        "正文：",
    ]
    return head + v.body.splitlines()


def diff_lines(old: KbVersion | None, new: KbVersion) -> list[dict[str, str]]:
    """Added and removed lines between two versions, with two lines of context."""
    before = _render(old) if old else []
    out = []
    for line in difflib.unified_diff(before, _render(new), lineterm="", n=2):
        if line.startswith(("---", "+++")):
            continue
        if line.startswith("@@"):
            if out:  # a gap between two runs of changes, not before the first
                out.append({"op": "gap", "text": "…"})
        else:
            out.append({"op": {"+": "added", "-": "removed"}.get(line[:1], "same"), "text": line[1:]})
    return out


def history(session: Session, actor: User | None, entry_id: str) -> list[dict[str, Any]]:
    """Every version, newest first, each with its diff against the one before."""
    _require_staff(actor)
    row = get_entry(session, actor, entry_id)
    versions = list(session.scalars(
        select(KbVersion).where(KbVersion.entry_id == row.id).order_by(KbVersion.version)
    ))
    out = []
    for i, v in enumerate(versions):
        out.append({"version": v, "diff": diff_lines(versions[i - 1] if i else None, v)})
    return out[::-1]


# ── Seed, index feed ────────────────────────────────────────────────────────────────────────


def seed_from_content(session: Session, author: User | None = None) -> int:
    """Fill an empty knowledge base from the YAML/Markdown shipped in knowledge_base/content.
    Does nothing when any entry exists (staff own the content from then on). Returns entries
    written."""
    if session.scalar(select(func.count()).select_from(KbEntry)):
        return 0
    from knowledge_base.content import load_content

    entries = load_content()
    generation = _bump_generation(session)
    for item in entries:
        fields = clean_fields({k: getattr(item, k) for k in CONTENT_FIELDS})
        row = KbEntry(id=item.id, version=int(getattr(item, "version", 1) or 1),
                      generation=generation, **fields)
        session.add(row)
        session.add(_snapshot(row, author, MSG["seeded"]))
    session.flush()
    return len(entries)


def entries_for_index(session: Session) -> list:
    """Every published entry as a knowledge_base `Entry` (what `shuiwu kb reindex` feeds in)."""
    rows = session.scalars(select(KbEntry).where(KbEntry.status == KbStatus.PUBLISHED).order_by(KbEntry.id))
    return [to_engine_entry(r) for r in rows]


# ── Questions, ratings, the staff queue ─────────────────────────────────────────────────────


def _clean_question(question: str | None) -> str:
    text = " ".join((question or "").split())
    if not text or len(text) > 500:
        raise InvalidInput(MSG["question"], field="question")
    return text


def ask(session: Session, actor: User | None, question: str, channel: str = "web"):
    """The knowledge base's answer to a question (anyone may ask). A question it is not sure
    about goes into the staff queue."""
    text = _clean_question(question)
    kb = engine()
    sync_engine(session, kb)
    answer = kb.ask(text)
    if not answer.confident:
        record_unanswered(session, text, channel)
    return answer


def _enqueue(session: Session, question: str, reason: QueueReason, channel: str,
             entry_id: str | None = None) -> KbQueueItem:
    item = session.scalar(
        select(KbQueueItem).where(
            KbQueueItem.status == QueueStatus.OPEN,
            KbQueueItem.reason == reason,
            KbQueueItem.question == question,
            KbQueueItem.entry_id.is_(None) if entry_id is None else KbQueueItem.entry_id == entry_id,
        )
    )
    if item is None:
        item = KbQueueItem(question=question, reason=reason, channel=channel[:16], entry_id=entry_id,
                           times=1)
        session.add(item)
    else:
        item.times += 1
        item.updated_at = utcnow()
    session.flush()
    return item


def record_unanswered(session: Session, question: str, channel: str = "web") -> KbQueueItem:
    return _enqueue(session, _clean_question(question), QueueReason.UNANSWERED, channel)


def rate(session: Session, actor: User | None, entry_id: str, helpful: bool,
         question: str | None = None, channel: str = "web") -> KbFeedback:
    """有帮助/没帮助 on a published entry; a down-vote puts the question (or, without one, the
    entry's own title) into the staff queue."""
    row = get_entry(session, None, entry_id)
    text = " ".join((question or "").split())[:500]
    feedback = KbFeedback(entry_id=row.id, helpful=bool(helpful), question=text,
                          user_id=actor.id if actor else None)
    session.add(feedback)
    if not helpful:
        _enqueue(session, text or row.title, QueueReason.DOWNVOTED, channel, entry_id=row.id)
    session.flush()
    return feedback


def feedback_counts(session: Session, entry_ids: list[str]) -> dict[str, dict[str, int]]:
    if not entry_ids:
        return {}
    rows = session.execute(
        select(KbFeedback.entry_id, KbFeedback.helpful, func.count())
        .where(KbFeedback.entry_id.in_(entry_ids))
        .group_by(KbFeedback.entry_id, KbFeedback.helpful)
    ).all()
    out: dict[str, dict[str, int]] = {}
    for entry_id, helpful, n in rows:
        out.setdefault(entry_id, {"helpful": 0, "unhelpful": 0})["helpful" if helpful else "unhelpful"] = n
    return out


def queue(session: Session, actor: User | None, status: str = "open",
          limit: int = 200) -> list[KbQueueItem]:
    _require_staff(actor)
    stmt = select(KbQueueItem)
    if status in ("open", "done"):
        stmt = stmt.where(KbQueueItem.status == QueueStatus(status))
    stmt = stmt.order_by(KbQueueItem.times.desc(), KbQueueItem.updated_at.desc()).limit(limit)
    return list(session.scalars(stmt))


def close_queue_item(session: Session, actor: User | None, item_id: int, *,
                     resolved_entry_id: str | None = None, ip: str | None = None) -> KbQueueItem:
    _require_staff(actor)
    item = session.get(KbQueueItem, item_id)
    if item is None:
        raise NotFound(MSG["queue_missing"])
    if resolved_entry_id is not None:
        item.resolved_entry_id = get_entry(session, actor, resolved_entry_id).id
    item.status = QueueStatus.DONE
    item.closed_at = utcnow()
    item.closed_by_id = actor.id
    session.flush()
    audit.record(session, actor, "kb.queue.close", "kb_queue", item.id, ip=ip,
                 entry=item.resolved_entry_id)
    return item


# ── Bulk import and export ──────────────────────────────────────────────────────────────────


def _row_out(row: KbEntry) -> list[Any]:
    return [row.id, KbKind(row.kind).value, row.category, row.title, row.body,
            "；".join(row.tags or []), "\n".join(row.alt_questions or []), row.owner,
            row.review_date.isoformat() if row.review_date else "", KbStatus(row.status).value]


def export_entries(session: Session, actor: User | None, fmt: str = "csv") -> tuple[bytes, str]:
    """Every entry (retired included) as CSV (UTF-8 with BOM, opens in Excel) or .xlsx;
    returns (bytes, media type). Re-importing the file changes nothing."""
    _require_staff(actor)
    rows = [_row_out(r) for r in session.scalars(select(KbEntry).order_by(KbEntry.category, KbEntry.id))]
    if fmt == "xlsx":
        from openpyxl import Workbook

        wb = Workbook()
        ws = wb.active
        ws.title = "知识库"
        ws.append(list(COLUMNS))
        for r in rows:
            ws.append(r)
        buf = io.BytesIO()
        wb.save(buf)
        return buf.getvalue(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    if fmt != "csv":
        raise InvalidInput(MSG["format"], field="format")
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    return ("\ufeff" + buf.getvalue()).encode("utf-8"), "text/csv; charset=utf-8"


def _read_rows(content: bytes, fmt: str) -> list[list[Any]]:
    if fmt == "xlsx":
        if not content.startswith(b"PK"):
            raise InvalidInput(MSG["not_xlsx"], field="file")
        from openpyxl import load_workbook

        try:
            wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
            ws = wb.worksheets[0]
            rows = []
            for values in ws.iter_rows(values_only=True):
                rows.append(list(values))
                if len(rows) > MAX_IMPORT_ROWS + 1:
                    break
            wb.close()
            return rows
        except (zipfile.BadZipFile, KeyError, ValueError, OSError, IndexError, TypeError):
            raise InvalidInput(MSG["not_xlsx"], field="file") from None
    if fmt != "csv":
        raise InvalidInput(MSG["format"], field="format")
    if b"\x00" in content[:4096]:
        raise InvalidInput(MSG["not_csv"], field="file")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise InvalidInput(MSG["not_csv"], field="file")
    try:
        return list(csv.reader(io.StringIO(text)))
    except csv.Error:
        raise InvalidInput(MSG["not_csv"], field="file") from None


def _header(row: list[Any]) -> list[str | None]:
    names = []
    for cell in row:
        name = str(cell or "").strip()
        name = HEADER_ALIASES.get(name, name.lower())
        names.append(name if name in COLUMNS else None)
    return names


def import_entries(session: Session, actor: User | None, content: bytes, fmt: str, *,
                   ip: str | None = None) -> dict[str, int]:
    """Create or update entries from a CSV/Excel file with the export's columns. Every row is
    checked first; any error and nothing is written (the message names the rows)."""
    _require_staff(actor)
    fmt = (fmt or "").lower().lstrip(".")
    if fmt not in ("csv", "xlsx"):
        raise InvalidInput(MSG["format"], field="format")
    if not content:
        raise InvalidInput(MSG["empty_file"], field="file")
    if len(content) > MAX_IMPORT_BYTES:
        raise InvalidInput(MSG["too_big"], field="file")
    rows = [r for r in _read_rows(content, fmt) if any(str(c or "").strip() for c in r)]
    if not rows:
        raise InvalidInput(MSG["empty_file"], field="file")
    header = _header(rows[0])
    if not set(REQUIRED_COLUMNS) <= set(header):
        raise InvalidInput(MSG["no_header"].format(columns="、".join(REQUIRED_COLUMNS)), field="file")
    body = rows[1:]
    if not body:
        raise InvalidInput(MSG["no_rows"], field="file")
    if len(body) > MAX_IMPORT_ROWS:
        raise InvalidInput(MSG["too_many"].format(n=MAX_IMPORT_ROWS), field="file")

    errors: list[str] = []
    parsed: list[tuple[str, dict[str, Any]]] = []
    seen: set[str] = set()
    for number, values in enumerate(body, start=2):
        data = {name: values[i] if i < len(values) else None for i, name in enumerate(header) if name}
        try:
            entry_id = _check_id(data.get("id"))
            if entry_id in seen:
                raise InvalidInput(MSG["dup_row"].format(id=entry_id))
            seen.add(entry_id)
            parsed.append((entry_id, clean_fields(data)))
        except InvalidInput as e:
            errors.append(f"第 {number} 行：{e.message}")
    if errors:
        detail = "；".join(errors[:10]) + ("；……" if len(errors) > 10 else "")
        raise InvalidInput(MSG["rows_bad"].format(n=len(errors), detail=detail), field="file")

    created = updated = unchanged = 0
    for entry_id, fields in parsed:
        row = session.get(KbEntry, entry_id)
        if row is None:
            _save(session, KbEntry(id=entry_id, version=1, **fields), actor, MSG["imported"])
            created += 1
        elif _changed(row, fields):
            for k, v in fields.items():
                setattr(row, k, v)
            row.version += 1
            _save(session, row, actor, MSG["imported"])
            updated += 1
        else:
            unchanged += 1
    audit.record(session, actor, "kb.import", "kb_entry", None, ip=ip, format=fmt,
                 created=created, updated=updated, unchanged=unchanged)
    return {"created": created, "updated": updated, "unchanged": unchanged}
