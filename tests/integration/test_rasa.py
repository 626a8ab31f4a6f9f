"""The real round trip: a Rasa server with the trained model, talking to the real app's /webhook.

One Rasa server for the module (it takes 10–20 s to start), beside one app process on the
suite's database (SQLite file, or PostgreSQL — then Rasa's tracker store too — when
DATABASE_URL is set; Redis lock store when REDIS_URL is set).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest
import yaml

from actions import messages
from shuiwu import rasa_runtime
from shuiwu.config import ROOT, Settings

pytestmark = pytest.mark.rasa

DOMAIN = yaml.safe_load((ROOT / "assistant" / "domain.yml").read_text(encoding="utf-8"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tail(path: Path, n: int = 3000) -> str:
    return path.read_text(errors="replace")[-n:] if path.exists() else ""


def _wait(url: str, proc: subprocess.Popen, log: Path, what: str, timeout: float, **kw) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"{what}启动失败（退出代码 {proc.returncode}）：\n{_tail(log)}")
        try:
            if httpx.get(url, timeout=1, **kw).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    pytest.fail(f"{what} {timeout:.0f} 秒内未就绪：\n{_tail(log)}")


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class Stack:
    def __init__(self, app: str, rasa: str, token: str, database_url: str):
        self.app = app
        self.rasa = rasa
        self.database_url = database_url
        self.params = {"token": token} if token else {}

    def say(self, text: str, sender: str | None = None) -> list[dict]:
        response = httpx.post(
            f"{self.rasa}/webhooks/rest/webhook",
            json={"sender": sender or f"test-{uuid.uuid4().hex[:8]}", "message": text},
            timeout=30,
        )
        assert response.status_code == 200, response.text
        return response.json()

    def parse(self, text: str) -> dict:
        response = httpx.post(
            f"{self.rasa}/model/parse", json={"text": text}, params=self.params, timeout=30
        )
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture(scope="module")
def stack(database_factory, tmp_path_factory):
    try:
        model = rasa_runtime.current_model()
        rasa_runtime.find_rasa()
    except rasa_runtime.RasaRuntimeError as exc:
        # `make test` trains first, so a missing model is a broken setup, not a reason to skip.
        pytest.fail(exc.message)

    data_dir = tmp_path_factory.mktemp("rasa_stack")
    app_port, rasa_port = free_port(), free_port()
    settings = Settings(
        database_url=database_factory.new(),
        data_dir=data_dir,
        host="127.0.0.1",
        port=app_port,
        rasa_url=f"http://127.0.0.1:{rasa_port}",
    )
    app_log, rasa_log = data_dir / "app.log", data_dir / "rasa.log"

    # Start Rasa first: it is by far the slower of the two.
    rasa_runtime.write_endpoints(settings)
    cmd, env = rasa_runtime.rasa_command(settings, rasa_port, model=model)
    started = time.monotonic()
    with open(rasa_log, "wb") as log:
        rasa = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    app_env = {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "DATA_DIR": str(data_dir),
        "HOST": "127.0.0.1",
        "PORT": str(app_port),
        "RASA_URL": settings.rasa_url,
        "LOG_JSON": "false",
        "LOG_LEVEL": "WARNING",
    }
    with open(app_log, "wb") as log:
        app = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "shuiwu.main:create_app", "--factory",
             "--host", "127.0.0.1", "--port", str(app_port), "--no-access-log"],
            cwd=ROOT, env=app_env, stdout=log, stderr=subprocess.STDOUT,
        )
    try:
        app_url, rasa_url = f"http://127.0.0.1:{app_port}", settings.rasa_url
        _wait(f"{app_url}/healthz", app, app_log, "应用", 60)
        token = {"token": settings.rasa_token} if settings.rasa_token else {}
        # /status answers only once the model is loaded.
        _wait(f"{rasa_url}/status", rasa, rasa_log, "Rasa", 180, params=token)
        print(f"\nRasa 启动用时 {time.monotonic() - started:.1f} 秒")
        yield Stack(app_url, rasa_url, settings.rasa_token, settings.database_url)
    finally:
        _stop(rasa)
        _stop(app)


def _texts(name: str) -> set[str]:
    return {variant["text"] for variant in DOMAIN["responses"][name]}


def test_nlu_understands_a_bill_question(stack):
    parsed = stack.parse("我想查一下这个月的水费")
    assert parsed["intent"]["name"] == "query_bill", parsed["intent_ranking"][:3]

    started = time.perf_counter()
    for _ in range(10):
        stack.parse("我家这个月用了多少水")
    print(f"\n/model/parse 平均 {(time.perf_counter() - started) * 100:.1f} 毫秒")


def test_a_greeting_gets_a_chinese_reply(stack):
    replies = stack.say("你好")
    assert replies, "Rasa 没有回复"
    assert replies[0]["text"] in _texts("utter_greet")


def test_a_bill_question_is_answered_by_the_apps_action_endpoint(stack):
    # This text exists only in actions/ (run by the app at /webhook), not in the domain.
    replies = stack.say("我想查一下这个月的水费")
    assert [r.get("text") for r in replies] == [messages.household_needs_login("query_bill")]


def test_gibberish_gets_the_fallback_with_suggestions(stack):
    replies = stack.say("咕噜咕噜 qwzx 哔哔啵")
    assert len(replies) == 1, replies
    assert replies[0]["text"] in _texts("utter_fallback")
    buttons = replies[0]["buttons"]
    assert 2 <= len(buttons) <= 3
    assert all(b["payload"].startswith("/") and b["title"] for b in buttons)


def test_a_suggestion_button_leads_on(stack):
    sender = f"test-{uuid.uuid4().hex[:8]}"
    stack.say("咕噜咕噜 qwzx 哔哔啵", sender)
    replies = stack.say("/water_outage", sender)
    assert replies[0]["text"] in _texts("utter_water_outage")


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
