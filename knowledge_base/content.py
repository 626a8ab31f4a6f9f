"""Knowledge-base entries and the seed content shipped as YAML (FAQ) and Markdown (documents).

The files are the seed; once the database holds the entries, staff edit them there and the app
feeds `Entry` objects to the index (`KnowledgeBase.reindex`, `upsert`, `retire`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import yaml

CONTENT_DIR = Path(__file__).resolve().parent / "content"

FAQ = "faq"
DOC = "doc"
KINDS = (FAQ, DOC)
PUBLISHED = "published"
RETIRED = "retired"
STATUSES = (PUBLISHED, RETIRED)

# In the seed files an FAQ's title is written `question` and its body `answer`.
_ALIASES = {"question": "title", "answer": "body"}
REQUIRED_FIELDS = ("id", "category", "title", "body", "version", "owner", "review_date")


@dataclass
class Entry:
    """One FAQ entry (title = the question, body = the answer) or one long Markdown document."""

    id: str
    kind: str
    category: str
    title: str
    body: str
    tags: list[str]
    version: int
    owner: str
    review_date: dt.date
    alt_questions: list[str] = field(default_factory=list)
    status: str = PUBLISHED

    @property
    def published(self) -> bool:
        return self.status == PUBLISHED

    @property
    def fingerprint(self) -> str:
        """Changes whenever anything searchable changes."""
        raw = "\x1f".join([self.kind, self.category, self.title, self.body, *self.tags, *self.alt_questions])
        return hashlib.sha1(raw.encode("utf-8")).hexdigest()[:16]

    def to_dict(self) -> dict:
        data = asdict(self)
        data["review_date"] = self.review_date.isoformat()
        return data

    @classmethod
    def from_dict(cls, data: dict, kind: str | None = None) -> Entry:
        data = {_ALIASES.get(k, k): v for k, v in data.items()}
        missing = [f for f in REQUIRED_FIELDS if data.get(f) in (None, "")]
        if missing:
            raise ValueError(f"知识库条目 {data.get('id', '?')} 缺少字段：{'、'.join(missing)}")
        kind = str(data.get("kind") or kind or FAQ)
        if kind not in KINDS:
            raise ValueError(f"知识库条目 {data['id']} 的类型只能是 faq 或 doc，收到：{kind}")
        status = str(data.get("status") or PUBLISHED)
        if status not in STATUSES:
            raise ValueError(f"知识库条目 {data['id']} 的状态只能是 published 或 retired，收到：{status}")
        review = data["review_date"]
        if isinstance(review, str):
            try:
                review = dt.date.fromisoformat(review.strip())
            except ValueError:
                raise ValueError(f"知识库条目 {data['id']} 的复核日期格式应为 YYYY-MM-DD：{review}") from None
        elif isinstance(review, dt.datetime):
            review = review.date()
        return cls(
            id=str(data["id"]).strip(),
            kind=kind,
            category=str(data["category"]).strip(),
            title=str(data["title"]).strip(),
            body=str(data["body"]).strip(),
            tags=[str(t).strip() for t in data.get("tags") or () if str(t).strip()],
            version=int(data["version"]),
            owner=str(data["owner"]).strip(),
            review_date=review,
            alt_questions=[str(q).strip() for q in data.get("alt_questions") or () if str(q).strip()],
            status=status,
        )


def load_faq_file(path: Path) -> list[Entry]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return [Entry.from_dict(item, FAQ) for item in data.get("entries", [])]


def load_document(path: Path) -> Entry:
    """A Markdown file with a YAML front matter block (id, category, tags, version, owner,
    review_date); the first `# ` heading is the title."""
    text = path.read_text(encoding="utf-8")
    if not text.startswith("---"):
        raise ValueError(f"{path.name}：文档缺少 front matter")
    _, front, body = text.split("---", 2)
    meta = yaml.safe_load(front) or {}
    body = body.strip()
    title = meta.get("title")
    if not title:
        first = body.splitlines()[0] if body else ""
        title = first.lstrip("#").strip() if first.startswith("# ") else path.stem
    return Entry.from_dict({**meta, "title": title, "body": body}, DOC)


def load_content(path: Path | str | None = None) -> list[Entry]:
    """The seed entries: `faq/*.yaml` and `docs/*.md` under `path` (default: the package's)."""
    root = Path(path) if path else CONTENT_DIR
    entries: list[Entry] = []
    for file in sorted((root / "faq").glob("*.yaml")):
        entries.extend(load_faq_file(file))
    for file in sorted((root / "docs").glob("*.md")):
        entries.append(load_document(file))
    _check_unique(entries)
    return entries


def _check_unique(entries: Iterable[Entry]) -> None:
    seen: set[str] = set()
    for e in entries:
        if e.id in seen:
            raise ValueError(f"知识库条目 id 重复：{e.id}")
        seen.add(e.id)
