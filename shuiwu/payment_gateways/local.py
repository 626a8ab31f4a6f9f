"""Run an ASGI app (a fake gateway) as a real HTTP server on a free local port, in a thread.

Used when no gateway URL is configured (development) and by the tests. A thread with its own
event loop, not a mount inside the app: the app's chat actions may call the gateway
synchronously from the app's own event loop, which would then never answer itself.
"""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass

import uvicorn


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class LocalServer:
    url: str
    server: uvicorn.Server
    thread: threading.Thread

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def serve(app, *, port: int | None = None, timeout: float = 15) -> LocalServer:
    port = port or free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    server.install_signal_handlers = lambda: None  # not the main thread
    thread = threading.Thread(target=server.run, name=f"local-server-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError(f"local server on port {port} did not start")
        time.sleep(0.02)
    return LocalServer(f"http://127.0.0.1:{port}", server, thread)


_fakes: dict[tuple[str, str], LocalServer] = {}
_lock = threading.Lock()


def dev_fake_url(kind: str, settings) -> str:
    """The URL of this process's local fake `kind` ("wechatpay" | "alipay"), started once."""
    from shuiwu.payment_gateways import fake_alipay, fake_wechatpay

    if settings.environment == "production":
        raise RuntimeError(f"生产环境必须配置 {kind} 的网关地址")
    key = (kind, str(settings.data_dir))
    with _lock:
        if key not in _fakes:
            app = (fake_wechatpay.dev_app if kind == "wechatpay" else fake_alipay.dev_app)(settings)
            _fakes[key] = serve(app)
        return _fakes[key].url
