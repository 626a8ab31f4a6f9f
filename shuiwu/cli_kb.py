"""Knowledge-base commands of `shuiwu`: `kb ask`, `kb reindex`, `kb eval` (issue 6; names and JSON are a contract)."""

from __future__ import annotations

import typer

kb_app = typer.Typer(help="知识库问答、重建索引与评测 / Knowledge base: ask, reindex, evaluate.", no_args_is_help=True)
