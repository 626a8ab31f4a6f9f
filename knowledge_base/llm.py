"""Optional LLM rephrasing of a composed answer (setting `kb_llm_url`, off by default).

The endpoint speaks the OpenAI chat-completions wire format (vLLM, Ollama, a provider's API).
The model may only rephrase the cited answer; on any failure the original text is kept.
"""

from __future__ import annotations

import logging

import httpx

log = logging.getLogger(__name__)

PROMPT = (
    "你是清河市水务公司的客服。请用亲切、简洁的简体中文改写下面的答案来回应居民的问题。"
    "只能使用答案中的事实，不得添加任何新的数字、日期、电话或承诺；保留最后的来源链接原样不动。"
)


def rephrase(url: str, model: str, question: str, text: str, timeout: float = 8.0) -> str:
    try:
        resp = httpx.post(
            url.rstrip("/") + "/chat/completions",
            json={
                "model": model or "default",
                "temperature": 0.2,
                "messages": [
                    {"role": "system", "content": PROMPT},
                    {"role": "user", "content": f"居民的问题：{question}\n\n答案：\n{text}"},
                ],
            },
            timeout=timeout,
        )
        resp.raise_for_status()
        out = resp.json()["choices"][0]["message"]["content"].strip()
        return out or text
    except Exception as exc:  # the cited answer is always a valid reply
        log.warning("kb llm rephrasing failed, keeping the composed answer: %s", exc)
        return text
