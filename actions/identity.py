"""Who is talking, as the verified channel said: never from anything the user can type.

The authenticated web channel (channels/web.py) binds the conversation to the person:
sender_id is ``user-<id>`` for a logged-in user (``anon-<random>`` for a visitor) and every
message carries ``{"auth": {"user_id", "role", "channel", "session_id"}}`` in its metadata, replacing
whatever the client sent. Both must agree; anything else — no metadata, a sender id of
another user, a malformed value — is treated as an anonymous visitor. Slots are never read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from rasa_sdk import Tracker

_USER_SENDER = re.compile(r"user-([1-9][0-9]{0,17})")


@dataclass(frozen=True)
class Identity:
    user_id: int | None
    role: str | None = None
    channel: str | None = None
    session_id: str | None = None  # the web login session; actions check it has not ended

    @property
    def anonymous(self) -> bool:
        return self.user_id is None


ANONYMOUS = Identity(None)


def _auth_metadata(tracker: Tracker) -> dict[str, Any] | None:
    """The `auth` block of the newest user message that has metadata."""
    metadata = (tracker.latest_message or {}).get("metadata")
    if not metadata:
        for event in reversed(tracker.events or []):
            if event.get("event") == "user":
                metadata = event.get("metadata") or (event.get("parse_data") or {}).get("metadata")
                break
    if not isinstance(metadata, dict):
        return None
    auth = metadata.get("auth")
    return auth if isinstance(auth, dict) else None


def identity_of(tracker: Tracker) -> Identity:
    """The logged-in user behind this conversation, or ANONYMOUS."""
    match = _USER_SENDER.fullmatch(tracker.sender_id or "")
    auth = _auth_metadata(tracker)
    if match is None or auth is None:
        return ANONYMOUS
    user_id = auth.get("user_id")
    # bool is an int in Python: True must not become user 1.
    if not isinstance(user_id, int) or isinstance(user_id, bool) or user_id != int(match.group(1)):
        return ANONYMOUS
    role, channel, sid = auth.get("role"), auth.get("channel"), auth.get("session_id")
    return Identity(
        user_id,
        role if isinstance(role, str) else None,
        channel if isinstance(channel, str) else None,
        sid if isinstance(sid, str) else None,
    )


def message_metadata(tracker: Tracker) -> dict[str, Any]:
    metadata = (tracker.latest_message or {}).get("metadata")
    return metadata if isinstance(metadata, dict) else {}


def upload_ids(tracker: Tracker) -> list[str]:
    """Ids of files the widget uploaded with the latest message.

    Accepts ``{"upload_id": id}``, ``{"upload": {"id": id}}`` or ``{"uploads": [{"id": id}, …]}``;
    ids are opaque here (the upload service checks they belong to the user).
    """
    metadata = message_metadata(tracker)
    found: list[Any] = []
    if "upload_id" in metadata:
        found.append(metadata["upload_id"])
    if isinstance(metadata.get("upload"), dict):
        found.append(metadata["upload"].get("id"))
    if isinstance(metadata.get("uploads"), list):
        found.extend(u.get("id") if isinstance(u, dict) else u for u in metadata["uploads"])
    ids = []
    for value in found:
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            continue
        text = str(value).strip()
        if text and len(text) <= 64 and re.fullmatch(r"[A-Za-z0-9_-]+", text) and text not in ids:
            ids.append(text)
    return ids[:9]
