"""The real round trip: a Rasa server with the trained model, talking to the real app's /webhook.

The suite's shared chat stack (tests/channels/stack.py): one Rasa server beside one app process
on a database of its own (SQLite file, or PostgreSQL — then Rasa's tracker store too — when
DATABASE_URL is set; Redis lock store when REDIS_URL is set).
"""

from __future__ import annotations

import json
import time
import uuid
from datetime import timedelta

import httpx
import pytest
import yaml

from actions import messages
from shuiwu.config import ROOT
from tests.channels.stack import ChatStack

pytestmark = [pytest.mark.rasa, pytest.mark.timeout(900)]  # the first test may start the shared stack

DOMAIN = yaml.safe_load((ROOT / "assistant" / "domain.yml").read_text(encoding="utf-8"))


class Stack:
    """Rasa's REST channel and NLU API on the shared chat stack."""

    def __init__(self, chat: ChatStack):
        self.chat = chat
        self.rasa = chat.rasa
        self.database_url = chat.database_url

    def say(self, text: str, sender: str | None = None, metadata: dict | None = None) -> list[dict]:
        body = {"sender": sender or f"test-{uuid.uuid4().hex[:8]}", "message": text}
        if metadata is not None:
            body["metadata"] = metadata
        response = httpx.post(f"{self.rasa}/webhooks/rest/webhook", json=body, timeout=240)
        assert response.status_code == 200, response.text
        return response.json()

    def parse(self, text: str) -> dict:
        response = httpx.post(
            f"{self.rasa}/model/parse", json={"text": text}, params=self.chat.token, timeout=30
        )
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture(scope="module")
def stack(chat_stack):
    return Stack(chat_stack)


def _texts(name: str) -> set[str]:
    return {variant["text"] for variant in DOMAIN["responses"][name]}


def _replies_text(replies: list[dict]) -> str:
    return "\n".join(r.get("text") or "" for r in replies)


@pytest.fixture(scope="module")
def residents(stack):
    """Two residents with a household each, in the database the stack's app uses."""
    from shuiwu.billing.tariffs import ensure_default_tariffs
    from shuiwu.models import BillStatus, Role
    from shuiwu.services import accounts
    from shuiwu.timeutil import today_local
    from tests.api.homes import make_home

    with stack.chat.session() as session:
        ensure_default_tariffs(session)
        tag = uuid.uuid4().hex[:6]
        a = accounts.create_user(session, None, username=f"rasa_a_{tag}", password="Qinghe2026water",
                                 role=Role.RESIDENT)
        b = accounts.create_user(session, None, username=f"rasa_b_{tag}", password="Qinghe2026water",
                                 role=Role.RESIDENT)
        session.commit()
        # "上个月" is read by the app against today's date: last month's bill is the unpaid one.
        last = today_local().replace(day=1) - timedelta(days=1)
        before = last.replace(day=1) - timedelta(days=1)
        home_a = make_home(session, f"31{uuid.uuid4().int % 10**8:08d}", owner=a, bills=(
            (before.replace(day=1), "71.30", BillStatus.PAID),
            (last.replace(day=1), "86.72", BillStatus.UNPAID)))
        home_b = make_home(session, f"32{uuid.uuid4().int % 10**8:08d}", owner=b,
                           bills=((10, "123.45", BillStatus.UNPAID),))
        return (a.id, home_a.account_no), (b.id, home_b.account_no)


def _as_user(stack, user_id: int) -> dict:
    """What the verified web channel adds to every message of a logged-in user (whose login
    session, in the stack's database, is live: actions check it)."""
    from shuiwu.models import User
    from shuiwu.services import sessions

    with stack.chat.session() as session:
        issued = sessions.start(session, session.get(User, user_id), method="password",
                                remember=False, ip="127.0.0.1", user_agent="pytest", device_id="pytest")
        session.commit()
        sid = issued.auth.id
    return {"sender": f"user-{user_id}", "metadata": {"auth": {
        "user_id": user_id, "role": "resident", "channel": "web", "session_id": sid}}}


def test_nlu_understands_a_bill_question(stack):
    parsed = stack.parse("我想查一下这个月的水费")
    assert parsed["intent"]["name"] == "query_bill", parsed["intent_ranking"][:3]
    assert {"entity": "period", "value": "本月"}.items() <= next(
        e for e in parsed["entities"] if e["entity"] == "period").items()

    started = time.perf_counter()
    for _ in range(10):
        stack.parse("我家这个月用了多少水")
    print(f"\n/model/parse 平均 {(time.perf_counter() - started) * 100:.1f} 毫秒")


def test_shuiwu_nlu_parse_prints_the_parse(stack, monkeypatch):
    from typer.testing import CliRunner

    from shuiwu.cli import app
    from shuiwu.config import get_settings

    monkeypatch.setenv("RASA_URL", stack.rasa)
    monkeypatch.setenv("RASA_TOKEN", stack.chat.settings.rasa_token)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["nlu", "parse", "户号3101200456上个月水费多少"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    parsed = json.loads(result.output)
    assert parsed["intent"]["name"] == "query_bill" and 0 < parsed["intent"]["confidence"] <= 1
    assert {"entity": "account_no", "value": "3101200456"}.items() <= next(
        e for e in parsed["entities"] if e["entity"] == "account_no").items()
    assert any(e["entity"] == "period" for e in parsed["entities"])


def test_a_greeting_gets_a_chinese_reply(stack):
    replies = stack.say("你好")
    assert replies, "Rasa 没有回复"
    assert replies[0]["text"] in _texts("utter_greet")


def test_an_anonymous_visitor_asking_for_a_bill_is_asked_to_log_in(stack):
    # This text exists only in actions/ (run by the app at /webhook), not in the domain.
    replies = stack.say("我想查一下这个月的水费", f"anon-{uuid.uuid4().hex[:8]}")
    assert replies[0]["text"] == messages.household_needs_login("query_bill")
    assert {"type": "login", "url": "/login"} in [r.get("custom") for r in replies]


def test_a_logged_in_resident_gets_their_own_bill(stack, residents):
    (a_id, a_account), (_, b_account) = residents
    who = _as_user(stack, a_id)
    durations = []
    for text in ("我家水费多少", "上个月水费多少", "帮我查下账单", "我有没有欠费", "这期账单出来了吗") * 2:
        started = time.perf_counter()
        replies = stack.say(text, who["sender"], who["metadata"])
        durations.append(time.perf_counter() - started)
        reply = _replies_text(replies)
        assert a_account in reply and "86.72 元" in reply, (text, reply)
        assert b_account not in reply and "123.45" not in reply
    durations.sort()
    p95 = durations[max(0, round(0.95 * len(durations)) - 1)]
    print(f"\n查账单整轮用时（{len(durations)} 轮）：中位数 {durations[len(durations) // 2] * 1000:.0f} 毫秒，"
          f"p95 {p95 * 1000:.0f} 毫秒")


def test_a_sender_id_alone_does_not_make_a_user(stack, residents):
    (a_id, a_account), _ = residents
    # The REST channel lets a caller pick any sender id; without the channel's metadata it is a visitor.
    replies = stack.say("我家水费多少", f"user-{a_id}")
    assert a_account not in _replies_text(replies)
    assert replies[0]["text"] == messages.household_needs_login("query_bill")


def test_another_households_bill_is_never_shown(stack, residents):
    (a_id, a_account), (_, b_account) = residents
    who = _as_user(stack, a_id)
    replies = stack.say(f'/query_bill{{"account_no":"{b_account}"}}', who["sender"], who["metadata"])
    reply = _replies_text(replies)
    assert b_account not in reply and "123.45" not in reply
    assert a_account in reply


def test_a_repair_form_with_a_digression_and_a_correction(stack, residents):
    from sqlalchemy import create_engine, text

    (a_id, _), _ = residents
    who = _as_user(stack, a_id)
    sender = f"user-{a_id}"

    def say(message):
        return _replies_text(stack.say(message, sender, who["metadata"]))

    assert "具体位置" in say("我家厨房水管漏水了")
    assert "描述" in say("三楼厨房水槽下面")
    faq = say("阶梯水价是怎么算的")
    assert "描述" in faq.splitlines()[-1] or "描述" in faq  # answered, then the form asks again
    assert "已把位置改为“四楼厨房水槽下面”" in say("不对，是四楼厨房水槽下面")
    assert "联系" in say("接头一直在滴水，下面的柜子都湿了")
    engine = create_engine(stack.database_url)

    def tickets() -> list[str]:
        with engine.connect() as conn:
            return list(conn.execute(
                text("SELECT description FROM tickets WHERE reporter_id = :u"), {"u": a_id}).scalars())

    try:
        summary = say("明天上午九点以后")
        # Nothing is filed before the resident has seen the summary and said yes.
        assert "请核对报修信息" in summary and "四楼厨房水槽下面" in summary, summary
        assert "明天上午九点以后" in summary and tickets() == []
        assert messages.REPAIR_CONFIRM_UNCLEAR in say("阿巴阿巴")
        assert tickets() == []
        changed = say("不对，联系时间改成明天下午三点以后")
        assert "明天下午三点以后" in changed and "请核对报修信息" in changed, changed
        assert tickets() == []
        done = say("/affirm")
        assert "报修已提交" in done, done
        [description] = tickets()
    finally:
        engine.dispose()
    assert "四楼厨房水槽下面" in description and "滴水" in description
    assert "明天下午三点以后" in description and "明天上午九点以后" not in description
    assert "已提交" in say("我的报修进度怎么样了")


def test_saying_never_mind_cancels_a_form(stack, residents):
    (a_id, _), _ = residents
    who = _as_user(stack, a_id)
    sender = f"user-{a_id}"
    stack.say("我要报修", sender, who["metadata"])
    replies = stack.say("算了", sender, who["metadata"])
    assert "已取消本次报修" in _replies_text(replies)


def test_gibberish_gets_the_fallback_with_suggestions(stack):
    sender = f"anon-{uuid.uuid4().hex[:8]}"
    # Pure nonsense. (Random Latin letters are another matter: DIET is over-confident on them
    # and may read "qwzx" as out_of_scope; see docs/assistant.md.)
    replies = stack.say("咕噜咕噜哔哔啵", sender)
    assert len(replies) == 1, replies
    assert replies[0]["text"] == messages.FALLBACK
    buttons = replies[0]["buttons"]
    assert 2 <= len(buttons) <= 3
    assert all(b["payload"].startswith("/") and b["title"] for b in buttons)
    # Stuck twice: a human is offered.
    again = stack.say("asdfgh", sender)
    assert again[0]["text"] == messages.FALLBACK_TWICE
    assert again[0]["buttons"][0]["payload"] == "/human_handoff"


def test_a_suggestion_button_leads_on(stack):
    sender = f"anon-{uuid.uuid4().hex[:8]}"
    stack.say("咕噜咕噜哔哔啵", sender)
    replies = stack.say("/query_bill", sender)
    assert replies[0]["text"] == messages.household_needs_login("query_bill")


def test_conversations_are_kept_in_postgresql_when_the_app_uses_it(stack):
    if not stack.database_url.startswith("postgresql"):
        pytest.skip("SQLite：Rasa 的对话保存在内存中")
    from sqlalchemy import create_engine, text

    sender = f"test-{uuid.uuid4().hex[:8]}"
    stack.say("你好", sender)
    engine = create_engine(stack.database_url)
    try:
        with engine.connect() as conn:
            texts = conn.execute(
                text("SELECT data FROM events WHERE sender_id = :s AND type_name = 'user'"),
                {"s": sender},
            ).scalars().all()
    finally:
        engine.dispose()
    assert "你好" in [json.loads(t)["text"] for t in texts]


def test_nonsense_at_the_top_level_is_not_taken_for_yes(stack):
    # "阿巴阿巴" once came out as affirm (0.78): the bot answered "好的" to nonsense.
    replies = stack.say("阿巴阿巴", f"anon-{uuid.uuid4().hex[:8]}")
    assert replies[0]["text"] == messages.FALLBACK, replies
    assert stack.parse("阿巴阿巴")["intent"]["name"] != "affirm"


def _payments_of(database_url: str, user_id: int) -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM payments WHERE payer_id = :u"), {"u": user_id}).scalar()
    finally:
        engine.dispose()


def test_nonsense_at_a_payment_confirmation_pays_nothing_and_asks_again(stack, residents):
    _, (b_id, b_account) = residents
    who = _as_user(stack, b_id)

    def say(message):
        return _replies_text(stack.say(message, who["sender"], who["metadata"]))

    assert "支付方式" in say("我要交水费")
    assert "请确认" in say('/pay_bill{"pay_method":"wechat"}')
    for nonsense in ("阿巴阿巴", "啊啊啊", "🤔🤔"):
        reply = say(nonsense)
        assert "已为您创建缴费订单" not in reply, (nonsense, reply)
        assert "请确认" in reply and "123.45" in reply, (nonsense, reply)  # the question again
        assert _payments_of(stack.database_url, b_id) == 0
    done = say("确认")
    assert "已为您创建缴费订单" in done and "123.45" in done, done
    assert _payments_of(stack.database_url, b_id) == 1
