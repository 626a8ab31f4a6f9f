"""Knowledge-base commands of `shuiwu`: `kb ask`, `kb reindex`, `kb eval`, `kb tune` (issue 6;
names and the JSON of `ask --json` are a contract)."""

from __future__ import annotations

import json

import typer

kb_app = typer.Typer(help="知识库问答、重建索引与评测 / Knowledge base: ask, reindex, evaluate.", no_args_is_help=True)


@kb_app.command("ask")
def ask(
    question: str = typer.Argument(..., help="居民的问题"),
    as_json: bool = typer.Option(False, "--json", help="输出 JSON：answer, confident, sources"),
) -> None:
    """向知识库提问（与智能客服使用同一个索引）。"""
    from knowledge_base import get_knowledge_base

    result = get_knowledge_base().ask(question)
    if as_json:
        out = {
            "answer": result.text,
            "confident": result.confident,
            "sources": [{"id": s["id"], "title": s["title"], "score": s["score"], "url": s["url"]}
                        for s in result.sources],
            "related": result.related,
            "suggestions": result.suggestions,
        }
        typer.echo(json.dumps(out, ensure_ascii=False))
        return
    typer.echo(result.text)
    for item in result.related:
        typer.echo(f"  · 相关问题：{item['question']}")


def _database_entries():
    """The staff-edited entries, when the app's KB service exists and the database has them."""
    try:
        from shuiwu.services.kb import entries_for_index
    except ImportError:
        return None
    from sqlalchemy.exc import SQLAlchemyError

    from shuiwu.db import session_scope

    try:
        with session_scope() as session:
            return list(entries_for_index(session))
    except SQLAlchemyError as exc:  # no migrated database here: the seed files still work
        typer.echo(f"数据库中的知识库条目不可用（{type(exc).__name__}），改用种子文件。", err=True)
        return None


@kb_app.command("reindex")
def reindex(
    from_files: bool = typer.Option(False, "--from-files", help="忽略数据库，用 knowledge_base/content 的种子文件"),
) -> None:
    """按数据库中的条目（没有时用种子文件）重建检索索引；未改动的条目沿用已有向量。"""
    import time

    from knowledge_base import get_knowledge_base, load_content

    entries = None if from_files else _database_entries()
    source = "数据库"
    if not entries:
        entries, source = load_content(), "种子文件 knowledge_base/content"
    t0 = time.perf_counter()
    kb = get_knowledge_base()
    computed = kb.reindex(entries)
    typer.echo(f"已从{source}重建索引：{kb.count()} 个条目、{kb.chunk_count()} 个片段，"
               f"新计算向量 {computed} 个，用时 {time.perf_counter() - t0:.1f} 秒（向量模型 {kb.embedder.name}）。")


@kb_app.command("eval")
def evaluate(
    split: str = typer.Option("test", help="test（留出集）| dev（调参集）| all"),
    scale: int = typer.Option(0, help="再加入合成片段直到共约这么多个片段，测大规模下的时延与召回（如 10000）"),
    show_misses: bool = typer.Option(False, "--misses", help="列出 top-1 答错的问题"),
    scale_only: bool = typer.Option(False, "--scale-only", help="与 --scale 一起用：只跑规模测试"),
) -> None:
    """评测：BM25、向量、混合、混合+重排序的 recall@1/@5、MRR、拒答精确率/召回率与 p50/p95 时延。"""
    from knowledge_base.content import load_content
    from knowledge_base.eval.run import (
        PIPELINES,
        check_labels,
        eval_settings,
        format_table,
        load_questions,
        scale_entries,
    )
    from knowledge_base.eval.run import (
        evaluate as run_eval,
    )
    from knowledge_base.kb import KnowledgeBase, app_kb_settings
    from shuiwu.config import get_settings

    questions = load_questions(split)
    entries = load_content()
    unknown = check_labels(questions, entries)
    if unknown:
        raise typer.BadParameter(f"评测集引用了不存在的条目：{', '.join(unknown)}")
    base = app_kb_settings().model_copy(update={"reranker": "features"})
    kb = KnowledgeBase(eval_settings(base, get_settings().data_dir, "kb_eval"))
    kb.reindex(entries)
    n_ans = sum(q.answerable for q in questions)
    typer.echo(f"评测集 {split}：{len(questions)} 个问题（可回答 {n_ans}，无答案 {len(questions) - n_ans}）；"
               f"索引 {kb.count()} 个条目、{kb.chunk_count()} 个片段；向量模型 {kb.embedder.name}")
    pipelines = [p for p in PIPELINES if p != "rerank" or kb.reranker is not None]
    results = [] if scale and scale_only else [run_eval(kb, questions, p) for p in pipelines]
    if results:
        typer.echo(format_table([r.row() for r in results]))
    typer.echo("R@1/R@5/MRR：可回答问题的检索命中；NA-P/NA-R：拒答（“不太确定”）的精确率/召回率；FR：可回答却拒答的比例；"
               "p50/p95：每次检索的墙钟毫秒；cpu50/cpu95：本进程 CPU 毫秒（机器繁忙时更可比）")
    if show_misses:
        for r in results:
            for text, expected, got in r.misses:
                typer.echo(f"  [{r.pipeline}] {text}  期望 {'/'.join(expected)}  得到 {got}")
    if scale:
        extra = max(0, scale - kb.chunk_count())
        big = KnowledgeBase(eval_settings(base, get_settings().data_dir, "kb_eval_scale"))
        typer.echo(f"规模测试：加入 {extra} 个合成公告片段（首次需计算向量，之后复用缓存）……")
        big.reindex(entries + scale_entries(extra))
        typer.echo(f"索引 {big.count()} 个条目、{big.chunk_count()} 个片段")
        rows = [run_eval(big, questions, p).row() for p in pipelines]
        typer.echo(format_table(rows))


@kb_app.command("tune")
def tune() -> None:
    """在调参集（dev）上拟合重排序模型和各管线的置信度阈值，写入 knowledge_base/resources/tuned.json。"""
    from knowledge_base.content import load_content
    from knowledge_base.eval.run import eval_settings, load_questions
    from knowledge_base.eval.run import tune as run_tune
    from knowledge_base.kb import KnowledgeBase, app_kb_settings
    from shuiwu.config import get_settings

    kb = KnowledgeBase(eval_settings(app_kb_settings().model_copy(update={"reranker": "off"}),
                                     get_settings().data_dir, "kb_eval"))
    kb.reindex(load_content())
    out = run_tune(kb, load_questions("dev"))
    typer.echo(json.dumps(out, ensure_ascii=False, indent=2))
    if kb.index.collection is not None:
        from knowledge_base.index import vector_cache_path

        path = vector_cache_path(kb.embedder.name)
        n = kb.index.export_vectors(path)
        typer.echo(f"种子内容的向量缓存：{n} 个向量写入 {path}")
