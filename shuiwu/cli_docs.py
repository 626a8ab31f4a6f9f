"""Document-recognition command of `shuiwu`: `read-doc` (issue 7; name and JSON are a contract).

`shuiwu read-doc FILE... --json` prints one line per file:
{"file", "type", "type_label", "fields": {key: {"label", "value", "confidence", "error"?}},
"warnings", "rotation", "seconds"} or {"file", "error"}.
ID numbers are masked in every output unless `--unmasked` is given: JSON lines end up in
terminals, shell scrollback, CI logs and tickets, and an operator checking a read rarely needs
more than the last four digits; the one who does asks for it explicitly.
`shuiwu read-doc --eval` reads a rendered test set with known values and prints per-field
accuracy per document type and latency.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from shuiwu.errors import InvalidInput

READ_DOC_HELP = "识别水费单、缴费凭证、发票、房产证、身份证等图片中的关键字段 / Read key fields from a document photo."


def read_doc(
    files: Annotated[
        list[Path] | None,
        typer.Argument(help="单据照片或扫描件 / document photos or scans", exists=True, dir_okay=False, readable=True),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="每个文件一行 JSON / one JSON line per file")] = False,
    doc_type: Annotated[
        str | None,
        typer.Option("--type", help="单据类型（默认自动识别）：water_bill、receipt、invoice、property_certificate、id_card"),
    ] = None,
    unmasked: Annotated[bool, typer.Option("--unmasked", help="JSON 中显示完整身份证号（默认打码）/ full ID numbers in --json")] = False,
    evaluate: Annotated[bool, typer.Option("--eval", help="在渲染的测试单据上评估 / evaluate on rendered documents")] = False,
    per_type: Annotated[int, typer.Option(help="评估时每种单据的数量 / documents per type in --eval")] = 8,
    seed: Annotated[int, typer.Option(help="评估集随机种子 / seed of the --eval set")] = 20261125,
) -> None:
    if evaluate:
        _evaluate(per_type, seed, as_json)
        return
    if not files:
        typer.echo("错误：请给出要识别的图片文件，或使用 --eval", err=True)
        raise typer.Exit(2)
    from vision.documents import read_document

    failed = False
    for path in files:
        try:
            line = {"file": str(path), **read_document(path.read_bytes(), doc_type).as_dict(mask=not (unmasked and as_json))}
        except InvalidInput as exc:
            failed = True
            line = {"file": str(path), "error": exc.message}
        if as_json:
            typer.echo(json.dumps(line, ensure_ascii=False))
        else:
            _print_human(line)
    if failed:
        raise typer.Exit(1)


def _print_human(line: dict) -> None:
    if "error" in line:
        typer.echo(f"{line['file']}\t错误：{line['error']}", err=True)
        return
    typer.echo(f"{line['file']}\t{line['type_label']}（{line['seconds']:.2f} 秒）")
    for item in line["fields"].values():
        value = item["value"] if item["value"] is not None else "—"
        note = f"\t（{item['error']}）" if item.get("error") else ""
        typer.echo(f"  {item['label']}：{value}\t置信度 {item['confidence']:.2f}{note}")
    for warning in line["warnings"]:
        typer.echo(f"  提示：{warning}")


def _evaluate(per_type: int, seed: int, as_json: bool) -> None:
    from vision.documents.evaluate import evaluate, format_report

    report = evaluate(seed=seed, per_type=per_type)
    if as_json:
        typer.echo(json.dumps(report.as_dict(), ensure_ascii=False))
    else:
        typer.echo(format_report(report))
