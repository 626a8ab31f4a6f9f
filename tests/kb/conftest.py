"""One real knowledge base per test session: the bundled E5 model, a real embedded Chroma in a
temporary directory, a slice of the shipped content. Tests that edit entries work on a copy of
that Chroma directory, so nothing is embedded twice."""

from __future__ import annotations

import shutil

import pytest

from knowledge_base import KnowledgeBase, load_content
from knowledge_base.settings import KBSettings

# Enough neighbours to make retrieval a real choice (40 FAQ entries). Their vectors come from the
# packaged seed cache; edited texts are embedded by the model for real.
CATEGORIES = {"冻管爆管", "水质（黄水、氯味）", "联系人工", "逾期与滞纳金"}


@pytest.fixture(scope="session")
def kb_entries():
    entries = load_content()
    return [e for e in entries if e.kind == "faq" and e.category in CATEGORIES]


@pytest.fixture(scope="session")
def kb_template(tmp_path_factory, kb_entries):
    path = tmp_path_factory.mktemp("kb") / "chroma"
    kb = KnowledgeBase(KBSettings(chroma_path=path))
    kb.reindex(kb_entries)
    return kb, path


@pytest.fixture(scope="session")
def kb(kb_template):
    """Read-only: tests that change entries use `fresh_kb`."""
    return kb_template[0]


@pytest.fixture
def fresh_kb(kb_template, tmp_path):
    path = tmp_path / "chroma"
    shutil.copytree(kb_template[1], path)
    return KnowledgeBase(KBSettings(chroma_path=path))
