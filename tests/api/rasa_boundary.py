"""Rasa's HTTP API at the boundary, as a tiny real HTTP server for the handoff tests.

It answers the three calls the app makes (GET tracker, POST tracker/events, POST execute)
and checks what Rasa 3.6 checks: the `token` query parameter (401 otherwise), a JSON body
with the action `name`. `execute` does what Rasa does: it posts the action call (tracker
state, domain, version) to the app's /webhook, appends the returned events and the bot
messages to the tracker, and delivers the messages to the "latest" output channel, which
here is a list per conversation: what the resident's socket would receive.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

NOT_AUTHENTICATED = {"version": "3.6.21", "status": "failure", "reason": "NotAuthenticated",
                     "message": "User is not authenticated.", "code": 401}


@dataclass
class FakeRasa:
    webhook_url: str
    token: str
    trackers: dict[str, dict] = field(default_factory=dict)
    delivered: dict[str, list[str]] = field(default_factory=dict)
    calls: list[tuple[str, str]] = field(default_factory=list)

    def tracker(self, sender_id: str) -> dict:
        return self.trackers.setdefault(sender_id, {
            "sender_id": sender_id, "slots": {}, "latest_message": {}, "paused": False,
            "events": [], "latest_input_channel": "authenticated_web", "active_loop": {},
            "latest_action_name": "action_listen", "latest_event_time": time.time(),
        })

    def user_says(self, sender_id: str, text: str, *, intent: str, metadata: dict | None = None) -> None:
        tracker = self.tracker(sender_id)
        parse = {"text": text, "intent": {"name": intent, "confidence": 0.95},
                 "intent_ranking": [{"name": intent, "confidence": 0.95}], "entities": [],
                 "metadata": metadata or {}}
        tracker["events"].append({"event": "user", "text": text, "parse_data": parse,
                                  "metadata": metadata or {}, "input_channel": "authenticated_web",
                                  "timestamp": time.time()})
        tracker["latest_message"] = parse

    def bot_says(self, sender_id: str, text: str) -> None:
        self.tracker(sender_id)["events"].append({"event": "bot", "text": text, "timestamp": time.time()})

    def _apply(self, tracker: dict, events: list[dict]) -> None:
        for event in events:
            if event.get("event") == "pause":
                tracker["paused"] = True
            elif event.get("event") == "resume":
                tracker["paused"] = False
            tracker["events"].append({**event, "timestamp": time.time()})

    def run_action(self, sender_id: str, name: str) -> list[str]:
        """What Rasa does to run a custom action; returns the texts sent to the channel."""
        tracker = self.tracker(sender_id)
        call = {"next_action": name, "sender_id": sender_id, "version": "3.6.21", "tracker": tracker,
                "domain": {"intents": ["human_handoff"], "entities": [], "slots": {}, "responses": {},
                           "actions": ["action_handoff", "action_relay_agent_message"]}}
        answer = httpx.post(self.webhook_url, json=call, timeout=30)
        answer.raise_for_status()
        body = answer.json()
        self._apply(tracker, [{"event": "action", "name": name}, *body["events"]])
        texts = [r["text"] for r in body["responses"] if r.get("text")]
        for text in texts:
            self.bot_says(sender_id, text)
        self.delivered.setdefault(sender_id, []).extend(texts)
        return texts

    # -- Rasa's routes ---------------------------------------------------------------------

    def _refused(self, request: Request) -> JSONResponse | None:
        self.calls.append((request.method, request.url.path))
        if self.token and request.query_params.get("token") != self.token:
            return JSONResponse(NOT_AUTHENTICATED, status_code=401)
        return None

    async def get_tracker(self, request: Request) -> JSONResponse:
        return self._refused(request) or JSONResponse(self.tracker(request.path_params["sender_id"]))

    async def append_events(self, request: Request) -> JSONResponse:
        if refused := self._refused(request):
            return refused
        events = await request.json()
        tracker = self.tracker(request.path_params["sender_id"])
        self._apply(tracker, events if isinstance(events, list) else [events])
        return JSONResponse(tracker)

    async def execute(self, request: Request) -> JSONResponse:
        if refused := self._refused(request):
            return refused
        body = await request.json()
        if not body.get("name"):
            return JSONResponse({"status": "failure", "reason": "BadRequest",
                                 "message": "Name of the action not provided in request body."}, 400)
        assert request.query_params.get("output_channel") == "latest"
        import anyio

        sender_id = request.path_params["sender_id"]
        await anyio.to_thread.run_sync(self.run_action, sender_id, body["name"])
        return JSONResponse({"tracker": self.tracker(sender_id), "messages": []})

    def asgi(self) -> Starlette:
        return Starlette(routes=[
            Route("/conversations/{sender_id}/tracker", self.get_tracker, methods=["GET"]),
            Route("/conversations/{sender_id}/tracker/events", self.append_events, methods=["POST"]),
            Route("/conversations/{sender_id}/execute", self.execute, methods=["POST"]),
        ])
