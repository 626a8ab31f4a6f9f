#!/usr/bin/env bash
# Train the Rasa model only when its inputs changed (config, domain, data, jieba dictionary,
# the Rasa lock file) or the model is missing. Called by scripts/setup.sh; safe to run alone.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
source scripts/lib.sh

STAMPS=$ROOT/.cache/stamps
STAMP=$STAMPS/rasa-model
MODEL=assistant/models/current.tar.gz
RASA=.venv-rasa/bin/rasa
mkdir -p "$STAMPS"

[[ -x $RASA ]] || die "找不到 $RASA：Rasa 运行环境尚未安装，请运行 make run（或 scripts/setup.sh）。"

# Sorted file list, so the hash does not depend on directory order; names are hashed too,
# so a renamed or deleted data file also counts as a change.
inputs=$( { ls assistant/config.yml assistant/domain*.yml requirements/rasa.lock
            find assistant/data assistant/jieba_dict -type f; } | LC_ALL=C sort)
# shellcheck disable=SC2086
sum=$( { echo "$inputs"; cat $inputs; } | sha256sum | cut -c1-32)

if [[ -f $MODEL && -f $STAMP && $(cat "$STAMP") == "$sum" ]]; then
  exit 0
fi

say "训练 Rasa 模型（对话数据有变化，约需 2–6 分钟）"
started=$(date +%s)
log=$ROOT/.cache/rasa-train.log
# Paths in config.yml (the jieba dictionary) are relative to assistant/, as in the image build.
if ! (cd assistant && RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=2 PYTHONPATH= \
      "$ROOT/$RASA" train --fixed-model-name current --out models >"$log" 2>&1); then
  tail -n 20 "$log" >&2
  die "Rasa 模型训练失败，完整日志见 $log"
fi
[[ -f $MODEL ]] || die "Rasa 训练结束却没有生成 $MODEL，完整日志见 $log"
echo "$sum" > "$STAMP"
say "Rasa 模型已训练：$MODEL（用时 $(( $(date +%s) - started )) 秒）"
