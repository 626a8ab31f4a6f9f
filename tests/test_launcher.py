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

