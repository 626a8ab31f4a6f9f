"""Shared by the knowledge-base API tests: the seeded knowledge base and quick looks at it."""

from __future__ import annotations

import hashlib

from sqlalchemy import select

from shuiwu.db import Base, new_session

KB_TABLES = ("kb_entries", "kb_versions", "kb_feedback", "kb_queue", "kb_state")


def seed_kb(session) -> int:
    from shuiwu.services.kb import seed_from_content

    written = seed_from_content(session)
    session.commit()
    return written


def kb_fingerprint() -> str:
    """One hash over every row of the knowledge-base tables, read through a new session."""
    import shuiwu.models  # noqa: F401

    digest = hashlib.sha256()
    with new_session() as s:
        for name in KB_TABLES:
            table = Base.metadata.tables[name]
            rows = s.execute(select(table).order_by(*table.primary_key.columns)).all()
            digest.update(repr(rows).encode())
    return digest.hexdigest()


def ask(client, question: str, headers: dict | None = None) -> dict:
    r = client.post("/api/v1/kb/ask", json={"question": question}, headers=headers or {})
    assert r.status_code == 200, r.text
    return r.json()


def source_ids(answer: dict) -> list[str]:
    return [s["id"] for s in answer["sources"]]
