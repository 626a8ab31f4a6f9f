"""A chat client speaking the widget's protocol, on python-socketio's client (tests, benchmark)."""

from __future__ import annotations

import itertools
import time

import socketio

_ids = itertools.count(1)


class ChatClient:
    def __init__(self, url: str, auth: dict | None = None):
        self.sio = socketio.SimpleClient()
        self.sio.connect(url, auth=auth or {}, transports=["websocket"], wait_timeout=10)
        self.confirm = self.wait_for("session_confirm")

    @property
    def sender_id(self) -> str:
        return self.confirm["sender_id"]

    def wait_for(self, event: str, timeout: float = 10) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            name, *args = self.sio.receive(timeout=max(0.01, deadline - time.monotonic()))
            if name == event:
                return args[0] if args else None

    def send(self, text: str, metadata: dict | None = None, **extra) -> dict:
        """Emit user_uttered; the server's ack ({"ok", "id", …})."""
        data = {"message": text, "id": f"m{next(_ids)}", **extra}
        if metadata is not None:
            data["metadata"] = metadata
        return self.sio.call("user_uttered", data, timeout=10)

    def ask(self, text: str, metadata: dict | None = None, timeout: float = 60) -> list[dict]:
        """One full turn: every bot_uttered until the typing indicator for it goes off."""
        ack = self.send(text, metadata)
        assert ack["ok"], ack
        return self.replies_to(ack["id"], timeout)

    def replies_to(self, message_id: str, timeout: float = 60) -> list[dict]:
        replies: list[dict] = []
        deadline = time.monotonic() + timeout
        while True:
            name, *args = self.sio.receive(timeout=max(0.01, deadline - time.monotonic()))
            if name == "bot_uttered":
                replies.append(args[0])
            elif name == "bot_typing" and not args[0]["typing"] and args[0]["reply_to"] == message_id:
                return replies

    def pending(self, timeout: float = 1.0) -> list[tuple[str, object]]:
        """Everything that arrives within `timeout` (to show nothing did)."""
        got = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                name, *args = self.sio.receive(timeout=max(0.01, deadline - time.monotonic()))
            except socketio.exceptions.TimeoutError:
                break
            got.append((name, args[0] if args else None))
        return got

    def close(self) -> None:
        self.sio.disconnect()


def texts(replies: list[dict]) -> str:
    return "\n".join(r.get("text") or "" for r in replies)
