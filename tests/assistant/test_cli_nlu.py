"""`shuiwu nlu parse` without a Rasa server, and the held-out set kept apart from training."""

from __future__ import annotations

from typer.testing import CliRunner

from shuiwu.cli import app
from shuiwu.cli_nlu import (
    HELDOUT,
    TRAINING,
    _examples,
    _heldout_pairs,
    _ood_texts,
    confusion_pairs,
    ood_summary,
)


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


def test_the_out_of_domain_set_is_never_in_training():
    ood = _ood_texts()
    texts = [t for group in ood.values() for t in group]
    assert set(ood) == {"gibberish", "off_topic"} and len(texts) >= 40
    assert all(isinstance(t, str) and t for t in texts)  # "0000" stays text, not the number 0
    assert not set(texts) & _examples(TRAINING)
    assert len(_heldout_pairs()) == len(_examples(HELDOUT))


def test_ood_summary_counts_what_is_not_acted_on():
    ood = {"gibberish": ["阿巴阿巴", "asdf"], "off_topic": ["讲个笑话听听", "北京到上海多远"]}
    predicted = {"阿巴阿巴": "affirm", "asdf": "nlu_fallback", "讲个笑话听听": "out_of_scope",
                 "北京到上海多远": "nlu_fallback"}
    summary = ood_summary(ood, predicted)
    assert summary["share"] == 0.75 and summary["groups"] == {"gibberish": 0.5, "off_topic": 1.0}
    assert summary["taken_as_affirm"] == 1
    assert summary["missed"] == [{"text": "阿巴阿巴", "predicted": "affirm"}]


def test_the_oov_word_list_matches_the_training_data():
    """config.yml's OOV_words is generated from data/nlu.yml; after the data changes it must be
    regenerated (cd assistant && ../.venv-rasa/bin/python eval/oov_words.py), or the model
    trains with a stale notion of "unknown word"."""
    import importlib.util
    import json
    import re

    from shuiwu.config import ROOT

    spec = importlib.util.spec_from_file_location("oov_words", ROOT / "assistant/eval/oov_words.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    config = (ROOT / "assistant/config.yml").read_text(encoding="utf-8")
    written = json.loads(re.search(r"^    OOV_words: (.*)$", config, re.M).group(1))
    assert written == module.oov_words(), "OOV_words 与 data/nlu.yml 不一致，请重新运行 eval/oov_words.py"
