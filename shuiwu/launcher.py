"""`shuiwu serve`: check the machine, migrate, seed the demo city, start Rasa and the app.

Both run as child processes; Ctrl-C (or SIGTERM) stops both and waits for them.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from shuiwu.config import ROOT, Settings, get_settings


class LaunchError(Exception):
    """A problem the user can fix; printed as one Chinese line, never a traceback."""


def port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def rasa_port(settings: Settings) -> int:
    return httpx.URL(settings.rasa_url).port or 5005


def preflight(settings: Settings) -> None:
    from shuiwu.health import check_database

    if not port_free(settings.host, settings.port):
        raise LaunchError(
            f"端口 {settings.port} 已被占用。请关闭占用它的程序，或用 PORT=其他端口 make run。"
        )
    if not port_free("127.0.0.1", rasa_port(settings)):
        raise LaunchError(
            f"Rasa 端口 {rasa_port(settings)} 已被占用。请关闭占用它的程序，"
            "或设置 RASA_URL=http://127.0.0.1:其他端口。"
        )
    check = check_database(settings)
    if not check.ok and check.detail.startswith("无法连接"):
        raise LaunchError(check.detail + "。请确认数据库已启动，或检查 DATABASE_URL。")


def prepare(settings: Settings, *, demo: bool, households: int) -> list[dict]:
    from shuiwu import migrate
    from shuiwu.crypto import local_key_file
    from shuiwu.db import session_scope

    if not (settings.field_keys and settings.blind_index_key):
        _, created = local_key_file(settings.data_dir)
        if created:
            print(
                f"==> 已生成本机开发用的字段加密密钥 {settings.data_dir / 'field.keys'}（只生成这一次，"
                "请勿删除，否则已加密的数据无法读取；生产环境请设置 FIELD_KEYS 与 BLIND_INDEX_KEY）"
            )
    migrate.upgrade(settings.effective_database_url)
    from shuiwu.services.kb import seed_from_content

    with session_scope() as session:  # production too: an empty knowledge base gets the shipped content
        if written := seed_from_content(session):
            print(f"==> 已写入知识库初始内容：{written} 条")
    if not demo:
        return []
    from shuiwu.demo.seed import seed

    started = time.perf_counter()
    with session_scope() as session:
        report = seed(session, households=households, only_if_empty=True)
    if report.created:
        print(f"==> 已写入演示城市：{report.summary()}（{time.perf_counter() - started:.0f} 秒）")
    from shuiwu.demo.city import DEMO_ACCOUNTS

    return [dict(a.__dict__) if hasattr(a, "__dict__") else dict(a) for a in DEMO_ACCOUNTS]


def _wait_http(url: str, proc: subprocess.Popen, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        if _answers(url):
            return True
        time.sleep(0.3)
    return False


def _stop(procs: list[subprocess.Popen]) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 15
    for proc in procs:
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def start_app(settings: Settings, workers: int, env: dict | None = None) -> subprocess.Popen:
    cmd = [
        sys.executable, "-m", "uvicorn", "shuiwu.main:create_app", "--factory",
        "--host", settings.host, "--port", str(settings.port),
        "--workers", str(workers), "--no-access-log", "--proxy-headers",
    ]
    return subprocess.Popen(cmd, cwd=ROOT, env=env or os.environ.copy())


def start_rasa(settings: Settings, log_path: Path) -> subprocess.Popen:
    from shuiwu import rasa_runtime

    model = rasa_runtime.current_model()
    rasa_runtime.write_endpoints(settings)
    cmd, env = rasa_runtime.rasa_command(settings, rasa_port(settings), model=model)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log = open(log_path, "ab")  # noqa: SIM115 - lives as long as the child
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def run(*, demo: bool, workers: int, households: int) -> int:
    settings = get_settings()
    try:
        preflight(settings)
        accounts = prepare(settings, demo=demo, households=households)
        rasa_log = settings.data_dir / "log" / "rasa.log"
        print("==> 启动 Rasa（首次加载模型约半分钟）与应用…")
        rasa = start_rasa(settings, rasa_log)
    except LaunchError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    except Exception as exc:
        message = getattr(exc, "message", None) or str(exc).splitlines()[0]
        print(f"错误：{message}", file=sys.stderr)
        return 1
    app = start_app(settings, workers)
    procs = [rasa, app]
    stopping = False

    def _on_signal(signum, _frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    try:
        if not _wait_http(f"http://{settings.host}:{settings.port}/healthz", app, 60):
            print("错误：应用未能启动，请查看上面的日志。", file=sys.stderr)
            return 1
        # The portal is usable now; Rasa takes about half a minute to load its model, so say
        # where things are at once and announce the assistant when it answers.
        _banner(settings, accounts)
        rasa_ready, deadline = False, time.monotonic() + 300
        while not stopping:
            for proc, name in ((rasa, "Rasa"), (app, "应用")):
                if proc.poll() is not None:
                    print(f"错误：{name} 进程意外退出（代码 {proc.returncode}），日志见 {rasa_log if proc is rasa else '上方输出'}。", file=sys.stderr)
                    return 1
            if not rasa_ready:
                if _answers(settings.rasa_url.rstrip("/") + "/"):
                    rasa_ready = True
                    print("==> 智能客服（Rasa）已就绪，可以开始对话。", flush=True)
                elif time.monotonic() > deadline:
                    print(f"错误：Rasa 五分钟内未能启动，日志见 {rasa_log}", file=sys.stderr)
                    return 1
            time.sleep(0.5)
        print("\n==> 正在停止…")
        return 0
    finally:
        _stop(procs)


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1.0).status_code < 500
    except httpx.HTTPError:
        return False


def _banner(settings: Settings, accounts: list[dict]) -> None:
    lines = [
        "",
        "智慧水务服务平台已启动",
        f"  打开：{settings.base_url}/",
        f"  接口文档：{settings.base_url}/docs",
    ]
    if accounts:
        lines.append("  演示账号（仅限本机开发使用）：")
        for a in accounts:
            lines.append(f"    {a['role_label']:<6} 用户名 {a['username']:<16} 密码 {a['password']}")
    if not (settings.twilio_account_sid or settings.smtp_host):
        lines.append("  未配置短信/邮件通道：验证码等消息存入发件箱，管理员登录后在 工作台 → 发件箱 查看。")
    lines.append("  智能客服（Rasa）正在加载模型，约半分钟后可以对话。按 Ctrl-C 停止。")
    print("\n".join(lines), flush=True)
