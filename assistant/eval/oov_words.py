"""Rewrite the OOV_words line of config.yml from the training data (run with .venv-rasa's Python).

Words that teach DIET what an unknown word looks like: every word of the nlu_fallback examples
(nonsense) that no real intent uses, plus the words real intents use at most twice. In training
they all become the token __oov__; at run time any word the model never saw becomes it too. So
__oov__ alone means "nonsense", while __oov__ beside known water words still reads as a request.
Run after changing data/nlu.yml:  cd assistant && ../.venv-rasa/bin/python eval/oov_words.py
"""

from __future__ import annotations

import json
import logging
import re
from collections import Counter
from pathlib import Path

import jieba
import yaml

HERE = Path(__file__).resolve().parent.parent
RARE = 1  # in-domain words seen in only one example count as unknown


def _examples(path: Path):
    for block in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]:
        if "intent" not in block:
            continue
        for line in str(block["examples"]).splitlines():
            line = line.strip()
            if line.startswith("- "):
                text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", line[2:]).strip().strip('"')
                yield block["intent"], text


def oov_words() -> list[str]:
    jieba.setLogLevel(logging.ERROR)
    for f in sorted((HERE / "jieba_dict").iterdir()):
        jieba.load_userdict(str(f))
    nonsense: set[str] = set()
    seen: Counter[str] = Counter()
    alone: set[str] = set()  # a whole example by itself ("886", "嗨"): its only signal, kept
    for intent, text in _examples(HERE / "data" / "nlu.yml"):
        words = {w.lower() for w, _, _ in jieba.tokenize(text)}
        if intent == "nlu_fallback":
            nonsense |= words
        else:
            seen.update(words)
            if len(words) == 1:
                alone |= words
    rare = {w for w, n in seen.items() if n <= RARE} - alone
    return sorted((nonsense - set(seen)) | rare)


def main() -> None:
    config = HERE / "config.yml"
    text = config.read_text(encoding="utf-8")
    line = "    OOV_words: " + json.dumps(oov_words(), ensure_ascii=False)
    new, count = re.subn(r"^    OOV_words: .*$", lambda _: line, text, count=1, flags=re.M)
    if count != 1:
        raise SystemExit("config.yml has no OOV_words line to replace")
    config.write_text(new, encoding="utf-8")
    print(f"OOV_words: {len(oov_words())} words")


if __name__ == "__main__":
    main()
