"""`shuiwu kb ask --json` prints the contract's shape."""

from __future__ import annotations

import json

from typer.testing import CliRunner

import knowledge_base.kb as kb_module
from shuiwu.cli import app


def test_kb_ask_json_prints_answer_confident_and_sources(kb, monkeypatch):
    monkeypatch.setattr(kb_module, "_default", kb)
    result = CliRunner().invoke(app, ["kb", "ask", "热线电话是多少", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert list(data)[:3] == ["answer", "confident", "sources"]
    assert data["confident"] is True
    assert "0000-96606" in data["answer"]
    assert data["sources"][0]["id"] == "human-01"
    assert set(data["sources"][0]) >= {"id", "title", "score"}
    assert isinstance(data["sources"][0]["score"], float)


def test_kb_ask_json_not_sure(kb, monkeypatch):
    monkeypatch.setattr(kb_module, "_default", kb)
    result = CliRunner().invoke(app, ["kb", "ask", "物业费每平米多少钱", "--json"])
    data = json.loads(result.output)
    assert data["confident"] is False
    assert len(data["suggestions"]) == 2
