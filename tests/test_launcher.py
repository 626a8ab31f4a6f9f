"""What a new user sees when the machine is not ready: one Chinese line, never a traceback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def serve(env: dict, tmp_path: Path) -> subprocess.CompletedProcess:
    full = {**os.environ, "DATA_DIR": str(tmp_path), "LOG_JSON": "false", **env}
    return subprocess.run(
        [sys.executable, "-m", "shuiwu.cli", "serve"], cwd=ROOT, env=full,
        capture_output=True, text=True, timeout=60,
    )


def test_port_in_use_is_named(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = serve({"PORT": str(port), "HOST": "127.0.0.1"}, tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"错误：端口 {port} 已被占用。请关闭占用它的程序，或用 PORT=其他端口 make run。"
    )


def test_unreachable_database_is_one_line(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        free = s.getsockname()[1]
    result = serve(
        {"PORT": str(free), "DATABASE_URL": f"postgresql://root@127.0.0.1:{closed}/shuiwu"}, tmp_path
    )
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("错误：无法连接数据库"), result.stderr
    assert "DATABASE_URL" in lines[0]


def test_missing_python_310_is_one_line(tmp_path):
    result = subprocess.run(
        ["bash", "-c", "source scripts/lib.sh; require_python310"], cwd=ROOT,
        env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}, capture_output=True, text=True,
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "错误：找不到 Python 3.10：Rasa 3.6 只能运行在 Python 3.10 上。"
        "请用 pyenv 安装（pyenv install 3.10），或设置 PYTHON310=/path/to/python3.10。"
    ]



def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_prints_url_and_logins_and_ctrl_c_stops_app_and_rasa(db_url, tmp_path):
    import signal
    import time

    import httpx

    port, rasa_port = _free_port(), _free_port()
    env = {**os.environ, "DATABASE_URL": db_url, "DATA_DIR": str(tmp_path), "LOG_JSON": "false",
           "PORT": str(port), "RASA_URL": f"http://127.0.0.1:{rasa_port}"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "shuiwu.cli", "serve", "--households", "3"], cwd=ROOT, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )
    seen: list[str] = []
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            seen.append(line)
            if "按 Ctrl-C 停止" in line:
                break
        out = "".join(seen)
        assert f"http://127.0.0.1:{port}/" in out, out
        assert "demo_resident" in out and "Qinghe2026water" in out
        assert httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200
        login = httpx.post(f"http://127.0.0.1:{port}/api/v1/auth/login",
                           json={"username": "demo_resident", "password": "Qinghe2026water"}, timeout=10)
        assert login.status_code == 200, login.text
    finally:
        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in the terminal does
        rest = proc.communicate(timeout=30)[0]
    assert proc.returncode == 0, rest
    assert "正在停止" in rest and "Traceback" not in rest
    from shuiwu.launcher import port_free

    assert port_free("127.0.0.1", port) and port_free("127.0.0.1", rasa_port)  # nothing lingers
