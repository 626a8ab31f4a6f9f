"""`shuiwu nlu parse` without a Rasa server, and the held-out set kept apart from training."""

from __future__ import annotations

from typer.testing import CliRunner

from shuiwu.cli import app
from shuiwu.cli_nlu import HELDOUT, TRAINING, _examples, confusion_pairs


def test_parse_says_in_chinese_that_rasa_is_not_running(db_url):
    result = CliRunner().invoke(app, ["nlu", "parse", "我家这个月水费多少"])  # RASA_URL → port 9
    assert result.exit_code == 1
    assert "无法连接 Rasa 服务" in result.output


def test_parse_refuses_empty_and_huge_texts(db_url):
    assert "请输入要解析的文本" in CliRunner().invoke(app, ["nlu", "parse", "  "]).output
    assert "文本太长" in CliRunner().invoke(app, ["nlu", "parse", "水" * 2001]).output


def test_the_held_out_set_is_never_in_training():
    heldout, training = _examples(HELDOUT), _examples(TRAINING)
    assert len(heldout) >= 200 and len(training) >= 800
    assert not heldout & training


def test_confusion_pairs_are_counted():
    errors = [{"intent": "complain", "intent_prediction": {"name": "human_handoff"}}] * 2 + [
        {"intent": "affirm", "intent_prediction": {"name": "greet"}}]
    assert confusion_pairs(errors) == [("complain", "human_handoff", 2), ("affirm", "greet", 1)]
