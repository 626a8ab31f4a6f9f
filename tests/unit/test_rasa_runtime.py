"""What `make run` hands Rasa: the endpoints file per settings, the command line and environment."""

from __future__ import annotations

import os
import stat

import pytest
import yaml

from shuiwu import rasa_runtime
from shuiwu.config import ROOT, Settings


def settings(tmp_path, **kw) -> Settings:
    base = {"database_url": "", "redis_url": "", "rasa_token": "", "data_dir": tmp_path,
            "host": "127.0.0.1", "port": 8000}
    return Settings(**{**base, **kw})


def written(s: Settings) -> dict:
    path = rasa_runtime.write_endpoints(s)
    assert path == s.data_dir / "rasa" / "endpoints.yml"
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def test_sqlite_and_no_redis_keep_rasa_state_in_memory(tmp_path):
    endpoints = written(settings(tmp_path, port=8123))
    assert endpoints["action_endpoint"] == {"url": "http://127.0.0.1:8123/webhook"}
    assert "tracker_store" not in endpoints  # Rasa's default: in memory
    assert endpoints["lock_store"] == {"type": "in_memory"}


def test_postgresql_and_redis_are_shared_with_rasa(tmp_path):
    s = settings(
        tmp_path,
        database_url="postgresql://shuiwu:s3cr%40t@db.internal:6543/shuiwu?sslmode=require",
        redis_url="redis://:r3dis@cache.internal:6380/2",
    )
    endpoints = written(s)
    assert endpoints["tracker_store"] == {
        "type": "SQL",
        "dialect": "postgresql",  # Rasa's SQLAlchemy 1.4 + psycopg2, not our psycopg 3 URL
        "url": "db.internal",
        "port": 6543,
        "db": "shuiwu",
        "username": "shuiwu",
        "password": "s3cr@t",
        "query": {"sslmode": "require"},
    }
    assert endpoints["lock_store"] == {
        "type": "redis", "url": "cache.internal", "port": 6380, "db": 2,
        "key_prefix": "rasa", "password": "r3dis",
    }
    # Passwords inside: readable by the owner only.
    assert stat.S_IMODE(os.stat(rasa_runtime.endpoints_path(s)).st_mode) == 0o600


def test_default_ports_and_tls_redis(tmp_path):
    endpoints = written(settings(
        tmp_path, database_url="postgresql://root@127.0.0.1/test", redis_url="rediss://cache"
    ))
    assert endpoints["tracker_store"]["port"] == 5432
    assert "password" not in endpoints["tracker_store"]
    assert endpoints["lock_store"] == {
        "type": "redis", "url": "cache", "port": 6379, "db": 0, "key_prefix": "rasa",
        "use_ssl": True,
    }


def test_an_app_bound_to_every_interface_is_called_on_loopback(tmp_path):
    assert written(settings(tmp_path, host="0.0.0.0"))["action_endpoint"]["url"] == (
        "http://127.0.0.1:8000/webhook"
    )


def test_rewriting_replaces_the_old_file(tmp_path):
    written(settings(tmp_path, redis_url="redis://localhost:6379/1"))
    assert written(settings(tmp_path))["lock_store"] == {"type": "in_memory"}
    assert [p.name for p in (tmp_path / "rasa").iterdir()] == ["endpoints.yml"]


def test_rasa_command_and_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(ROOT / ".venv" / "lib"))
    monkeypatch.setenv("VIRTUAL_ENV", str(ROOT / ".venv"))
    s = settings(tmp_path, port=8011)
    rasa_runtime.write_endpoints(s)
    model = ROOT / "assistant" / "models" / "current.tar.gz"
    cmd, env = rasa_runtime.rasa_command(s, 5123, model=model)
    assert cmd[0] == str(ROOT / ".venv-rasa" / "bin" / "rasa")
    assert cmd[1:3] == ["run", "--enable-api"]
    assert cmd[cmd.index("--port") + 1] == "5123"
    assert cmd[cmd.index("-i") + 1] == "127.0.0.1"  # never reachable from other machines in dev
    assert cmd[cmd.index("--model") + 1] == str(model)
    assert cmd[cmd.index("--endpoints") + 1] == str(tmp_path / "rasa" / "endpoints.yml")
    assert cmd[cmd.index("--credentials") + 1] == str(ROOT / "assistant" / "credentials.yml")
    assert "http://127.0.0.1:8011" in cmd[cmd.index("--cors") + 1:]
    assert "--auth-token" not in cmd
    assert env["PYTHONPATH"] == str(ROOT)
    assert env["VIRTUAL_ENV"] == str(ROOT / ".venv-rasa")
    assert env["RASA_TELEMETRY_ENABLED"] == "false"
    assert env["TF_CPP_MIN_LOG_LEVEL"] == "2"

    cmd, _ = rasa_runtime.rasa_command(settings(tmp_path, rasa_token="t0ken"), 5123, model=model)
    assert cmd[cmd.index("--auth-token") + 1] == "t0ken"


def test_missing_model_and_rasa_say_what_to_do(tmp_path):
    with pytest.raises(rasa_runtime.RasaRuntimeError) as exc:
        rasa_runtime.current_model(tmp_path)
    assert "尚未训练 Rasa 模型" in exc.value.message and "make run" in exc.value.message
    with pytest.raises(rasa_runtime.RasaRuntimeError) as exc:
        rasa_runtime.find_rasa(tmp_path)
    assert "make run" in exc.value.message


def test_current_model_prefers_current_then_the_newest(tmp_path):
    older, newer = tmp_path / "20250101-a.tar.gz", tmp_path / "20250102-b.tar.gz"
    older.write_bytes(b"x")
    newer.write_bytes(b"x")
    os.utime(older, (1, 1))
    assert rasa_runtime.current_model(tmp_path) == newer
    (tmp_path / "current.tar.gz").write_bytes(b"x")
    assert rasa_runtime.current_model(tmp_path) == tmp_path / "current.tar.gz"
