# Shared by scripts/*.sh: finding the two Pythons, with one clear Chinese line when one is missing.

say() { if [[ -t 1 ]]; then printf '\033[1;34m==>\033[0m %s\n' "$*"; else printf '==> %s\n' "$*"; fi; }
die() { if [[ -t 2 ]]; then printf '\033[1;31m错误：\033[0m%s\n' "$*" >&2; else printf '错误：%s\n' "$*" >&2; fi; exit 1; }

find_python311() {
  local c
  for c in "${PYTHON311:-}" python3.11 python3; do
    [[ -n $c ]] || continue
    if command -v "$c" >/dev/null 2>&1 && "$c" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
      command -v "$c"; return 0
    fi
  done
  return 1
}

find_python310() {
  local c
  local candidates=("${PYTHON310:-}" python3.10)
  if command -v pyenv >/dev/null 2>&1; then
    candidates+=("$(pyenv root)"/versions/3.10*/bin/python)
  fi
  candidates+=("$HOME"/.pyenv/versions/3.10*/bin/python /usr/local/bin/python3.10 /usr/bin/python3.10)
  for c in "${candidates[@]}"; do
    [[ -n $c ]] || continue
    if command -v "$c" >/dev/null 2>&1 && "$c" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' 2>/dev/null; then
      command -v "$c"; return 0
    fi
  done
  return 1
}

require_python311() {
  find_python311 || die "找不到 Python 3.11。请安装 Python 3.11，或设置 PYTHON311=/path/to/python3.11。"
}

require_python310() {
  find_python310 || die "找不到 Python 3.10：Rasa 3.6 只能运行在 Python 3.10 上。请用 pyenv 安装（pyenv install 3.10），或设置 PYTHON310=/path/to/python3.10。"
}
