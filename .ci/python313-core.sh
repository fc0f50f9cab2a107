#!/usr/bin/env bash
# The core install on Python 3.13: a fresh virtual environment, `pip install .` (no extra), a numpy
# and a scikit-learn cell through the `nnbench` command, and a torch cell skipped with the command
# that installs it. Without a Python 3.13 interpreter it prints SKIPPED and succeeds.
# Run by hand: `make check-core-py313` (or `bash .ci/python313-core.sh`).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
started=$(date +%s)

find_python313() {
    local root candidate
    if command -v pyenv >/dev/null 2>&1 && root=$(pyenv root 2>/dev/null); then
        for candidate in $(ls -d "$root"/versions/3.13*/bin/python 2>/dev/null | sort -V -r); do
            [ -x "$candidate" ] && { echo "$candidate"; return 0; }
        done
    fi
    candidate=$(command -v python3.13 2>/dev/null) || return 1
    # a pyenv shim without the version behind it fails here
    "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 13))' 2>/dev/null && echo "$candidate"
}

if ! PY313=$(find_python313) || [ -z "$PY313" ]; then
    echo "======================================================================"
    echo "SKIPPED: Python 3.13 core check: no Python 3.13 interpreter found"
    echo "         (looked in \$(pyenv root)/versions/3.13*/bin/python and for python3.13 on PATH)"
    echo "======================================================================"
    exit 0
fi
echo "Python 3.13 core check with $PY313 ($("$PY313" --version 2>&1))"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/nnbench-py313.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
"$PY313" -m venv "$WORK/venv"
"$WORK/venv/bin/python" -m pip install -q --disable-pip-version-check "$ROOT"
echo "core install: $(du -sh "$("$WORK/venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')" | cut -f1) of site-packages"

cd "$WORK"  # away from the source tree: the installed package runs, not the checkout
"$WORK/venv/bin/nnbench" backends > backends.txt
"$WORK/venv/bin/nnbench" run --backend numpy --backend sklearn --backend torch --task xor --seeds 1 \
    --output "$WORK/results.jsonl" > run.txt
"$WORK/venv/bin/python" - "$WORK/results.jsonl" "$WORK/backends.txt" <<'PY'
import json
import sys

records = {r["backend"]: r for r in map(json.loads, open(sys.argv[1]))}
problems = [f"{name}: status {records.get(name, {}).get('status')!r}, reason {records.get(name, {}).get('reason')!r}"
            for name in ("numpy", "sklearn") if records.get(name, {}).get("status") != "ok"]
torch = records.get("torch", {})
if torch.get("status") != "skipped" or "nnbench[torch]" not in (torch.get("reason") or ""):
    problems.append(f"torch: expected skipped naming nnbench[torch], got {torch.get('status')!r}: "
                    f"{torch.get('reason')!r}")
listing = [line for line in open(sys.argv[2]) if line.startswith("torch ")]
if not listing or "pip install 'nnbench[torch]'" not in listing[0]:
    problems.append(f"nnbench backends: the torch line does not name the install command: {listing}")
if problems:
    sys.exit("Python 3.13 core check FAILED:\n  " + "\n  ".join(problems))
print("records:", ", ".join(f"{name} {r['status']}" for name, r in sorted(records.items())))
print("torch skipped:", torch["reason"])
PY
echo "Python 3.13 core check passed in $(( $(date +%s) - started )) s"
