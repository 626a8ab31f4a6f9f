#!/usr/bin/env bash
# Idempotent setup shared by `make run` and `make test`: both venvs from the lock files,
# the web assets, the Rasa model. Each step is skipped when its inputs have not changed.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
STAMPS=$ROOT/.cache/stamps
mkdir -p "$STAMPS"
UV_VERSION=0.13.9

# fresh <name> <files...>: true when the inputs changed since the stamp was written.
fresh() {
  local name=$1; shift
  local sum
  sum=$(cat "$@" 2>/dev/null | sha256sum | cut -c1-32)
  [[ -f $STAMPS/$name && $(cat "$STAMPS/$name") == "$sum" ]] && return 1
  echo "$sum" > "$STAMPS/$name.pending"
  return 0
}
done_step() { mv "$STAMPS/$1.pending" "$STAMPS/$1"; }

source scripts/lib.sh

# --- app venv (Python 3.11) -------------------------------------------------------------
if [[ ! -x .venv/bin/python ]]; then
  PY311=$(require_python311)
  say "创建 .venv（$("$PY311" --version)）"
  "$PY311" -m venv .venv
  rm -f "$STAMPS/venv-app"
fi
if [[ ! -x .venv/bin/uv ]]; then
  .venv/bin/python -m pip install -q "uv==$UV_VERSION"
fi
if fresh venv-app requirements/app.lock requirements/dev.lock pyproject.toml; then
  say "安装应用依赖（requirements/app.lock, dev.lock）"
  .venv/bin/uv pip sync -q --python .venv/bin/python requirements/app.lock requirements/dev.lock
  .venv/bin/uv pip install -q --python .venv/bin/python --no-deps -e .
  done_step venv-app
fi

# --- Rasa venv (Python 3.10) ------------------------------------------------------------
if [[ ! -x .venv-rasa/bin/python ]]; then
  PY310=$(require_python310)
  say "创建 .venv-rasa（$("$PY310" --version)）"
  "$PY310" -m venv .venv-rasa
  rm -f "$STAMPS/venv-rasa"
fi
if fresh venv-rasa requirements/rasa.lock; then
  say "安装 Rasa 依赖（requirements/rasa.lock，首次约需一两分钟）"
  .venv/bin/uv pip sync -q --python .venv-rasa/bin/python requirements/rasa.lock
  done_step venv-rasa
fi

# --- web assets -------------------------------------------------------------------------
if [[ -f web_widget/package-lock.json ]]; then
  command -v npm >/dev/null 2>&1 || die "找不到 npm（Node.js 20）。请先安装 Node.js 20。"
  if fresh web-deps web_widget/package-lock.json || [[ ! -d web_widget/node_modules ]]; then
    say "安装前端依赖（npm ci）"
    (cd web_widget && npm ci --no-audit --no-fund --loglevel=error)
    [[ -f $STAMPS/web-deps.pending ]] && done_step web-deps
  fi
  web_inputs=$(find web_widget -path web_widget/node_modules -prune -o -path web_widget/dist -prune -o -type f -print | sort)
  # shellcheck disable=SC2086
  if fresh web-build $web_inputs || [[ ! -f web_widget/dist/index.html ]]; then
    say "构建前端（vite build）"
    (cd web_widget && npm run --silent build)
    [[ -f $STAMPS/web-build.pending ]] && done_step web-build
  fi
fi

# --- Chromium for the browser tests (Debian's package; never `playwright install`) ------
CHROMIUM=${CHROMIUM_PATH:-/usr/bin/chromium}
if [[ ! -x $CHROMIUM ]]; then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    say "安装 Chromium（浏览器测试用）"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null \
      || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null; } \
      || echo "警告：Chromium 安装失败，浏览器测试将无法运行；请手动执行 apt-get install chromium。" >&2
  else
    echo "警告：未找到 Chromium（$CHROMIUM），浏览器测试将失败；请以 root 执行 apt-get install chromium，或设置 CHROMIUM_PATH。" >&2
  fi
fi

# --- CJK fonts for the rendered test documents (read-doc --eval, tests/documents) --------
if ! ls /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc >/dev/null 2>&1; then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    say "安装中文字体（测试单据渲染用）"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q fonts-noto-cjk fonts-wqy-zenhei >/dev/null \
      || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q fonts-noto-cjk fonts-wqy-zenhei >/dev/null; } \
      || echo "警告：中文字体安装失败，单据识别的测试与评估将无法运行；请手动执行 apt-get install fonts-noto-cjk fonts-wqy-zenhei。" >&2
  else
    echo "警告：未找到中文字体，单据识别的测试与评估将失败；请以 root 执行 apt-get install fonts-noto-cjk fonts-wqy-zenhei。" >&2
  fi
fi

# --- Rasa model -------------------------------------------------------------------------
if [[ -x scripts/train_rasa.sh ]]; then
  scripts/train_rasa.sh
fi
