"""Messages out: Twilio's REST API (a local fake speaking its wire format), a real local SMTP
server (aiosmtpd), and the local outbox with its admin page."""

from __future__ import annotations

import base64
import json
import socket
import threading
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest

from shuiwu.config import get_settings
from shuiwu.models import OutboxStatus
from shuiwu.services import messaging
from tests.conftest import login

SID, TOKEN = "AC" + "1" * 32, "secret-token"


class FakeTwilio(BaseHTTPRequestHandler):
    """POST /2010-04-01/Accounts/{sid}/Messages.json with Basic auth, as api.twilio.com."""

    received: list[dict] = []

    def do_POST(self):
        length = int(self.headers.get("Content-Length", 0))
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
        auth = self.headers.get("Authorization", "")
        good = "Basic " + base64.b64encode(f"{SID}:{TOKEN}".encode()).decode()
        if self.path != f"/2010-04-01/Accounts/{SID}/Messages.json":
            return self._reply(404, {"code": 20404, "message": "The requested resource was not found",
                                     "more_info": "https://www.twilio.com/docs/errors/20404", "status": 404})
        if auth != good:
            return self._reply(401, {"code": 20003, "message": "Authenticate",
                                     "more_info": "https://www.twilio.com/docs/errors/20003", "status": 401})
        if not form.get("To", "").startswith("+") or not (form.get("From") or form.get("MessagingServiceSid")):
            return self._reply(400, {"code": 21604, "message": "A 'To' phone number is required.",
                                     "more_info": "https://www.twilio.com/docs/errors/21604", "status": 400})
        FakeTwilio.received.append(form)
        self._reply(201, {"sid": "SM" + "a" * 32, "account_sid": SID, "to": form["To"],
                          "from": form.get("From"), "body": form["Body"], "status": "queued",
                          "messaging_service_sid": form.get("MessagingServiceSid"),
                          "num_segments": "1", "direction": "outbound-api", "api_version": "2010-04-01"})

    def _reply(self, status, doc):
        data = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def twilio(db_url, monkeypatch):
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeTwilio)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    FakeTwilio.received = []
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", SID)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", TOKEN)
    monkeypatch.setenv("TWILIO_FROM", "+15005550006")
    monkeypatch.setenv("TWILIO_API_BASE", f"http://127.0.0.1:{server.server_port}")
    get_settings.cache_clear()
    yield FakeTwilio
    server.shutdown()
    get_settings.cache_clear()


def test_sms_goes_through_twilio_and_is_kept_in_the_outbox(twilio, session):
    message = messaging.send_sms(session, "13800138000", "login_code", code="123456")
    session.commit()
    assert message.status == OutboxStatus.SENT and message.provider_ref == "SM" + "a" * 32
    [form] = twilio.received
    assert form["To"] == "+8613800138000" and form["From"] == "+15005550006"
    assert form["Body"] == "【智慧水务】您的登录验证码为 123456，5 分钟内有效。如非本人操作，请忽略并注意账号安全。"


def test_a_messaging_service_sid_is_sent_as_such(twilio, session, monkeypatch):
    monkeypatch.setenv("TWILIO_FROM", "MG" + "2" * 32)
    get_settings.cache_clear()
    messaging.send_sms(session, "13800138000", "login_code", code="123456")
    assert twilio.received[0]["MessagingServiceSid"] == "MG" + "2" * 32
    assert "From" not in twilio.received[0]


def test_a_twilio_refusal_is_recorded_not_raised(twilio, session, monkeypatch):
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "wrong")
    get_settings.cache_clear()
    message = messaging.send_sms(session, "13800138000", "login_code", code="123456")
    assert message.status == OutboxStatus.FAILED
    assert "20003" in message.error and twilio.received == []


def test_email_goes_through_a_real_smtp_server(db_url, session, monkeypatch):
    from aiosmtpd.controller import Controller

    class Inbox:
        messages: list = []

        async def handle_DATA(self, server, smtp_session, envelope):
            Inbox.messages.append(envelope)
            return "250 OK"

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = Controller(Inbox(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("SMTP_PORT", str(port))
        monkeypatch.setenv("SMTP_STARTTLS", "false")
        get_settings.cache_clear()
        message = messaging.send_email(session, "li@example.cn", "register_code", code="654321",
                                       link="http://x/verify?target=li%40example.cn&code=654321")
    finally:
        controller.stop()
    assert message.status == OutboxStatus.SENT and message.provider_ref
    [envelope] = Inbox.messages
    assert envelope.rcpt_tos == ["li@example.cn"]
    mail = message_from_bytes(envelope.content, policy=policy.default)
    assert mail["Subject"] == "智慧水务服务平台 · 注册验证码"
    assert mail.get_content_type() == "multipart/alternative"
    text = mail.get_body(("plain",)).get_content()
    assert "验证码 654321" in text and "http://x/verify?target=li%40example.cn&code=654321" in text
    assert "654321" in mail.get_body(("html",)).get_content()


def test_without_carriers_messages_stay_local_and_admins_see_them(client, session, make_user,
                                                                  monkeypatch):
    admin = make_user("admin")
    resident = make_user("resident")
    messaging.send_sms(session, "13800138000", "login_code", code="111222")
    session.commit()
    rows = client.get("/api/v1/admin/outbox", headers=login(client, admin.username)).json()
    assert rows[0]["status"] == "local" and rows[0]["recipient"] == "13800138000"
    assert "111222" in rows[0]["body"]
    assert client.get("/api/v1/admin/outbox", headers=login(client, resident.username)).status_code == 403
    # Production (whose keys this test has not got) hides the page: only the route looks.
    from types import SimpleNamespace

    from shuiwu.api.routes import outbox

    monkeypatch.setattr(outbox, "get_settings", lambda: SimpleNamespace(environment="production"))
    assert client.get("/api/v1/admin/outbox", headers=login(client, admin.username)).status_code == 404
