#!/usr/bin/env python3
"""Execute Jupyter notebooks with the project's Deno kernel and check their outputs.

usage: run_notebooks.py OUT_DIR NOTEBOOK.ipynb... [--kernel NAME] [--grace SECONDS] [--timeout SECONDS]

Each notebook is executed in its own folder (so relative imports and files work) and written to
OUT_DIR/<name>.ipynb. Deno's kernel can publish `status: idle` on IOPub before the outputs of the
cell (see shared research, toolchain.md section 5), and nbclient stops reading at idle, which drops
outputs silently. This runner keeps reading IOPub for a grace period after idle. It fails (exit 1)
when a cell raises, or when a code cell produced no output at all (a silently lost output, or a cell
that shows nothing: every code cell of these notebooks must show something). A notebook whose kernel
or messaging failed (not its code), or that left a cell without output, is run again from a fresh
kernel, up to --attempts times, and each retry is printed: a cell that really shows nothing fails
every attempt.
"""
import argparse
import os
import queue
import sys
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionComplete, CellExecutionError
from nbclient.util import ensure_async


class GraceClient(NotebookClient):
    """nbclient 0.7.x client that keeps draining IOPub for `grace` seconds after idle.

    Overrides the private `_async_poll_output_msg` of nbclient 0.7.2 (Debian bookworm);
    re-check on upgrade."""

    grace = 0.5
    # A cell that has shown nothing by the time the kernel says idle gets longer: every code cell
    # of these notebooks shows something, so its output is most likely still on its way.
    grace_empty = 5.0

    async def _async_poll_output_msg(self, parent_msg_id, cell, cell_index):
        idle = False
        while True:
            wait = None
            if idle:
                wait = self.grace if cell.get("outputs") else self.grace_empty
            try:
                msg = await ensure_async(self.kc.iopub_channel.get_msg(timeout=wait))
            except queue.Empty:
                return
            if msg["parent_header"].get("msg_id") != parent_msg_id:
                continue
            try:
                self.process_message(msg, cell, cell_index)
            except CellExecutionComplete:
                idle = True


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("out_dir")
    p.add_argument("notebooks", nargs="+")
    p.add_argument("--kernel", default="deno-segmetrics")
    p.add_argument("--grace", type=float, default=0.5,
                   help="seconds to keep reading IOPub after idle (5 s when the cell has no output yet)")
    p.add_argument("--timeout", type=int, default=300, help="per cell, seconds")
    p.add_argument("--attempts", type=int, default=5,
                   help="runs of a notebook whose kernel or protocol failed (cell errors fail at once)")
    args = p.parse_args(argv)
    os.makedirs(args.out_dir, exist_ok=True)
    failures = []
    for path in args.notebooks:
        name = os.path.basename(path)
        start = time.time()
        for attempt in range(1, args.attempts + 1):
            nb = nbformat.read(path, as_version=4)
            client = GraceClient(nb, kernel_name=args.kernel, timeout=args.timeout,
                                 resources={"metadata": {"path": os.path.dirname(os.path.abspath(path))}})
            client.grace = args.grace
            problems = []
            try:
                client.execute()
            except CellExecutionError as e:
                problems.append(f"a cell raised: {str(e).strip().splitlines()[-1] if str(e).strip() else e}")
            except Exception as e:  # the kernel or the protocol failed, not the notebook's code
                problems.append(f"execution failed: {type(e).__name__}: {str(e)[:200]}")
                if attempt < args.attempts:
                    # Seen with Deno 2.9.6: an intermittent "Invalid Signature" on a large IOPub
                    # message. Not a notebook error: run the notebook again from a fresh kernel.
                    print(f"retrying {name} (attempt {attempt} of {args.attempts}): {problems[-1]}")
                    sys.stdout.flush()
                    continue
            silent = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and c.source.strip()
                      and c.get("execution_count") is not None and not c.get("outputs")]
            if silent and not problems and attempt < args.attempts:
                # An output lost to the idle race would differ from run to run; a cell that really
                # shows nothing fails every attempt.
                print(f"retrying {name} (attempt {attempt} of {args.attempts}): "
                      f"cell(s) {silent} without output")
                sys.stdout.flush()
                continue
            break
        for i, cell in enumerate(nb.cells):
            if cell.cell_type != "code" or not cell.source.strip():
                continue
            outputs = cell.get("outputs", [])
            errors = [o for o in outputs if o.get("output_type") == "error"]
            if errors:
                problems.append(f"cell {i} raised {errors[0].get('ename')}: {errors[0].get('evalue')}")
            elif not outputs and cell.get("execution_count") is not None:
                problems.append(f"cell {i} produced no output: {cell.source.strip().splitlines()[0][:80]!r}")
            elif cell.get("execution_count") is None:
                problems.append(f"cell {i} was not executed")
        out = os.path.join(args.out_dir, name)
        nbformat.write(nb, out)
        elapsed = time.time() - start
        if problems:
            failures.append(name)
            print(f"FAILED {name} ({elapsed:.1f} s):")
            for pr in problems[:20]:
                print(f"  - {pr}")
        else:
            n = sum(1 for c in nb.cells if c.cell_type == "code")
            print(f"ok {name}: {n} code cells, all with output ({elapsed:.1f} s) -> {out}")
        sys.stdout.flush()
        time.sleep(1)  # let the previous kernel process exit before the next one starts
    if failures:
        print(f"{len(failures)} of {len(args.notebooks)} notebook(s) failed: {', '.join(failures)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
