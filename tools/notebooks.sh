#!/usr/bin/env bash
# Execute every notebook with the Deno kernel, export each to HTML and check in headless Chromium
# that every figure was drawn. Needs no network once the Debian packages are installed.
#
# usage: tools/notebooks.sh [install|execute|export|render|selftest|all] [NOTEBOOK.ipynb...]
#   install  install jupyter-nbconvert, python3-nbclient, python3-ipykernel, chromium when missing
#   execute  run the notebooks (default: notebooks/*.ipynb) into $NOTEBOOK_OUT/executed/
#   export   export the executed notebooks to $NOTEBOOK_OUT/html/
#   render   open each page in headless Chromium and check every figure has plotly's SVG
#   selftest show that the runner and the figure check fail on a raising cell, a cell without
#            output and a figure that was not drawn
#   all      all of the above (default)
# NOTEBOOK_OUT defaults to out/notebooks (gitignored). The notebooks name the kernel `deno`, the
# kernelspec `deno jupyter --install` creates; CI needs no global Deno and touches no user-wide
# Jupyter folder: execute writes a `deno` kernelspec that runs node_modules' Deno to
# $NOTEBOOK_OUT/jupyter/kernels/deno and puts that folder first on JUPYTER_PATH.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT="${NOTEBOOK_OUT:-$ROOT/out/notebooks}"
# Debian's python has nbclient; a `python3` earlier on PATH (pyenv, venv) may not.
PY=/usr/bin/python3
CHROMIUM="${CHROMIUM:-chromium}"
export NO_COLOR=1
export PATH="$ROOT/node_modules/.bin:$PATH"
export JUPYTER_PATH="$OUT/jupyter${JUPYTER_PATH:+:$JUPYTER_PATH}"
export PYDEVD_DISABLE_FILE_VALIDATION=1

install() {
  local missing=()
  "$PY" -c "import nbconvert" 2>/dev/null || missing+=(jupyter-nbconvert)
  "$PY" -c "import nbclient" 2>/dev/null || missing+=(python3-nbclient)
  "$PY" -c "import ipykernel" 2>/dev/null || missing+=(python3-ipykernel)
  command -v "$CHROMIUM" >/dev/null || missing+=(chromium)
  if [ ${#missing[@]} -eq 0 ]; then
    echo "notebook tools present (nbconvert, nbclient, ipykernel, chromium)"
    return 0
  fi
  echo "installing: ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    echo "error: ${missing[*]} missing and not root; run: sudo apt-get install -y ${missing[*]}" >&2
    return 1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}" ||
    { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"; }
}

notebooks=()
pick() {
  if [ $# -gt 0 ]; then notebooks=("$@"); else notebooks=(notebooks/*.ipynb); fi
}

kernelspec() { # the spec `deno jupyter --install` writes, with the Deno of node_modules
  local deno
  deno=$("$ROOT/node_modules/.bin/deno" eval --no-config 'console.log(Deno.execPath())') || {
    echo "error: node_modules/.bin/deno does not run; run: npm ci" >&2
    return 1
  }
  mkdir -p "$OUT/jupyter/kernels/deno"
  "$PY" - "$deno" "$OUT/jupyter/kernels/deno/kernel.json" <<'PYEOF'
import json, sys
spec = {"argv": [sys.argv[1], "jupyter", "--kernel", "--conn", "{connection_file}"],
        "display_name": "Deno", "language": "typescript"}
with open(sys.argv[2], "w") as f:
    json.dump(spec, f, indent=2)
PYEOF
}

execute() {
  kernelspec
  rm -rf "$OUT/executed"
  mkdir -p "$OUT/executed"
  "$PY" tools/run_notebooks.py "$OUT/executed" "${notebooks[@]}"
}

export_html() {
  rm -rf "$OUT/html"
  mkdir -p "$OUT/html"
  local nb
  for nb in "$OUT"/executed/*.ipynb; do
    "$PY" -m nbconvert --to html --log-level=WARN --output-dir "$OUT/html" "$nb"
  done
  ls -s "$OUT/html"
}

selftest() { # the runner and the figure check must catch what they are there to catch
  local d rc=0 out
  kernelspec
  d=$(mktemp -d)
  "$PY" - "$d" <<'PYEOF'
import sys, nbformat
d = sys.argv[1]
late = "setTimeout(() => console.log('printed late'), 1500); 'now'"
for name, cells in {"raises": ["1 + 1", "throw new Error('boom')", "2"],
                    "silent": ["1 + 1", "const x = 3;", "x"],
                    "late": ["1", late]}.items():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    nbformat.write(nb, f"{d}/{name}.ipynb")
PYEOF
  out=$("$PY" tools/run_notebooks.py "$d/out" "$d/raises.ipynb" 2>&1) && rc=1
  grep -q "cell 1 raised Error: boom" <<<"$out" || { echo "$out"; rc=1; }
  out=$("$PY" tools/run_notebooks.py "$d/out" "$d/silent.ipynb" --output-wait 3 2>&1) && rc=1
  grep -q "cell 1 produced no output" <<<"$out" || { echo "$out"; rc=1; }
  # Text the last cell prints 1.5 s after it went idle must land in that cell (nbclient drops it;
  # Deno gives text printed later to whichever cell ran last, so only the last cell can show this).
  out=$("$PY" tools/run_notebooks.py "$d/out" "$d/late.ipynb" 2>&1) || { echo "$out"; rc=1; }
  "$PY" - "$d/out/late.ipynb" <<'PYEOF' || rc=1
import sys, nbformat
nb = nbformat.read(sys.argv[1], as_version=4)
for i in (1,):
    texts = [o.get("text", "") for o in nb.cells[i].outputs if o.output_type == "stream"]
    if "printed late\n" not in texts:
        sys.exit(f"FAILED self-test: cell {i} lost its late output: {nb.cells[i].outputs}")
PYEOF
  [ "$rc" -eq 0 ] && echo "ok self-test: the runner fails on a raising cell and on a cell without output, and keeps output that comes after idle"
  "$PY" tools/check_rendered.py --self-test "$CHROMIUM" || rc=1
  rm -rf "$d"
  return "$rc"
}

render() {
  "$PY" tools/check_rendered.py "$OUT/executed" "$OUT/html" --chromium "$CHROMIUM"
}

cmd="${1:-all}"
[ $# -gt 0 ] && shift
pick "$@"
case "$cmd" in
  install) install ;;
  execute) execute ;;
  export) export_html ;;
  render) render ;;
  selftest) selftest ;;
  all) install && execute && export_html && render ;;
  *)
    echo "usage: $0 [install|execute|export|render|selftest|all] [NOTEBOOK.ipynb...]" >&2
    exit 2
    ;;
esac
