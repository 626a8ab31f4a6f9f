"""One ONNX Runtime session per model file and thread count, created on first use."""

from __future__ import annotations

import threading
from pathlib import Path

import onnxruntime as ort

_sessions: dict[tuple[Path, int], ort.InferenceSession] = {}
_lock = threading.Lock()

MODELS = Path(__file__).resolve().parent / "models"


def session(path: Path, threads: int = 0) -> ort.InferenceSession:
    """The shared session for `path` (threads=0: ONNX Runtime's default).

    `InferenceSession.run` is thread-safe, so one session serves every request.
    """
    key = (path, threads)
    found = _sessions.get(key)
    if found is not None:
        return found
    with _lock:
        if key not in _sessions:
            opts = ort.SessionOptions()
            opts.intra_op_num_threads = threads
            opts.inter_op_num_threads = 1
            opts.log_severity_level = 3
            _sessions[key] = ort.InferenceSession(
                str(path), sess_options=opts, providers=["CPUExecutionProvider"]
            )
        return _sessions[key]
