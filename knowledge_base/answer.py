"""Compose the resident's answer from retrieval hits: the best entry's answer, trimmed and cited,
plus up to two related questions — or, below the confidence threshold, an honest "not sure" with
the two closest questions and a human."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from knowledge_base import messages
from knowledge_base.chunking import split_sentences
from knowledge_base.retrieval import Hit

ENTRY_URL = "/faq?entry={id}"


@dataclass
class Answer:
    text: str  # Markdown, Chinese
    confident: bool
    sources: list[dict] = field(default_factory=list)  # [{id, title, score, url}]
    related: list[dict] = field(default_factory=list)  # [{id, question}] to tap next
    suggestions: list[dict] = field(default_factory=list)  # not confident: the closest two
    handoff: bool = False  # offer a human

    def to_dict(self) -> dict:
        return asdict(self)


def trim(text: str, limit: int) -> tuple[str, bool]:
    """Whole sentences up to `limit` characters; the first sentence is always kept."""
    if len(text) <= limit:
        return text, False
    out = ""
    for sentence in split_sentences(text):
        if out and len(out) + len(sentence) > limit:
            break
        out += sentence
    return out, len(out) < len(text)


def entry_title(hit: Hit) -> str:
    """The FAQ question, or the document's title (without the heading breadcrumb)."""
    return hit.chunk.title.split(" › ")[0]


def _question(hit: Hit) -> dict:
    return {"id": hit.entry_id, "question": entry_title(hit)}


def _source(hit: Hit, url_pattern: str) -> dict:
    return {"id": hit.entry_id, "title": entry_title(hit), "score": round(hit.confidence, 3),
            "url": url_pattern.format(id=hit.entry_id)}


def compose(hits: list[Hit], threshold: float, *, max_chars: int = 220, related_min: float = 0.3,
            url_pattern: str = ENTRY_URL) -> Answer:
    if not hits:
        return Answer(messages.NOT_SURE_EMPTY + "\n\n" + messages.HUMAN_HINT, False, handoff=True)
    best = hits[0]
    if best.confidence < threshold:
        closest = [_question(h) for h in hits[:2]]
        lines = [messages.NOT_SURE, *(f"- {q['question']}" for q in closest), f"- {messages.HUMAN_OPTION}"]
        return Answer("\n".join(lines) + "\n\n" + messages.HUMAN_HINT, False,
                      sources=[_source(h, url_pattern) for h in hits[:2]], suggestions=closest, handoff=True)
    body, cut = trim(best.chunk.text, max_chars)
    src = _source(best, url_pattern)
    text = body + (messages.MORE if cut else "") + messages.CITATION.format(title=src["title"], url=src["url"])
    related = [_question(h) for h in hits[1:] if h.confidence >= related_min and h.entry_id != best.entry_id][:2]
    return Answer(text, True, sources=[src], related=related)
