"""Assistant NLU commands of `shuiwu`: `nlu parse` and `nlu eval` (issue 5; names and JSON are a contract).

`parse` asks the running Rasa server (its HTTP API, /model/parse, with settings.rasa_token);
`eval` makes sure the model is trained from the current data (scripts/train_rasa.sh retrains
only when data changed), runs `rasa test nlu` on the held-out file assistant/eval/nlu_heldout.yml
(never used for training) and prints macro F1 and the most frequent confusions; then parses the
out-of-domain held-out file assistant/eval/ood_heldout.yml (gibberish and off-topic questions) and
the held-out sentences with the live pipeline (assistant/eval/parse_texts.py, in Rasa's venv) to
report how much nonsense is refused and how many real requests would get "没听懂".
"""

from __future__ import annotations

import json
import subprocess
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Annotated

import typer

from shuiwu.config import ROOT

HELDOUT = ROOT / "assistant" / "eval" / "nlu_heldout.yml"
OOD_HELDOUT = ROOT / "assistant" / "eval" / "ood_heldout.yml"
PARSE_SCRIPT = ROOT / "assistant" / "eval" / "parse_texts.py"
# What the assistant does not act on: it says it did not understand, or that it is out of scope.
NOT_ACTED_ON = ("nlu_fallback", "out_of_scope")
TRAINING = ROOT / "assistant" / "data" / "nlu.yml"
MAX_TEXT = 2000

nlu_app = typer.Typer(help="智能客服语义理解 / The assistant's NLU: parse a text, evaluate.", no_args_is_help=True)


def _fail(message: str) -> None:
    typer.echo(message, err=True)
    raise typer.Exit(1)


@nlu_app.command("parse", help="用运行中的 Rasa 服务解析一句话，输出 JSON / Parse a text with the running Rasa server.")
def parse(text: Annotated[str, typer.Argument(help="要解析的文本 / the text")]) -> None:
    import httpx

    from shuiwu.config import get_settings

    text = text.strip()
    if not text:
        _fail("请输入要解析的文本")
    if len(text) > MAX_TEXT:
        _fail(f"文本太长（{len(text)} 字），请控制在 {MAX_TEXT} 字以内")
    settings = get_settings()
    url = settings.rasa_url.rstrip("/") + "/model/parse"
    params = {"token": settings.rasa_token} if settings.rasa_token else {}
    try:
        response = httpx.post(url, json={"text": text}, params=params, timeout=30)
    except httpx.HTTPError:
        _fail(f"无法连接 Rasa 服务（{settings.rasa_url}）：请先用 make run 启动应用和 Rasa，"
              "或检查 RASA_URL 设置。")
    if response.status_code in (401, 403):
        _fail("Rasa 拒绝了请求：RASA_TOKEN 与 Rasa 服务启动时使用的令牌不一致。")
    if response.status_code != 200:
        _fail(f"Rasa 返回错误（HTTP {response.status_code}）：{response.text[:200]}")
    body = response.json()
    intent = body.get("intent") or {}
    out = {
        "intent": {"name": intent.get("name"), "confidence": round(float(intent.get("confidence") or 0), 4)},
        "entities": [
            {k: e[k] for k in ("entity", "value", "start", "end", "extractor") if k in e}
            for e in body.get("entities") or []
        ],
    }
    typer.echo(json.dumps(out, ensure_ascii=False))


def _examples(path: Path) -> set[str]:
    import re

    import yaml

    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    texts = set()
    for block in data.get("nlu", []):
        for line in str(block.get("examples", "")).splitlines():
            line = line.strip()
            if line.startswith("- "):
                # "[这个月](period)" → "这个月": compare what a user would type
                texts.add(re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", line[2:]).strip())
    return texts


def _ood_texts(path: Path = OOD_HELDOUT) -> dict[str, list[str]]:
    import yaml

    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {group: [str(t) for t in texts] for group, texts in data.items()}


def _heldout_pairs(path: Path = HELDOUT) -> list[tuple[str, str]]:
    import re

    import yaml

    pairs = []
    for block in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu", []):
        for line in str(block.get("examples", "")).splitlines():
            line = line.strip()
            if "intent" in block and line.startswith("- "):
                pairs.append((block["intent"], re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", line[2:]).strip()))
    return pairs


def ood_summary(ood: dict[str, list[str]], predicted: dict[str, str]) -> dict:
    """Shares of the out-of-domain set the live pipeline does not act on (nlu_fallback or
    out_of_scope), overall and per group, and what the rest was taken for."""
    texts = [t for group in ood.values() for t in group]
    refused = [t for t in texts if predicted[t] in NOT_ACTED_ON]
    return {
        "examples": len(texts),
        "share": round(len(refused) / len(texts), 4) if texts else 0.0,
        "groups": {g: round(sum(predicted[t] in NOT_ACTED_ON for t in ts) / len(ts), 4) for g, ts in ood.items() if ts},
        "taken_as_affirm": sum(predicted[t] == "affirm" for t in texts),
        "missed": [{"text": t, "predicted": predicted[t]} for t in texts if predicted[t] not in NOT_ACTED_ON],
    }


def _live_parse(rasa_runtime, model: Path, texts: list[str]) -> dict[str, str]:
    """Intent of each text as the running assistant would see it (fallback not undone)."""
    result = subprocess.run(
        [str(rasa_runtime.RASA_VENV / "bin" / "python"), str(PARSE_SCRIPT), str(model)],
        input=json.dumps(texts, ensure_ascii=False), cwd=ROOT / "assistant",
        env=rasa_runtime.rasa_environment(), capture_output=True, text=True,
    )
    lines = result.stdout.strip().splitlines()
    if result.returncode != 0 or not lines:
        _fail("解析留出句子失败：\n" + (result.stderr or result.stdout)[-2000:])
    return {row["text"]: row["intent"] for row in json.loads(lines[-1])}


def confusion_pairs(errors: list[dict], top: int = 10) -> list[tuple[str, str, int]]:
    """(true intent, predicted intent, count) of rasa's intent_errors.json, most frequent first."""
    pairs = Counter((e["intent"], (e.get("intent_prediction") or {}).get("name")) for e in errors)
    return [(a, b, n) for (a, b), n in pairs.most_common(top)]


@nlu_app.command("eval", help="在留出测试集上评估意图识别（宏平均 F1、混淆对）/ Evaluate on the held-out split.")
def evaluate(
    top: Annotated[int, typer.Option(help="显示前几个混淆对 / confusion pairs shown")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON / print JSON")] = False,
) -> None:
    from shuiwu import rasa_runtime

    overlap = _examples(HELDOUT) & _examples(TRAINING)
    if overlap:
        _fail(f"留出测试集与训练数据有 {len(overlap)} 句重复（如“{sorted(overlap)[0]}”），评估无效，请删去重复句。")
    ood = _ood_texts()
    overlap = {t for texts in ood.values() for t in texts} & _examples(TRAINING)
    if overlap:
        _fail(f"域外留出集与训练数据有 {len(overlap)} 句重复（如“{sorted(overlap)[0]}”），评估无效，请删去重复句。")
    started = time.monotonic()
    train = subprocess.run([str(ROOT / "scripts" / "train_rasa.sh")], cwd=ROOT)
    if train.returncode != 0:
        _fail("Rasa 模型训练失败，无法评估。")
    train_seconds = time.monotonic() - started
    try:
        rasa = rasa_runtime.find_rasa()
        model = rasa_runtime.current_model()
    except rasa_runtime.RasaRuntimeError as exc:
        _fail(exc.message)
    with tempfile.TemporaryDirectory(prefix="nlu-eval-") as out:
        result = subprocess.run(
            [str(rasa), "test", "nlu", "--nlu", str(HELDOUT), "--model", str(model), "--out", out,
             "--no-plot"],
            cwd=ROOT / "assistant", env=rasa_runtime.rasa_environment(),
            capture_output=True, text=True,
        )
        report_path = Path(out) / "intent_report.json"
        if result.returncode != 0 or not report_path.exists():
            _fail("rasa test nlu 运行失败：\n" + (result.stderr or result.stdout)[-2000:])
        report = json.loads(report_path.read_text(encoding="utf-8"))
        errors_path = Path(out) / "intent_errors.json"
        errors = json.loads(errors_path.read_text(encoding="utf-8")) if errors_path.exists() else []
    heldout = _heldout_pairs()
    live = _live_parse(rasa_runtime, model, [t for texts in ood.values() for t in texts] + [t for _, t in heldout])
    intents = {k: v for k, v in report.items() if isinstance(v, dict) and "support" in v and k not in (
        "macro avg", "weighted avg", "micro avg", "accuracy")}
    summary = {
        "macro_f1": round(report["macro avg"]["f1-score"], 4),
        "accuracy": round(report.get("accuracy", report.get("micro avg", {}).get("f1-score", 0)), 4),
        "examples": sum(int(v["support"]) for v in intents.values()),
        "intents": len(intents),
        "confusions": [{"true": a, "predicted": b, "count": n} for a, b, n in confusion_pairs(errors, top)],
        "weakest": sorted(((k, round(v["f1-score"], 3)) for k, v in intents.items()), key=lambda kv: kv[1])[:5],
        # rasa test nlu undoes fallback predictions; these two figures are what residents meet.
        "ood_not_acted_on": ood_summary(ood, live),
        "heldout_fallback_share": round(sum(live[t] == "nlu_fallback" for _, t in heldout) / len(heldout), 4),
        "train_or_check_seconds": round(train_seconds, 1),
        "model": str(model),
    }
    if as_json:
        typer.echo(json.dumps(summary, ensure_ascii=False))
        return
    typer.echo(f"留出测试集：{summary['examples']} 句，{summary['intents']} 个意图")
    typer.echo(f"宏平均 F1：{summary['macro_f1']:.3f}    准确率：{summary['accuracy']:.3f}")
    typer.echo("最弱的意图：" + "，".join(f"{k} {v:.2f}" for k, v in summary["weakest"]))
    typer.echo("混淆最多的意图对（真实 → 预测：次数）：")
    for c in summary["confusions"] or []:
        typer.echo(f"  {c['true']} → {c['predicted']}：{c['count']}")
    if not summary["confusions"]:
        typer.echo("  无")
    o = summary["ood_not_acted_on"]
    groups = "，".join(f"{g} {v:.0%}" for g, v in o["groups"].items())
    typer.echo(f"域外留出集（{o['examples']} 句）转入“没听懂”或“超出范围”：{o['share']:.1%}（{groups}），"
               f"被当作肯定：{o['taken_as_affirm']} 句")
    if o["missed"]:
        typer.echo("  未拦住：" + "，".join(f"{m['text']} → {m['predicted']}" for m in o["missed"]))
    typer.echo(f"留出测试集中被答“没听懂”的正常请求：{summary['heldout_fallback_share']:.1%}")
