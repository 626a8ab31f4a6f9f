"""Latency of a full chat turn through the authenticated web channel (message in → reply out).

  .venv/bin/python scripts/bench_chat.py --start            # own Rasa + app + demo city (SQLite)
  .venv/bin/python scripts/bench_chat.py --rasa http://127.0.0.1:5005 --app http://127.0.0.1:8000

A resident logs in (demo_resident), connects over socket.io like the widget and asks a mix of
questions in turn; for each turn it times the first reply and the end of the turn (the
typing indicator going off after the last reply). Prints median and p95 in milliseconds.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

QUESTIONS = [
    "你好",
    "我家这个月水费多少",
    "最近有没有停水通知",
    "阶梯水价是怎么算的",
    "上个月用了多少水",
    "谢谢",
]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--start", action="store_true", help="start Rasa, the app and a demo city")
    parser.add_argument("--rasa", default="http://127.0.0.1:5005")
    parser.add_argument("--app", default="http://127.0.0.1:8000")
    parser.add_argument("--username", default="demo_resident")
    parser.add_argument("--password", default="Qinghe2026water")
    parser.add_argument("--turns", type=int, default=60)
    parser.add_argument("--warmup", type=int, default=5)
    args = parser.parse_args()

    import httpx

    from tests.channels.client import ChatClient

    with ExitStack() as stack:
        if args.start:
            from tests.channels.stack import running_chat_stack
            from tests.databases import DatabaseFactory

            work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench_chat_")))
            factory = DatabaseFactory(work)
            stack.callback(factory.drop_all)
            print("启动 Rasa 与应用（约一分钟）…", flush=True)
            started = stack.enter_context(running_chat_stack(factory.new(), work / "data"))
            args.rasa, args.app = started.rasa, started.app
        login = httpx.post(f"{args.app}/api/v1/auth/login",
                           json={"username": args.username, "password": args.password}, timeout=30)
        if login.status_code != 200:
            print(f"登录失败：{login.text}", file=sys.stderr)
            return 1
        chat = ChatClient(args.rasa, {"token": login.json()["access_token"]})
        first, full = [], []
        for i in range(args.warmup + args.turns):
            text = QUESTIONS[i % len(QUESTIONS)]
            while True:  # the channel allows 30 messages a minute per socket: wait, then time
                t0 = time.perf_counter()
                ack = chat.send(text)
                if ack["ok"] or ack.get("error") != "too_fast":
                    break
                time.sleep(2)
            if not ack["ok"]:
                print(f"消息被拒绝：{ack}", file=sys.stderr)
                return 1
            got_first = None
            replies = 0
            while True:
                name, *data = chat.sio.receive(timeout=60)
                if name == "bot_uttered":
                    replies += 1
                    got_first = got_first or time.perf_counter()
                elif name == "bot_typing" and not data[0]["typing"] and data[0]["reply_to"] == ack["id"]:
                    break
            done = time.perf_counter()
            if i >= args.warmup and replies:
                first.append((got_first - t0) * 1000)
                full.append((done - t0) * 1000)
        chat.close()

    print(f"{len(full)} 轮对话（{args.username}，socket.io WebSocket，{', '.join(QUESTIONS)}）")
    for label, values in (("首条回复", first), ("完整一轮", full)):
        print(f"  {label}：中位数 {statistics.median(values):.0f} ms，p95 {percentile(values, 0.95):.0f} ms，"
              f"最大 {max(values):.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
