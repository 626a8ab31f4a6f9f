#!/usr/bin/env bash
# The whole suite: front-end unit tests (Vitest), lint, then pytest (unit, API, integration).
# Uses DATABASE_URL / REDIS_URL when set (PostgreSQL / Redis), SQLite and in-process otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ -f web_widget/package.json ]]; then
  echo "==> 前端单元测试（vitest）"
  (cd web_widget && npm test --silent)
fi
echo "==> 代码检查（ruff）"
.venv/bin/ruff check shuiwu actions channels knowledge_base tests vision forecasting scripts
echo "==> Python 测试（数据库：${DATABASE_URL:-SQLite}，Redis：${REDIS_URL:-进程内}）"
exec .venv/bin/python -m pytest "$@"
