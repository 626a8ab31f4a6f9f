"""`shuiwu doctor`: the readiness checks plus what a local installation needs on disk."""

from __future__ import annotations

from shuiwu.config import ROOT, get_settings
from shuiwu.health import Check, run_checks


def diagnose() -> list[Check]:
    settings = get_settings()
    checks = run_checks(settings)
    rasa_python = ROOT / ".venv-rasa" / "bin" / "python"
    checks.append(
        Check(
            "rasa_venv",
            rasa_python.exists(),
            str(rasa_python.parent.parent) if rasa_python.exists() else "缺少 .venv-rasa，请运行 make run",
            required=False,
        )
    )
    try:
        from shuiwu.rasa_runtime import current_model

        model = current_model()
        checks.append(Check("rasa_model", True, str(model), required=False))
    except Exception as exc:  # report, don't raise
        checks.append(Check("rasa_model", False, getattr(exc, "message", str(exc)), required=False))
    index = settings.web_dist / "index.html"
    checks.append(
        Check(
            "web",
            index.exists(),
            str(settings.web_dist) if index.exists() else "前端尚未构建，请运行 make run",
            required=False,
        )
    )
    return checks
