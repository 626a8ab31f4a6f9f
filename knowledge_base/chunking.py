"""Split entries into searchable chunks: one chunk per FAQ (question + answer), and heading-bounded,
sentence-aligned chunks for Markdown documents."""

from __future__ import annotations

import re
from dataclasses import dataclass

from knowledge_base.content import FAQ, Entry

TARGET_CHARS = 260  # ~ one screen on a phone; e5-small sees ~512 tokens, so there is headroom
MAX_CHARS = 420
# A section's last few sentences shorter than this join the chunk before them (up to MAX_CHARS):
# alone, a fragment such as "本期水费合计95.02元。" out-scores the whole explanation in BM25 (short
# documents are favoured) and is then shown as the answer, without its context.
MIN_TAIL_CHARS = 80

# A sentence ends at 。！？； (or their ASCII forms, or a line break), together with any closing
# quotes or brackets that follow, so “……。” stays whole.
_SENTENCE_END = re.compile(r"([。！？；!?;]+[”’」』）)\]]*|\n+)")
_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_SOFT_BREAK = re.compile(r"(?<=[，、：,:])")


@dataclass(frozen=True)
class Chunk:
    id: str
    entry_id: str
    kind: str
    title: str  # entry title, plus the heading path for documents
    text: str  # what the resident is shown
    search_text: str  # what BM25 and the embedder see (title/heading + text)
    question: str = ""  # FAQ only: question + alternative phrasings, embedded on their own
    position: int = 0


def split_sentences(text: str) -> list[str]:
    """Chinese-aware sentence split; delimiters stay with their sentence."""
    parts = _SENTENCE_END.split(text)
    sentences: list[str] = []
    buf = ""
    for i, part in enumerate(parts):
        if i % 2 == 0:
            buf += part
        else:
            buf += part.strip("\n")
            if buf.strip():
                sentences.append(buf.strip())
            buf = ""
    if buf.strip():
        sentences.append(buf.strip())
    return sentences


def _hard_split(sentence: str, limit: int) -> list[str]:
    """A single sentence longer than the limit: break at commas, then by length."""
    pieces, buf = [], ""
    for clause in _SOFT_BREAK.split(sentence):
        if len(buf) + len(clause) > limit and buf:
            pieces.append(buf)
            buf = ""
        while len(clause) > limit:
            pieces.append(clause[:limit])
            clause = clause[limit:]
        buf += clause
    if buf:
        pieces.append(buf)
    return pieces


def pack_sentences(sentences: list[str], target: int = TARGET_CHARS, limit: int = MAX_CHARS) -> list[str]:
    chunks, buf = [], ""
    for sentence in sentences:
        for piece in _hard_split(sentence, limit) if len(sentence) > limit else [sentence]:
            if buf and len(buf) + len(piece) > target:
                chunks.append(buf)
                buf = ""
            buf += piece
    if buf and chunks and len(buf) < MIN_TAIL_CHARS and len(chunks[-1]) + len(buf) <= limit:
        chunks[-1] += buf
    elif buf:
        chunks.append(buf)
    return chunks


def markdown_sections(markdown: str) -> list[tuple[list[str], str]]:
    """(heading path, body text) for each section; the body keeps list items as lines."""
    sections: list[tuple[list[str], str]] = []
    path: list[tuple[int, str]] = []
    body: list[str] = []

    def flush():
        text = "\n".join(body).strip()
        if text:
            sections.append(([h for _, h in path], text))
        body.clear()

    for line in markdown.splitlines():
        m = _HEADING.match(line)
        if m:
            flush()
            level = len(m.group(1))
            path[:] = [(lv, h) for lv, h in path if lv < level]
            path.append((level, m.group(2)))
        else:
            # list markers and table pipes are layout, not words
            body.append(re.sub(r"^\s*(?:[-*+]|\d+[.、)])\s+", "", line).replace("|", " "))
    flush()
    return sections


def chunk_entry(entry: Entry, target: int = TARGET_CHARS, limit: int = MAX_CHARS) -> list[Chunk]:
    if entry.kind == FAQ:
        questions = "；".join([entry.title, *entry.alt_questions])
        tags = " ".join(entry.tags)
        return [
            Chunk(
                id=f"{entry.id}#0",
                entry_id=entry.id,
                kind=entry.kind,
                title=entry.title,
                text=entry.body,
                search_text=f"{questions}\n{entry.body}\n{entry.category} {tags}",
                question=questions,
            )
        ]
    chunks: list[Chunk] = []
    for heading_path, body in markdown_sections(entry.body):
        # the top heading repeats the title; keep the rest as the breadcrumb
        crumbs = [h for h in heading_path if h != entry.title]
        title = " › ".join([entry.title, *crumbs])
        for text in pack_sentences(split_sentences(body), target, limit):
            n = len(chunks)
            chunks.append(
                Chunk(
                    id=f"{entry.id}#{n}",
                    entry_id=entry.id,
                    kind=entry.kind,
                    title=title,
                    text=text,
                    search_text=f"{title}\n{text}",
                    position=n,
                )
            )
    return chunks
