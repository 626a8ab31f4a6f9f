"""Assistant NLU commands of `shuiwu`: `nlu parse` and `nlu eval` (issue 5; names and JSON are a contract)."""

from __future__ import annotations

import typer

nlu_app = typer.Typer(help="智能客服语义理解 / The assistant's NLU: parse a text, evaluate.", no_args_is_help=True)
