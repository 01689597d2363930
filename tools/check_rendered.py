#!/usr/bin/env python3
"""Open exported notebook pages in headless Chromium and check that every figure was drawn.

usage: check_rendered.py EXECUTED_DIR HTML_DIR [--chromium PATH] [--budget MS]
       check_rendered.py --self-test [CHROMIUM]

For each EXECUTED_DIR/<name>.ipynb, the page HTML_DIR/<name>.html is loaded in headless Chromium
(offline flags, a fresh profile, --dump-dom after a virtual-time budget). The rendered DOM is parsed
and every figure <div> (marked with the data-segmetrics-figure attribute by lib/report/plot.ts) must
contain plotly's <svg class="main-svg">. The number of figures must also match the notebook: one per
output that carries the plotly MIME type. Exit 1 on any missing figure or page.
"""
import argparse
import html.parser
import json
import os
import subprocess
import sys
import tempfile

FIGURE_ATTR = "data-segmetrics-figure"
PLOTLY_MIME = "application/vnd.plotly.v1+json"
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
        "source", "track", "wbr", "keygen"}


class FigureScan(html.parser.HTMLParser):
    """Finds figure divs and whether each holds an <svg class="main-svg"> descendant."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack = []  # [tag, figure_id or None]
        self.figures = {}  # id -> {"svg": bool, "text": str}
        self.order = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        fig = a.get(FIGURE_ATTR)
        if fig is not None:
            self.figures.setdefault(fig, {"svg": False, "text": ""})
            self.order.append(fig)
        if tag == "svg" and "main-svg" in (a.get("class") or "").split():
            for _, f in self.stack:
                if f is not None:
                    self.figures[f]["svg"] = True
        if tag not in VOID:
            self.stack.append([tag, fig])

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID and self.stack and self.stack[-1][0] == tag:
            self.stack.pop()

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                return

    def handle_data(self, data):
        for _, f in self.stack:
            if f is not None and len(self.figures[f]["text"]) < 200:
                self.figures[f]["text"] += data.strip()[:200]


def chromium_dom(chromium, page, budget):
    with tempfile.TemporaryDirectory() as profile:
        cmd = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
               "--no-first-run", "--disable-background-networking", "--disable-component-update",
               "--disable-sync", f"--user-data-dir={profile}", f"--virtual-time-budget={budget}",
               "--enable-logging=stderr", "--v=0", "--dump-dom", "file://" + os.path.abspath(page)]
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
        console = [l for l in r.stderr.splitlines() if "CONSOLE" in l or "Uncaught" in l]
        return r.returncode, r.stdout, console


def expected_figures(ipynb):
    with open(ipynb) as f:
        nb = json.load(f)
    n = 0
    for cell in nb.get("cells", []):
        for out in cell.get("outputs", []):
            if PLOTLY_MIME in out.get("data", {}):
                n += 1
    return n


def self_test(chromium, budget):
    """The check must be able to fail: a page with a figure drawn statically, one drawn by a script
    and one never drawn must give drawn, drawn, missing."""
    page = """<!DOCTYPE html><html><body>
<div id="a" data-segmetrics-figure="a"><div><svg class="main-svg"><g></g></svg></div></div>
<div id="b" data-segmetrics-figure="b"></div>
<div id="c" data-segmetrics-figure="c"><svg class="other-svg"></svg><img src="x.png"><br></div>
<svg class="main-svg"></svg>
<script>
setTimeout(function () {
  var s = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  s.setAttribute("class", "main-svg");
  document.getElementById("b").appendChild(s);
}, 500);
</script></body></html>"""
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "page.html")
        with open(path, "w") as f:
            f.write(page)
        rc, dom, _ = chromium_dom(chromium, path, budget)
    scan = FigureScan()
    scan.feed(dom)
    got = {k: v["svg"] for k, v in scan.figures.items()}
    want = {"a": True, "b": True, "c": False}
    if rc != 0 or got != want:
        print(f"FAILED self-test: chromium exit {rc}, figures drawn {got}, expected {want}")
        return 1
    print("ok self-test: a drawn figure, a figure drawn by a script and an empty one are told apart")
    return 0


def main(argv):
    if argv and argv[0] == "--self-test":
        chromium = argv[1] if len(argv) > 1 else "chromium"
        return self_test(chromium, 3000)
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("executed_dir")
    p.add_argument("html_dir")
    p.add_argument("--chromium", default="chromium")
    p.add_argument("--budget", type=int, default=8000, help="virtual time budget, ms")
    args = p.parse_args(argv)
    notebooks = sorted(f for f in os.listdir(args.executed_dir) if f.endswith(".ipynb"))
    if not notebooks:
        print(f"FAILED: no executed notebooks in {args.executed_dir}")
        return 1
    failed = 0
    total = 0
    for name in notebooks:
        stem = name[:-len(".ipynb")]
        page = os.path.join(args.html_dir, stem + ".html")
        want = expected_figures(os.path.join(args.executed_dir, name))
        if not os.path.exists(page):
            print(f"FAILED {stem}: no exported page {page}")
            failed += 1
            continue
        rc, dom, console = chromium_dom(args.chromium, page, args.budget)
        scan = FigureScan()
        scan.feed(dom)
        scan.close()
        drawn = [f for f in scan.figures if scan.figures[f]["svg"]]
        missing = [f for f in scan.order if not scan.figures[f]["svg"]]
        problems = []
        if rc != 0 or not dom.strip():
            problems.append(f"chromium exited with {rc} and a DOM of {len(dom)} characters")
        if want == 0:
            problems.append("the notebook has no figure output (every notebook shows at least one)")
        if len(scan.figures) != want:
            problems.append(f"the page has {len(scan.figures)} figure(s), the notebook {want}")
        for f in missing:
            problems.append(f"figure {f} has no plotly SVG (text: {scan.figures[f]['text']!r})")
        total += want
        if problems:
            failed += 1
            print(f"FAILED {stem}:")
            for pr in problems:
                print(f"  - {pr}")
            for line in console[:10]:
                print(f"  console: {line[:300]}")
        else:
            print(f"ok {stem}: {len(drawn)} of {want} figure(s) drawn")
        sys.stdout.flush()
    print(f"{len(notebooks) - failed} of {len(notebooks)} page(s) with every figure drawn "
          f"({total} figures expected)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
