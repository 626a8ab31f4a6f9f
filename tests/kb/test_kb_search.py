"""What a resident notices: the right entry answers, an edit is served at once, a retired entry
never again, and an unclear question gets "not sure" with two suggestions and a human."""

from __future__ import annotations

import dataclasses

from langchain_core.documents import Document

from knowledge_base import KnowledgeBase
from knowledge_base.settings import KBSettings

FROZEN = "水管冻住了不出水，怎么化开"


def test_a_resident_question_finds_its_entry_and_cites_it(kb):
    answer = kb.ask(FROZEN)
    assert answer.confident
    top = answer.sources[0]
    assert top["id"] == "frost-02"
    assert top["url"] == "/faq?entry=frost-02"
    assert "温水" in answer.text or "热毛巾" in answer.text or "吹风" in answer.text
    assert "来源：[水管冻住了出不来水，怎么解冻？](/faq?entry=frost-02)" in answer.text
    assert len(answer.related) <= 2
    assert all(r["id"] != "frost-02" and r["question"] for r in answer.related)


def test_paraphrases_with_typos_find_their_entries(kb):
    for question, expected in [
        ("自来水有股漂白粉的味儿，能喝不", "qual-02"),
        ("我要找真人客服", "human-02"),
        ("交晚了有违约金吗", "late-01"),
        ("热水器出来的水黄黄的，冷水倒没事", "qual-11"),
    ]:
        assert kb.search(question, k=1)[0].entry_id == expected, question


def test_an_edited_answer_is_served_on_the_next_question(fresh_kb, kb_entries):
    before = fresh_kb.ask(FROZEN)
    assert before.sources[0]["id"] == "frost-02"
    entry = next(e for e in kb_entries if e.id == "frost-02")
    edited = dataclasses.replace(
        entry, version=entry.version + 1,
        body="请先关闭总阀，用电吹风的暖风从水龙头一侧慢慢往水表方向吹，管子解冻后再缓慢开阀。",
    )
    fresh_kb.upsert(edited)
    after = fresh_kb.ask(FROZEN)
    assert after.sources[0]["id"] == "frost-02"
    assert "电吹风的暖风" in after.text
    assert entry.body[:20] not in after.text
    # a second process opening the same Chroma sees the edit too, without re-embedding
    reopened = KnowledgeBase(KBSettings(chroma_path=fresh_kb.settings.chroma_path))
    assert "电吹风的暖风" in reopened.ask(FROZEN).text


def test_a_retired_entry_is_never_served(fresh_kb, kb_entries):
    questions = ["自来水有一股漂白粉的味道", "水里氯味很重正常吗", "自来水有股消毒水的味道，正常吗？"]
    assert fresh_kb.ask(questions[0]).sources[0]["id"] == "qual-02"
    fresh_kb.retire("qual-02")
    for q in questions:
        a = fresh_kb.ask(q)
        shown = [s["id"] for s in a.sources] + [r["id"] for r in a.related + a.suggestions]
        assert "qual-02" not in shown, q
        assert all(h.entry_id != "qual-02" for h in fresh_kb.search(q, k=20))
    # the staff console saves a retired status through upsert: also gone
    entry = next(e for e in kb_entries if e.id == "qual-11")
    fresh_kb.upsert(dataclasses.replace(entry, status="retired"))
    assert all(h.entry_id != "qual-11" for h in fresh_kb.search("只有热水发黄", k=20))
    assert fresh_kb.count() == len(kb_entries) - 2


def test_a_question_the_kb_cannot_answer_gets_not_sure_two_suggestions_and_a_human(kb):
    answer = kb.ask("小区停车位怎么申请")
    assert not answer.confident
    assert "不太确定" in answer.text and "人工" in answer.text
    assert len(answer.suggestions) == 2
    assert all(s["id"] and s["question"] for s in answer.suggestions)
    assert answer.handoff
    data = answer.to_dict()
    assert set(data) >= {"text", "confident", "sources", "related", "suggestions"}


def test_empty_and_huge_questions_are_handled(kb):
    empty = kb.ask("   ")
    assert not empty.confident and "请先输入" in empty.text
    huge = kb.ask("水管冻住了" * 2000)
    assert huge.sources and huge.sources[0]["id"].startswith(("frost", "doc-winter"))


def test_reindex_keeps_only_the_given_entries(fresh_kb, kb_entries):
    keep = [e for e in kb_entries if e.category == "联系人工"]
    computed = fresh_kb.reindex(keep)
    assert computed == 0  # unchanged entries keep their vectors
    assert fresh_kb.count() == len(keep)
    assert all(h.entry_id.startswith("human-") for h in fresh_kb.search("水管冻住了", k=10))


def test_langchain_retriever_returns_documents(kb):
    docs = kb.as_retriever(k=3).invoke("热线电话多少")
    assert docs and isinstance(docs[0], Document)
    assert docs[0].metadata["id"] == "human-01"
