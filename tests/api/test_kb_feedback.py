"""Residents and visitors read, ask and rate; what the knowledge base could not answer, and what
residents found unhelpful, lands in the staff queue, where 写新条目 closes the loop."""

from __future__ import annotations

import pytest

from shuiwu.models import KbFeedback, KbQueueItem
from tests.api.kb_helpers import ask, seed_kb, source_ids
from tests.conftest import login

OFF_TOPIC = "明天股市会涨吗"


@pytest.fixture
def people(client, session, make_user):
    seed_kb(session)
    staff, resident = make_user("staff"), make_user("resident")
    return (staff, login(client, staff.username)), (resident, login(client, resident.username))


def test_visitors_browse_by_category_and_keyword(client, people):
    listing = client.get("/api/v1/kb/entries").json()
    assert len(listing["entries"]) >= 150
    categories = {c["name"]: c["count"] for c in listing["categories"]}
    assert len(categories) >= 10 and sum(categories.values()) == len(listing["entries"])
    first = listing["categories"][0]["name"]
    in_cat = client.get("/api/v1/kb/entries", params={"category": first}).json()["entries"]
    assert in_cat and all(e["category"] == first for e in in_cat)
    found = client.get("/api/v1/kb/entries", params={"q": "黄水"}).json()["entries"]
    assert found and all("黄" in (e["title"] + e["body"] + "".join(e["tags"] + e["alt_questions"])) for e in found)
    assert client.get("/api/v1/kb/entries", params={"q": "完全不存在的词组"}).json()["entries"] == []
    assert client.get("/api/v1/kb/entries/acct-03").json()["title"] == "办理过户要收费吗？"


def test_rating_feedback_is_stored(client, session, people):
    _, (resident, headers) = people
    assert client.post("/api/v1/kb/entries/acct-03/rate", json={"helpful": True}).status_code == 204
    r = client.post("/api/v1/kb/entries/acct-03/rate", headers=headers,
                    json={"helpful": True, "question": "过户收钱吗"})
    assert r.status_code == 204
    rows = session.query(KbFeedback).order_by(KbFeedback.id).all()
    assert [(f.entry_id, f.helpful, f.user_id, f.question) for f in rows] == [
        ("acct-03", True, None, ""), ("acct-03", True, resident.id, "过户收钱吗")]
    assert session.query(KbQueueItem).count() == 0  # a thumbs-up queues nothing

    missing = client.post("/api/v1/kb/entries/no-such-entry/rate", json={"helpful": False})
    assert missing.status_code == 404 and missing.json()["error"]["message"] == "知识库条目不存在或已下线"


def test_a_down_vote_lands_in_the_staff_queue(client, session, people):
    (_, staff_headers), (_, headers) = people
    for _ in range(2):
        r = client.post("/api/v1/kb/entries/price-01/rate", headers=headers,
                        json={"helpful": False, "question": "为什么冬天水费也这么高"})
        assert r.status_code == 204
    queue = client.get("/api/v1/kb/queue", headers=staff_headers).json()
    assert len(queue) == 1
    item = queue[0]
    assert (item["question"], item["reason"], item["entry_id"], item["times"], item["status"]) == (
        "为什么冬天水费也这么高", "downvoted", "price-01", 2, "open")
    listing = client.get("/api/v1/kb/entries", params={"q": "price-01"}, headers=staff_headers).json()
    assert [(e["id"], e["unhelpful"]) for e in listing["entries"]] == [("price-01", 2)]

    closed = client.post(f"/api/v1/kb/queue/{item['id']}/close", json={}, headers=staff_headers)
    assert closed.status_code == 200 and closed.json()["status"] == "done"
    assert client.get("/api/v1/kb/queue", headers=staff_headers).json() == []


def test_an_unanswered_question_is_queued_and_a_new_entry_answers_it(client, session, people):
    (_, staff_headers), _ = people
    answer = ask(client, OFF_TOPIC)
    assert not answer["confident"] and len(answer["suggestions"]) == 2
    ask(client, OFF_TOPIC)
    [item] = client.get("/api/v1/kb/queue", headers=staff_headers).json()
    assert (item["question"], item["reason"], item["times"]) == (OFF_TOPIC, "unanswered", 2)

    entry = {
        "id": "misc-stocks", "kind": "faq", "category": "其他",
        "title": "你们能预测明天股市会不会涨吗？",
        "body": "我们是供水服务单位，不提供股票、理财等投资建议。用水、缴费方面的问题欢迎随时咨询。",
        "tags": ["股市", "投资"], "alt_questions": ["股市明天涨不涨"], "owner": "客服中心",
        "review_date": "2027-06-30", "queue_item_id": item["id"],
    }
    r = client.post("/api/v1/kb/entries", json=entry, headers=staff_headers)
    assert r.status_code == 201, r.text
    done = client.get("/api/v1/kb/queue", params={"status": "done"}, headers=staff_headers).json()
    assert [(d["id"], d["resolved_entry_id"]) for d in done] == [(item["id"], "misc-stocks")]

    again = ask(client, OFF_TOPIC)
    assert again["confident"] and source_ids(again)[0] == "misc-stocks"
    assert again["sources"][0]["url"].endswith("misc-stocks")
    assert session.query(KbQueueItem).filter_by(status="open").count() == 0


def test_bad_questions_get_chinese_messages(client, people):
    r = client.post("/api/v1/kb/ask", json={"question": "   "})
    assert r.status_code == 422 and "请输入问题" in r.json()["error"]["message"]
    r = client.post("/api/v1/kb/ask", json={"question": "水" * 501})
    assert r.status_code == 422
    r = client.post("/api/v1/kb/ask", json={"question": "过户"}, headers={"Authorization": "Bearer forged"})
    assert r.status_code == 401
