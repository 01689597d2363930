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
  run_tests 1 "$@"
}

tests_gpu() { # tests_gpu NAME COMMAND...: as tests, retried once after a crash at exit
  run_tests 2 "$@"
}

run_tests() { # run_tests ATTEMPTS NAME COMMAND...
  local attempts="$1" name="$2"
  shift 2
  local log rc summary attempt
  log=$(mktemp)
  for ((attempt = 1; attempt <= attempts; attempt++)); do
    echo "=== $name"
    "$@" 2>&1 | tee "$log"
    rc=${PIPESTATUS[0]}
    summary=$(grep -E '^(ok|FAILED) \| [0-9]+ passed' "$log" | tail -n 1)
    # Retry only a run whose tests all passed and whose process then aborted at exit.
    if [ "$rc" -ne 0 ] && [ "$attempt" -lt "$attempts" ] && [[ "$summary" == ok* ]] &&
      grep -q 'corrupted size vs. prev_size' "$log"; then
      echo "NOTE: $name: every test passed, then the process aborted at exit; retrying once"
      continue
    fi
    break
  done
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
# The CLI's oracle test (tests/cli/oracle_test.ts) checks it against masks written by numpy and
# Pillow and values from scikit-learn. The toolkit never needs Python: where pip can install those
# three (here offline, from the machine's own package mirror; --retries 0 because the public index
# is unreachable), they go into .venv-oracle and the test runs; elsewhere it is skipped and the
# test run lists it as ignored.
oracle_python() {
  local py=.venv-oracle/bin/python
  if ! "$py" -c "import numpy, PIL, sklearn" 2>/dev/null; then
    python3 -m venv .venv-oracle >/dev/null 2>&1 &&
      timeout 600 .venv-oracle/bin/pip install -q --retries 0 numpy pillow scikit-learn \
        >/dev/null 2>&1
  fi
  "$py" -c "import numpy, PIL, sklearn" 2>/dev/null
}
if oracle_python; then
  export ORACLE_PYTHON="$PWD/.venv-oracle/bin/python"
  echo "=== CLI oracle: numpy, Pillow and scikit-learn in .venv-oracle"
else
  echo "NOTE: numpy, Pillow or scikit-learn could not be installed; the CLI oracle test is skipped"
fi
# Tests that open WebGPU devices (tfjs-webgpu and the WGSL counter) run in their own process: on
# the software adapter here (Mesa llvmpipe) that process now and then aborts at exit with glibc's
# "corrupted size vs. prev_size", after every test has passed (seen about once in five runs of
# these files together, never during a test). Such a run is retried once and reported; a test
# failure, or a second crash, fails the step.
# The GPU run also takes the doc examples of the files whose examples open tfjs or WebGPU.
GPU_TESTS="tests/accel/webgpu_test.ts,tests/accel/compute_confusion_matrix_test.ts,tests/accel/tfjs_test.ts,tests/accel/keras_tfjs_test.ts"
GPU_DOCS="lib/accel/webgpu.ts,lib/accel/tfjs.ts,lib/accel/compute_confusion_matrix.ts,lib/accel/keras_tfjs.ts,README.md"
tests "deno test (unit, property, doc examples)" "$DENO" test -A --doc --ignore="$GPU_TESTS,$GPU_DOCS"
tests_gpu "deno test (WebGPU and tfjs backends)" "$DENO" test -A --doc ${GPU_TESTS//,/ } ${GPU_DOCS//,/ }
step "golden replay (golden/keras and golden/peers)" "$DENO" task golden
step "deno publish --dry-run" "$DENO" publish --dry-run --allow-dirty
step "notebook tools (Debian packages, installed when missing)" bash tools/notebooks.sh install
step "notebook checks catch failures (self-test)" bash tools/notebooks.sh selftest
step "notebooks execute, every code cell with output" bash tools/notebooks.sh execute
step "notebooks export to HTML" bash tools/notebooks.sh export
step "notebook figures drawn in headless Chromium" bash tools/notebooks.sh render

echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
