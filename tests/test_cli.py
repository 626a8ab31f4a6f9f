"""The `shuiwu` command line as an operator uses it: real process, real database."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHUIWU = [sys.executable, "-m", "shuiwu.cli"]


def run(*args: str, env: dict | None = None, input: str | None = None) -> subprocess.CompletedProcess:
    full_env = {**os.environ, "LOG_JSON": "false", "RASA_URL": "http://127.0.0.1:9", **(env or {})}
    return subprocess.run(
        [*SHUIWU, *args], capture_output=True, text=True, env=full_env, input=input, timeout=120, cwd=ROOT
    )


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_help_is_bilingual():
    out = run("--help").stdout
    assert "智慧水务服务平台命令行" in out and "Command line" in out
    for command in ("db", "seed", "user", "doctor", "serve"):
        assert command in out


def test_doctor_names_a_stopped_database_in_one_line(tmp_path):
    url = f"postgresql://root@127.0.0.1:{closed_port()}/shuiwu"
    result = run("doctor", "--json", env={"DATABASE_URL": url, "DATA_DIR": str(tmp_path)})
    assert result.returncode == 1
    report = json.loads(result.stdout)
    db = next(c for c in report["checks"] if c["name"] == "database")
    assert report["ok"] is False and db["ok"] is False
    assert db["detail"].startswith("无法连接数据库")
    assert "Traceback" not in result.stderr


def test_db_upgrade_on_unreachable_database_is_one_chinese_line(tmp_path):
    url = f"postgresql://root@127.0.0.1:{closed_port()}/shuiwu"
    result = run("db", "upgrade", env={"DATABASE_URL": url, "DATA_DIR": str(tmp_path)})
    assert result.returncode == 1
    assert result.stderr.startswith("错误：无法连接数据库")
    assert len(result.stderr.strip().splitlines()) == 1


def test_doctor_reports_unmigrated_database_and_upgrade_fixes_it(database_factory, tmp_path):
    env = {"DATABASE_URL": database_factory.empty(), "DATA_DIR": str(tmp_path)}
    before = json.loads(run("doctor", "--json", env=env).stdout)
    db = next(c for c in before["checks"] if c["name"] == "database")
    assert db["ok"] is False and "shuiwu db upgrade" in db["detail"]
    assert run("db", "upgrade", env=env).returncode == 0
    current = json.loads(run("db", "current", env=env).stdout)
    assert current["current"] == current["head"] is not None
    after = json.loads(run("doctor", "--json", env=env).stdout)
    assert next(c for c in after["checks"] if c["name"] == "database")["ok"] is True
    # Rasa is not running in this test, and the doctor says so
    rasa = next(c for c in after["checks"] if c["name"] == "rasa")
    assert rasa["ok"] is False and "Rasa" in rasa["detail"]


def test_user_create_then_login_and_weak_password_refused(db_url, client):
    env = {"DATABASE_URL": db_url}
    made = run("user", "create", "--username", "zhangsan", "--role", "staff",
               "--password", "Lanhai2026x", "--name", "张三", env=env)
    assert made.returncode == 0, made.stderr
    assert json.loads(made.stdout)["role"] == "staff"
    login = client.post("/api/v1/auth/login", json={"username": "zhangsan", "password": "Lanhai2026x"})
    assert login.json()["user"]["role"] == "staff"

    weak = run("user", "create", "--username", "lisi", "--password", "abcdefgh", env=env)
    assert weak.returncode == 1
    assert weak.stderr.strip() == "错误：密码须同时包含字母和数字"
    dup = run("user", "create", "--username", "zhangsan", "--password", "Lanhai2026y", env=env)
    assert dup.stderr.strip() == "错误：用户名、手机号或邮箱已被使用"
    bad_role = run("user", "create", "--username", "wangwu", "--role", "root",
                   "--password", "Lanhai2026z", env=env)
    assert bad_role.stderr.strip() == "错误：角色必须是 resident、staff 或 admin 之一"


def test_first_upgrade_creates_a_missing_data_dir(tmp_path):
    data_dir = tmp_path / "brand" / "new"
    result = run("db", "upgrade", env={"DATABASE_URL": "", "DATA_DIR": str(data_dir)})
    assert result.returncode == 0, result.stderr
    assert (data_dir / "shuiwu.db").is_file()
