"""The authenticated web chat channel: socket.io on Rasa's server, identity from the app's JWT.

Unlike Rasa's own `socketio` channel, the client never names its conversation: the server
binds `sender_id` to the verified user (`user-<id>`) or to an anonymous id it chose
(`anon-<hex>`), and stamps every message's metadata with that identity. All tabs of one
person share a socket.io room named after the sender id, so replies — and messages pushed
later through `/conversations/<id>/execute?output_channel=web` (human handoff) — reach each.

Protocol (event names; see docs/chat_channel.md):
  connect        auth {"token": access JWT} or {"anon_token": …} or nothing
  session_confirm  server → client {"sender_id", "user_id", "role", "anon_token"?}
  user_uttered   client → server {"message", "metadata"?, "id"?}; ack {"ok", "id", "error"?, "message"?}
  authenticate   client → server {"token"}; ack like session_confirm, or {"ok": false, …}
  user_echo      server → the sender's other tabs {"message", "id"}
  bot_typing     server → room {"typing": bool, "reply_to": id}
  bot_uttered    server → room {"text"?, "buttons"?, "image"?, "attachment"?, "custom"?}
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.core.channels.socketio import SocketBlueprint
from sanic import Blueprint, response
from sanic.request import Request
from socketio import AsyncServer
from socketio.exceptions import ConnectionRefusedError as Refused

from channels.identity import Identity, IdentityError, anonymous_token, identify, new_anonymous

logger = logging.getLogger(__name__)

MAX_TEXT = 2000  # characters of one message
MAX_METADATA = 4096  # bytes of the client's metadata as JSON
RATE_WINDOW, RATE_MESSAGES = 60.0, 30  # per socket

MESSAGES = {
    "not_configured": "在线客服暂时无法验证登录状态，请稍后再试",
    "empty": "请输入要咨询的内容",
    "too_long": f"消息太长了，请控制在 {MAX_TEXT} 字以内",
    "bad_metadata": "消息附带的信息格式有误",
    "too_fast": "发送太频繁了，请稍等片刻再试",
    "expired": "登录已过期，正在重新验证，请稍候",
    "busy": "客服暂时无法回复，请稍后再试",
}


class WebOutput(OutputChannel):
    """Sends the bot's messages to every socket in the conversation's room."""

    @classmethod
    def name(cls) -> str:
        return "web"

    def __init__(self, sio: AsyncServer, event: str = "bot_uttered") -> None:
        self.sio = sio
        self.event = event

    async def _emit(self, room: str, message: dict[str, Any]) -> None:
        await self.sio.emit(self.event, message, room=room)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        # One bubble per message: the widget renders Markdown, so paragraphs stay together.
        await self._emit(recipient_id, {"text": text})

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        await self._emit(recipient_id, {
            "text": text,
            "buttons": [{"title": b.get("title", ""), "payload": b.get("payload", "")} for b in buttons],
        })

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        await self._emit(recipient_id, {"image": image})

    async def send_attachment(  # type: ignore[override]
        self, recipient_id: str, attachment: Any, **kwargs: Any
    ) -> None:
        await self._emit(recipient_id, {"attachment": attachment})

    async def send_elements(
        self, recipient_id: str, elements: Iterable[dict[str, Any]], **kwargs: Any
    ) -> None:
        await self._emit(recipient_id, {"elements": list(elements)})

    async def send_custom_json(
        self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any
    ) -> None:
        # Charts ({"type": "chart", "title", "option"}) and other structured answers.
        await self._emit(recipient_id, {"custom": json_message})


class AuthenticatedWebInput(InputChannel):
    """socket.io chat whose conversation id comes from a verified JWT, never from the client."""

    @classmethod
    def name(cls) -> str:
        return "web"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        credentials = credentials or {}
        return cls(
            socketio_path=credentials.get("socketio_path", "/socket.io"),
            secret_env=credentials.get("secret_env", "SECRET_KEY"),
            redis_url_env=credentials.get("redis_url_env", "CHAT_SOCKET_REDIS_URL"),
            cors_allowed_origins=credentials.get("cors_allowed_origins", []),
        )

    def __init__(
        self,
        socketio_path: str = "/socket.io",
        secret_env: str = "SECRET_KEY",
        redis_url_env: str = "CHAT_SOCKET_REDIS_URL",
        cors_allowed_origins: Any = (),
    ) -> None:
        self.socketio_path = socketio_path
        self.secret_env = secret_env
        self.redis_url_env = redis_url_env
        # [] = no Origin check: the widget is meant for any host page, and a socket carries no
        # cookie, only the token the page hands it, so a foreign page gains nothing.
        self.cors_allowed_origins = list(cors_allowed_origins or [])
        self.sio: AsyncServer | None = None

    def _key(self) -> str | None:
        return os.environ.get(self.secret_env) or None

    def _client_manager(self) -> Any:
        """Rooms across Rasa replicas when a Redis URL is set (a user's tabs may sit on two)."""
        url = os.environ.get(self.redis_url_env)
        if not url:
            return None
        from socketio import AsyncRedisManager

        # Pub/sub channels ignore the db number: each installation (and test stack) its own.
        channel = os.environ.get("CHAT_SOCKET_REDIS_CHANNEL") or "shuiwu:chat"
        return AsyncRedisManager(url, channel=channel)

    def get_output_channel(self) -> OutputChannel | None:
        """For `execute?output_channel=web|latest`: pushes (e.g. an agent's reply) to the room."""
        return WebOutput(self.sio) if self.sio is not None else None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        manager = self._client_manager()
        kwargs = {"client_manager": manager} if manager else {}
        sio = AsyncServer(
            async_mode="sanic", cors_allowed_origins=self.cors_allowed_origins,
            max_http_buffer_size=64 * 1024, **kwargs,
        )
        self.sio = sio
        output = WebOutput(sio)
        bp = SocketBlueprint(sio, self.socketio_path, "authenticated_web", __name__)
        turns: set[asyncio.Task] = set()
        if not self._key():
            logger.error("web chat: %s is not set; logged-in users cannot connect", self.secret_env)

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> response.HTTPResponse:
            return response.json({"status": "ok", "auth": bool(self._key())})

        async def bind(sid: str, identity: Identity) -> dict:
            """Put the socket in its person's room (leaving any previous one); the confirmation."""
            session = await sio.get_session(sid)
            old: Identity | None = session.get("identity")
            if old and old.sender_id != identity.sender_id:
                await sio.leave_room(sid, old.sender_id)
            session["identity"] = identity
            await sio.save_session(sid, session)
            await sio.enter_room(sid, identity.sender_id)
            confirm = {
                "sender_id": identity.sender_id,
                "user_id": identity.user_id,
                "role": identity.role,
            }
            key = self._key()
            if identity.anonymous and key:
                confirm["anon_token"] = anonymous_token(identity, key)
            return confirm

        def resolve(auth: Any) -> Identity:
            key = self._key()
            if not key:
                if isinstance(auth, dict) and auth.get("token"):
                    raise IdentityError(MESSAGES["not_configured"])
                return new_anonymous()
            return identify(auth, key)

        @sio.on("connect")
        async def connect(sid: str, environ: dict, auth: dict | None = None) -> None:
            try:
                identity = resolve(auth)
            except IdentityError as exc:
                logger.info("web chat: refused a connection: %s", exc.message)
                raise Refused(exc.message, {"code": "auth_failed"}) from None
            await sio.save_session(sid, {"sent": deque()})
            confirm = await bind(sid, identity)
            await sio.emit("session_confirm", confirm, to=sid)

        @sio.on("authenticate")
        async def authenticate(sid: str, data: Any) -> dict:
            """A fresh token on a live socket (after the page refreshed its session)."""
            try:
                identity = resolve(data if isinstance(data, dict) else {})
            except IdentityError as exc:
                return {"ok": False, "error": "auth_failed", "message": exc.message}
            confirm = await bind(sid, identity)
            await sio.emit("session_confirm", confirm, to=sid)
            return {"ok": True, **confirm}

        @sio.on("session_request")
        async def session_request(sid: str, _data: Any = None) -> None:
            # Rasa webchat clients ask for this; the answer is the id we chose, not theirs.
            session = await sio.get_session(sid)
            await sio.emit("session_confirm", {"sender_id": session["identity"].sender_id}, to=sid)

        @sio.on("user_uttered")
        async def user_uttered(sid: str, data: Any) -> dict:
            session = await sio.get_session(sid)
            identity: Identity = session["identity"]
            data = data if isinstance(data, dict) else {}
            client_id = data.get("id") if isinstance(data.get("id"), (str, int)) else None
            refused = _check(data, identity, session["sent"])
            if refused:
                return {"ok": False, "id": client_id, "error": refused, "message": MESSAGES[refused]}
            metadata = dict(data.get("metadata") or {})
            metadata["auth"] = identity.auth_metadata()  # whatever the client sent is replaced
            text = data["message"].strip()
            await sio.emit("user_echo", {"message": text, "id": client_id},
                           room=identity.sender_id, skip_sid=sid)
            message = UserMessage(text, output, identity.sender_id,
                                  input_channel=self.name(), metadata=metadata)
            # Acknowledge now (the widget marks the message sent), answer when the turn is done.
            task = asyncio.get_running_loop().create_task(
                _turn(sio, on_new_message, message, identity.sender_id, client_id)
            )
            turns.add(task)  # a reference, so the loop cannot drop a running turn
            task.add_done_callback(turns.discard)
            return {"ok": True, "id": client_id}

        return bp


def _check(data: dict, identity: Identity, sent: deque) -> str | None:
    """Why a message is refused (a MESSAGES key), or None."""
    if identity.expired():
        return "expired"
    text = data.get("message")
    if not isinstance(text, str) or not text.strip():
        return "empty"
    if len(text) > MAX_TEXT:
        return "too_long"
    metadata = data.get("metadata")
    if metadata is not None:
        if not isinstance(metadata, dict):
            return "bad_metadata"
        try:
            if len(json.dumps(metadata, ensure_ascii=False).encode()) > MAX_METADATA:
                return "bad_metadata"
        except (TypeError, ValueError):
            return "bad_metadata"
    now = time.monotonic()
    while sent and now - sent[0] > RATE_WINDOW:
        sent.popleft()
    if len(sent) >= RATE_MESSAGES:
        return "too_fast"
    sent.append(now)
    return None


async def _turn(
    sio: AsyncServer,
    on_new_message: Callable[[UserMessage], Awaitable[Any]],
    message: UserMessage,
    room: str,
    client_id: Any,
) -> None:
    """One dialogue turn, framed by typing on/off so every tab shows the indicator."""
    await sio.emit("bot_typing", {"typing": True, "reply_to": client_id}, room=room)
    try:
        await on_new_message(message)
    except Exception:  # the visitor gets a message, the log the trace
        logger.exception("web chat: the turn of %s failed", room)
        await sio.emit("bot_uttered", {"text": MESSAGES["busy"]}, room=room)
    finally:
        await sio.emit("bot_typing", {"typing": False, "reply_to": client_id}, room=room)
