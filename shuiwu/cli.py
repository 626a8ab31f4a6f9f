"""`shuiwu`: the one command line for operators and evaluation scripts.

Subcommand names and JSON outputs are a contract with tools outside the repo: keep them stable.
"""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer
from pydantic import ValidationError

from shuiwu.errors import DomainError

app = typer.Typer(
    help="智慧水务服务平台命令行 / Command line of the smart water-utility platform.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)
db_app = typer.Typer(help="数据库结构迁移 / Database schema migrations.", no_args_is_help=True)
user_app = typer.Typer(help="账号管理 / User accounts.", no_args_is_help=True)
keys_app = typer.Typer(
    help="字段加密密钥 / Field encryption keys (FIELD_KEYS, BLIND_INDEX_KEY).", no_args_is_help=True
)
app.add_typer(db_app, name="db")
app.add_typer(user_app, name="user")
app.add_typer(keys_app, name="keys")
from shuiwu.cli_forecast import forecast_app  # noqa: E402  (light: pandas/Prophet load inside)

app.add_typer(forecast_app, name="forecast")

from shuiwu import cli_vision  # noqa: E402  (light: the models load inside the commands)

app.add_typer(cli_vision.vision_app, name="vision")
app.command("read-digit", help=cli_vision.READ_DIGIT_HELP)(cli_vision.read_digit)
app.command("read-needle", help=cli_vision.READ_NEEDLE_HELP)(cli_vision.read_needle)
app.command("read-meter", help=cli_vision.READ_METER_HELP)(cli_vision.read_meter)
from shuiwu import cli_docs  # noqa: E402

app.command("read-doc", help=cli_docs.READ_DOC_HELP)(cli_docs.read_doc)
from shuiwu.cli_kb import kb_app  # noqa: E402

app.add_typer(kb_app, name="kb")
from shuiwu.cli_nlu import nlu_app  # noqa: E402

app.add_typer(nlu_app, name="nlu")


def fail(message: str, code: int = 1) -> None:
    typer.echo(f"错误：{message}", err=True)
    raise typer.Exit(code)


@db_app.command("upgrade", help="升级数据库结构到最新版本 / Upgrade the schema to the latest revision.")
def db_upgrade(
    revision: Annotated[str, typer.Argument(help="目标版本 / target revision")] = "head",
) -> None:
    from shuiwu import migrate
    from shuiwu.health import redact

    url = _require_database()
    migrate.upgrade(url, revision)
    typer.echo(f"数据库 {redact(url)} 已升级到 {migrate.current_revision(url)}")


@db_app.command("downgrade", help="回退数据库结构 / Downgrade the schema.")
def db_downgrade(
    revision: Annotated[str, typer.Argument(help="目标版本，base 为清空 / target revision")],
) -> None:
    from shuiwu import migrate

    url = _require_database()
    migrate.downgrade(url, revision)
    typer.echo(f"数据库已回退到 {migrate.current_revision(url) or 'base'}")


@db_app.command("current", help="显示当前数据库结构版本 / Show the current revision.")
def db_current() -> None:
    from shuiwu import migrate

    url = _require_database()
    typer.echo(json.dumps({"current": migrate.current_revision(url), "head": migrate.head_revision()}))


@app.command(help="写入演示城市数据（仅当数据库为空时）/ Seed the demo city (only into an empty database).")
def seed(
    households: Annotated[int, typer.Option(help="户数 / number of households", min=1, max=20000)] = 2000,
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出 / print JSON")] = False,
) -> None:
    from shuiwu.db import session_scope
    from shuiwu.demo.seed import seed as seed_city

    _require_database(migrated=True)
    with session_scope() as session:
        report = seed_city(session, households=households, only_if_empty=True)
    if as_json:
        typer.echo(json.dumps(report.as_dict(), ensure_ascii=False))
    else:
        typer.echo(report.summary())


@user_app.command("create", help="创建账号 / Create a user account.")
def user_create(
    username: Annotated[str, typer.Option(help="用户名 / username")],
    role: Annotated[str, typer.Option(help="resident | staff | admin")] = "resident",
    password: Annotated[
        str,
        typer.Option(
            prompt="密码 / password", hide_input=True, confirmation_prompt=True, help="密码 / password"
        ),
    ] = "",
    name: Annotated[str, typer.Option(help="显示名 / display name")] = "",
    phone: Annotated[str | None, typer.Option(help="手机号 / mobile")] = None,
    email: Annotated[str | None, typer.Option(help="邮箱 / email")] = None,
    staff_function: Annotated[
        str | None, typer.Option(help="customer_service | field_repair（仅 staff）")
    ] = None,
) -> None:
    from shuiwu.db import session_scope
    from shuiwu.models import Role, StaffFunction
    from shuiwu.services import accounts

    try:
        role_value = Role(role)
    except ValueError:
        fail("角色必须是 resident、staff 或 admin 之一")
    function = None
    if staff_function:
        try:
            function = StaffFunction(staff_function)
        except ValueError:
            fail("岗位必须是 customer_service 或 field_repair")
    _require_database(migrated=True)
    with session_scope() as session:
        user = accounts.create_user(
            session, None, username=username, password=password, role=role_value,
            display_name=name, phone=phone, email=email, staff_function=function,
        )
        typer.echo(json.dumps({"id": user.id, "username": user.username, "role": user.role.value}))


@keys_app.command("generate", help="生成一把新的字段加密密钥 / Print a new key for FIELD_KEYS.")
def keys_generate(
    kid: Annotated[str, typer.Option(help="密钥编号 / key id")] = "k2",
    alg: Annotated[str, typer.Option(help="aes（AES-256-GCM）或 sm4（SM4-GCM）")] = "aes",
) -> None:
    from shuiwu.crypto import ALGORITHMS, new_key_spec

    if alg not in ALGORITHMS:
        fail("算法必须是 aes 或 sm4")
    if not kid.isidentifier():
        fail("密钥编号只能由字母、数字和下划线组成")
    typer.echo(new_key_spec(kid, alg))


@keys_app.command(
    "reencrypt",
    help="用当前密钥重新加密所有旧数据（轮换密钥后运行）/ Re-encrypt stored values under the active key.",
)
def keys_reencrypt() -> None:
    from shuiwu.crypto import KeyConfigError, reencrypt
    from shuiwu.db import get_engine

    _require_database(migrated=True)
    try:
        with get_engine().begin() as conn:
            counts = reencrypt(conn)
    except KeyConfigError as exc:
        fail(exc.message)
    typer.echo(json.dumps({"reencrypted": counts, "total": sum(counts.values())}, ensure_ascii=False))


@app.command(help="检查数据库、Rasa、Chroma、Redis 等是否可用 / Check every dependency and say what is wrong.")
def doctor(
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出 / print JSON")] = False,
) -> None:
    from shuiwu.doctor import diagnose

    checks = diagnose()
    ok = all(c.ok for c in checks if c.required)
    if as_json:
        typer.echo(json.dumps({"ok": ok, "checks": [c.as_dict() for c in checks]}, ensure_ascii=False))
    else:
        for c in checks:
            mark = "✔" if c.ok else ("✘" if c.required else "!")
            typer.echo(f"{mark} {c.name:<10} {c.detail}")
        typer.echo("一切正常" if ok else "发现问题：请按上面标 ✘ 的提示处理")
    raise typer.Exit(0 if ok else 1)


@app.command(help="启动 Rasa 与应用（make run 使用）/ Start Rasa and the app (used by make run).")
def serve(
    demo: Annotated[bool, typer.Option(help="空库时写入演示数据 / seed the demo city when empty")] = True,
    workers: Annotated[int, typer.Option(help="应用进程数 / app worker processes", min=1, max=16)] = 1,
    households: Annotated[int, typer.Option(help="演示户数 / demo households", min=1)] = 2000,
) -> None:
    from shuiwu.launcher import run

    raise typer.Exit(run(demo=demo, workers=workers, households=households))


def _require_database(*, migrated: bool = False) -> str:
    """The database URL, after checking it answers; a one-line error otherwise."""
    from shuiwu.config import get_settings
    from shuiwu.health import check_database

    settings = get_settings()
    check = check_database(settings)
    if not check.ok and (migrated or check.detail.startswith("无法连接")):
        fail(check.detail)
    return settings.effective_database_url


def main() -> None:
    try:
        app()
    except DomainError as exc:
        typer.echo(f"错误：{exc.message}", err=True)
        sys.exit(1)
    except ValidationError as exc:  # the settings: one line per problem, no traceback
        for err in exc.errors():
            field = ".".join(str(p) for p in err.get("loc", ())) or "配置"
            message = str(err.get("msg", "")).removeprefix("Value error, ")
            typer.echo(f"错误：{message}" if field == "配置" else f"错误：配置项 {field.upper()}：{message}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
