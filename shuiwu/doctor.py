"""`shuiwu doctor`: the readiness checks plus what a local installation needs on disk."""

from __future__ import annotations

from shuiwu.config import ROOT, get_settings
from shuiwu.health import Check, run_checks


def diagnose() -> list[Check]:
    settings = get_settings()
    checks = run_checks(settings)
    checks.append(check_keys(settings))
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


def check_keys(settings) -> Check:
    """The field keys are configured and open what is stored (a lost var/ would not)."""
    from sqlalchemy import text

    from shuiwu.crypto import KeyConfigError, encrypted_columns, keyring
    from shuiwu.db import engine_for

    where = "FIELD_KEYS" if settings.field_keys else str(settings.data_dir / "field.keys")
    try:
        ring = keyring()
        with engine_for(settings.effective_database_url).connect() as conn:
            for table, _pk, column, context in encrypted_columns():
                value = conn.execute(
                    text(f"SELECT {column} FROM {table} WHERE {column} IS NOT NULL LIMIT 1")
                ).scalar()
                if value is not None:
                    ring.decrypt(value, context)
    except KeyConfigError as exc:
        return Check("keys", False, exc.message)
    except Exception as exc:  # the database check reports connection problems
        return Check("keys", False, f"无法检查加密数据：{type(exc).__name__}", required=False)
    return Check("keys", True, f"{where}，当前密钥 {ring.active.kid}（{ring.active.alg}）")
