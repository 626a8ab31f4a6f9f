"""Parse texts with a trained model, as the live server would (FallbackClassifier included).

Run by `shuiwu nlu eval` with Rasa's own Python (.venv-rasa): model path as the argument, a JSON
list of texts on stdin; prints a JSON list of {"text", "intent", "confidence"}. `rasa test nlu`
cannot give this figure: it undoes every nlu_fallback prediction before scoring.
"""

from __future__ import annotations

import asyncio
import json
import sys


async def _parse_all(model: str, texts: list[str]) -> list[dict]:
    from rasa.core.agent import Agent

    agent = Agent.load(model)
    out = []
    for text in texts:
        parsed = await agent.parse_message(text)
        intent = parsed.get("intent") or {}
        out.append(
            {
                "text": text,
                "intent": intent.get("name"),
                "confidence": round(float(intent.get("confidence") or 0), 4),
            }
        )
    return out


def main() -> None:
    texts = json.load(sys.stdin)
    if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
        raise SystemExit("stdin must be a JSON list of strings")
    print(json.dumps(asyncio.run(_parse_all(sys.argv[1], texts)), ensure_ascii=False))


if __name__ == "__main__":
    main()
