"""How the chat channel is configured: the key Rasa gets, where the widget finds the socket."""

from __future__ import annotations

import yaml

from shuiwu import rasa_runtime
from shuiwu.config import ROOT, Settings


def test_rasa_gets_the_apps_jwt_key_and_the_redis_url(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("CHAT_SOCKET_REDIS_URL", "redis://stale:6379/0")
    dev = Settings(data_dir=tmp_path, redis_url="", secret_key="")
    _, env = rasa_runtime.rasa_command(dev, 5123, model="m.tar.gz")
    # The generated development key, the very one the app signs with.
    assert env["SECRET_KEY"] == dev.jwt_key == (tmp_path / "secret.key").read_text().strip()
    assert "CHAT_SOCKET_REDIS_URL" not in env

    prod = Settings(data_dir=tmp_path, secret_key="k" * 48, redis_url="redis://cache:6379/2",
                    redis_namespace="qinghe")
    _, env = rasa_runtime.rasa_command(prod, 5123, model="m.tar.gz")
    assert env["SECRET_KEY"] == "k" * 48
    assert env["CHAT_SOCKET_REDIS_URL"] == "redis://cache:6379/2"
    assert env["CHAT_SOCKET_REDIS_CHANNEL"] == "qinghe:chat"


def test_both_credentials_files_register_the_authenticated_channel_and_no_trusting_one():
    for path in (ROOT / "assistant" / "credentials.yml", ROOT / "deploy" / "rasa-credentials.yml"):
        channels = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert channels["channels.web.AuthenticatedWebInput"]["secret_env"] == "SECRET_KEY"
        assert "socketio" not in channels
    production = yaml.safe_load((ROOT / "deploy" / "rasa-credentials.yml").read_text(encoding="utf-8"))
    assert "rest" not in production


def test_the_widget_learns_where_the_chat_socket_is(client, monkeypatch):
    response = client.get("/widget/config.json")
    assert response.status_code == 200
    assert response.json() == {"socket_url": "http://127.0.0.1:9", "socket_path": "/socket.io"}
    assert response.headers["access-control-allow-origin"] == "*"  # host pages elsewhere read it

    # Production: the reverse proxy serves /socket.io/ on the page's own origin, unless set.
    assert Settings(environment="production", secret_key="k", field_keys="a", blind_index_key="b").chat_socket_origin == ""
    assert Settings(chat_socket_url="https://chat.example.cn/").chat_socket_origin == "https://chat.example.cn"
