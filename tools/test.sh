#!/usr/bin/env bash
# Every check of the project, one after another; ends with one plain "N passed, N failed" line.
# Each deno test run contributes its own test counts; every other step counts as one check.
set -uo pipefail
cd "$(dirname "$0")/.."
export NO_COLOR=1
DENO="${DENO:-node_modules/.bin/deno}"
passed=0
failed=0

step() { # step NAME COMMAND...: a check that passes or fails as a whole
  local name="$1"
  shift
  echo "=== $name"
  if "$@"; then
    passed=$((passed + 1))
  else
    echo "FAILED: $name"
    failed=$((failed + 1))
  fi
}

tests() { # tests NAME COMMAND...: a deno test run; its own summary line gives the counts
  local name="$1"
  shift
  echo "=== $name"
  local log
  log=$(mktemp)
  "$@" 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  local summary
  summary=$(grep -E '^(ok|FAILED) \| [0-9]+ passed' "$log" | tail -n 1)
  rm -f "$log"
  if [ -z "$summary" ]; then
    echo "FAILED: $name (no test summary, exit code $rc)"
    failed=$((failed + 1))
    return
  fi
  local p f
  p=$(sed -E 's/.*\| ([0-9]+) passed.*/\1/' <<<"$summary")
  f=$(sed -E 's/.*\| ([0-9]+) failed.*/\1/' <<<"$summary")
  passed=$((passed + p))
  failed=$((failed + f))
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
    echo "FAILED: $name (exit code $rc)"
    failed=$((failed + 1))
  fi
}

step "deno install --frozen" "$DENO" install --frozen
step "deno fmt --check" "$DENO" fmt --check
step "deno lint" "$DENO" lint
step "deno check" "$DENO" task check
tests "deno test (unit, property, doc examples)" "$DENO" test -A --doc
step "golden replay (../shared/golden and golden/)" "$DENO" task golden
step "deno publish --dry-run" "$DENO" publish --dry-run --allow-dirty
step "notebook tools (Debian packages, installed when missing)" bash tools/notebooks.sh install
step "notebook checks catch failures (self-test)" bash tools/notebooks.sh selftest
step "notebooks execute, every code cell with output" bash tools/notebooks.sh execute
step "notebooks export to HTML" bash tools/notebooks.sh export
step "notebook figures drawn in headless Chromium" bash tools/notebooks.sh render

echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
