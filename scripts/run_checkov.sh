#!/usr/bin/env bash
# Run checkov offline on Terraform directories with the repository's allowlist (.checkov.yaml).
# checkov lives in its own virtualenv so its pins stay out of .venv:
#   python3 -m venv .venv-checkov && .venv-checkov/bin/pip install "checkov==3.3.30"
# Usage: scripts/run_checkov.sh [DIR ...]   (default: modules and every module on its own)
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
checkov="${CHECKOV:-$repo/.venv-checkov/bin/checkov}"
if [[ ! -x "$checkov" ]]; then
  echo "error: checkov not found at $checkov" >&2
  echo "hint: python3 -m venv .venv-checkov && .venv-checkov/bin/pip install \"checkov==3.3.30\"" >&2
  exit 2
fi

if [[ $# -eq 0 ]]; then
  set -- "$repo/modules" "$repo"/modules/*/
fi

status=0
for dir in "$@"; do
  if [[ ! -d "$dir" ]]; then
    echo "error: not a directory: $dir" >&2
    exit 2
  fi
  echo "== checkov $dir"
  "$checkov" --config-file "$repo/.checkov.yaml" -d "$dir" --compact --quiet || status=$?
done
exit "$status"
