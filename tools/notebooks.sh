#!/usr/bin/env bash
# Execute every notebook with the project's Deno kernel, export each to HTML and check in headless
# Chromium that every figure was drawn. Needs no network once the Debian packages are installed.
#
# usage: tools/notebooks.sh [install|execute|export|render|all] [NOTEBOOK.ipynb...]
#   install  install jupyter-nbconvert, python3-nbclient, python3-ipykernel, chromium when missing
#   execute  run the notebooks (default: notebooks/*.ipynb) into $NOTEBOOK_OUT/executed/
#   export   export the executed notebooks to $NOTEBOOK_OUT/html/
#   render   open each page in headless Chromium and check every figure has plotly's SVG
#   all      all of the above (default)
# NOTEBOOK_OUT defaults to out/notebooks (gitignored).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT="${NOTEBOOK_OUT:-$ROOT/out/notebooks}"
# Debian's python has nbclient; a `python3` earlier on PATH (pyenv, venv) may not.
PY=/usr/bin/python3
CHROMIUM="${CHROMIUM:-chromium}"
export NO_COLOR=1
export PATH="$ROOT/node_modules/.bin:$PATH"
export JUPYTER_PATH="$ROOT/jupyter"
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

execute() {
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
  all) install && execute && export_html && render ;;
  *)
    echo "usage: $0 [install|execute|export|render|all] [NOTEBOOK.ipynb...]" >&2
    exit 2
    ;;
esac
