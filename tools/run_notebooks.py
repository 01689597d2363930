#!/usr/bin/env python3
"""Execute Jupyter notebooks with the Deno kernel, keeping every output, and check the outputs.

usage: run_notebooks.py OUT_DIR NOTEBOOK.ipynb... [--kernel NAME] [--timeout S] [--output-wait S]
                        [--quiet S] [--drain S] [--attempts N]

Each notebook runs in a fresh kernel started in the notebook's folder (so relative paths work) and
is written to OUT_DIR/<name>.ipynb. Exit 1 when a cell raises, when a code cell shows no output, or
when the kernel dies. A notebook whose kernel sent an unreadable message (Deno 2.9.6 can write one
IOPub message into the middle of a large one, which breaks the stream) is run again in a fresh
kernel, up to --attempts runs, and each repeat is printed; nothing else is ever repeated.

Why not nbclient: nbclient (and `jupyter nbconvert --execute`) reads a cell's outputs until the
kernel publishes `status: idle` for it, then gives the outputs 4 s (`iopub_timeout`) at most, and
drops any message of that cell that arrives later. Deno's kernel forwards `console.log` text, and
at times a cell's result, on IOPub after its `idle`, so under load an output was lost now and then.
Jupyter's messaging spec does not promise outputs before `idle`, and front ends (JupyterLab, VS
Code) route every IOPub message by its parent request id to its cell whenever it comes. This runner
does the same: one reader routes every message of the session to the cell that sent the request,
for the whole life of the kernel, so an output that comes late still lands in its cell. To keep the
cells' outputs in order, a cell counts as done when its execute_reply and its idle have come, it
has an output (or --output-wait seconds passed without one) and no message of it came for --quiet
seconds. After the last cell the runner reads on until IOPub has been quiet for --drain seconds,
then checks that every code cell has an output.

The summary line of each notebook says how many outputs came after their cell's idle, and how
late the latest one was: the messages nbclient would have been at risk of losing.
"""
import argparse
import asyncio
import os
import sys
import time

import nbformat
from jupyter_client.manager import AsyncKernelManager
from nbformat.v4 import output_from_msg

OUTPUT_TYPES = {"execute_result", "display_data", "stream", "error"}


class CellRun:
    """What the kernel sent for one execute request."""

    def __init__(self, index, cell):
        self.index = index
        self.cell = cell
        self.reply = asyncio.get_running_loop().create_future()
        self.idle = asyncio.Event()
        self.has_output = asyncio.Event()
        self.idle_at = None
        self.last_message_at = time.monotonic()
        self.clear_pending = False
        self.late = []  # (message type, seconds after idle) of each output that came after it


class Router:
    """Routes every message of a kernel session to the cell whose request it answers."""

    def __init__(self):
        self.runs = {}  # request msg_id -> CellRun
        self.display = {}  # display_id -> [output, ...]
        self.unreadable = []  # errors raised while reading a message (e.g. an invalid signature)
        self.strays = 0  # messages with no known parent (the kernel's startup status, ...)
        self.last_message_at = time.monotonic()

    def route_iopub(self, msg):
        now = time.monotonic()
        self.last_message_at = now
        run = self.runs.get(msg["parent_header"].get("msg_id"))
        if run is None:
            self.strays += 1
            return
        run.last_message_at = now
        kind = msg["header"]["msg_type"]
        content = msg["content"]
        if "execution_count" in content and content["execution_count"] is not None:
            run.cell["execution_count"] = content["execution_count"]
        if kind == "status":
            if content.get("execution_state") == "idle" and not run.idle.is_set():
                run.idle_at = now
                run.idle.set()
            return
        if kind == "clear_output":
            if content.get("wait"):
                run.clear_pending = True
            else:
                run.cell.outputs[:] = []
            return
        if kind == "update_display_data":
            for out in self.display.get(content.get("transient", {}).get("display_id"), []):
                out["data"] = content["data"]
                out["metadata"] = content.get("metadata", {})
            return
        if kind not in OUTPUT_TYPES:
            return  # execute_input, comm messages
        if run.clear_pending:
            run.cell.outputs[:] = []
            run.clear_pending = False
        outs = run.cell.outputs
        if (kind == "stream" and outs and outs[-1]["output_type"] == "stream"
                and outs[-1]["name"] == content["name"]):
            outs[-1]["text"] += content["text"]  # one stream output, as a front end shows it
        else:
            out = output_from_msg(msg)
            outs.append(out)
            display_id = content.get("transient", {}).get("display_id")
            if display_id:
                self.display.setdefault(display_id, []).append(out)
        if run.idle_at is not None:
            run.late.append((kind, now - run.idle_at))
        run.has_output.set()

    def route_shell(self, msg):
        run = self.runs.get(msg["parent_header"].get("msg_id"))
        if run is not None and msg["header"]["msg_type"] == "execute_reply" and not run.reply.done():
            run.reply.set_result(msg["content"])


async def read_forever(channel, route, router):
    while True:
        try:
            msg = await channel.get_msg(timeout=None)
        except asyncio.CancelledError:
            raise
        except Exception as e:  # a message jupyter_client could not read: report it, keep reading
            router.unreadable.append(f"{type(e).__name__}: {e}")
            continue
        route(msg)


async def quiet_for(seconds, last_message_at):
    """Waits until no message has come for `seconds` (last_message_at() gives the latest time)."""
    while True:
        left = last_message_at() + seconds - time.monotonic()
        if left <= 0:
            return
        await asyncio.sleep(left)


class BrokenStream(Exception):
    """The kernel's IOPub stream carried a message that could not be read."""


async def wait_alive(awaitable, km, router, timeout, what):
    """Awaits `awaitable`, failing when the kernel dies, its IOPub stream breaks or `timeout`
    seconds pass."""
    task = asyncio.ensure_future(awaitable)
    deadline = time.monotonic() + timeout
    while True:
        done, _ = await asyncio.wait({task}, timeout=min(0.5, max(0.0, deadline - time.monotonic())))
        if done:
            return task.result()
        if router.unreadable:
            task.cancel()
            raise BrokenStream(f"while waiting for {what}")
        if not await km.is_alive():
            task.cancel()
            raise RuntimeError(f"the kernel died while waiting for {what}")
        if time.monotonic() >= deadline:
            task.cancel()
            raise TimeoutError(f"no {what} within {timeout} s")


async def execute_notebook(nb, cwd, args):
    """Runs every code cell of `nb` in place; returns (problems, stats)."""
    km = AsyncKernelManager(kernel_name=args.kernel)
    await km.start_kernel(cwd=cwd)
    kc = km.client()
    kc.start_channels()
    router = Router()
    readers = []
    problems = []
    try:
        await kc.wait_for_ready(timeout=args.startup)
        readers = [asyncio.ensure_future(read_forever(kc.iopub_channel, router.route_iopub, router)),
                   asyncio.ensure_future(read_forever(kc.shell_channel, router.route_shell, router))]
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            cell.outputs = []
            cell.execution_count = None
            if not cell.source.strip():
                continue
            msg_id = kc.execute(cell.source, store_history=True, stop_on_error=True)
            run = router.runs[msg_id] = CellRun(index, cell)
            reply = await wait_alive(run.reply, km, router, args.timeout, f"the reply of cell {index}")
            if reply.get("execution_count") is not None:
                cell.execution_count = reply["execution_count"]
            await wait_alive(run.idle.wait(), km, router, args.output_wait,
                             f"the idle status of cell {index}")
            if not cell.outputs:
                try:  # every code cell must show something: its output may still be on its way
                    await wait_alive(run.has_output.wait(), km, router, args.output_wait,
                                     f"the output of cell {index}")
                except TimeoutError:
                    pass
            await quiet_for(args.quiet, lambda: run.last_message_at)
            if reply.get("status") != "ok":
                if not any(o["output_type"] == "error" for o in cell.outputs):
                    problems.append(f"cell {index} raised {reply.get('ename')}: {reply.get('evalue')}")
                break  # as Jupyter's "run all" does: stop at the first error
        await quiet_for(args.drain, lambda: router.last_message_at)
    except BrokenStream:
        pass  # reported below, from router.unreadable
    except (RuntimeError, TimeoutError) as e:
        problems.append(str(e))
    finally:
        for task in readers:
            task.cancel()
        await asyncio.gather(*readers, return_exceptions=True)
        kc.stop_channels()
        await km.shutdown_kernel(now=False)
    problems += [f"a kernel message could not be read ({e})" for e in router.unreadable]
    late = [t for run in router.runs.values() for t in run.late]
    outputs = sum(len(run.cell.outputs) for run in router.runs.values())
    return problems, {"outputs": outputs, "late": late, "broken": bool(router.unreadable)}


def check_cells(nb):
    problems = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or not cell.source.strip():
            continue
        outputs = cell.get("outputs", [])
        errors = [o for o in outputs if o.get("output_type") == "error"]
        if errors:
            problems.append(f"cell {i} raised {errors[0].get('ename')}: {errors[0].get('evalue')}")
        elif cell.get("execution_count") is None:
            problems.append(f"cell {i} was not executed")
        elif not outputs:
            problems.append(f"cell {i} produced no output: {cell.source.strip().splitlines()[0][:80]!r}")
    return problems


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("out_dir")
    p.add_argument("notebooks", nargs="+")
    p.add_argument("--kernel", default="deno", help="kernelspec name (default: deno)")
    p.add_argument("--timeout", type=float, default=300, help="seconds per cell for its reply")
    p.add_argument("--startup", type=float, default=60, help="seconds for the kernel to start")
    p.add_argument("--output-wait", type=float, default=30,
                   help="seconds a cell without output waits for one after its reply and idle")
    p.add_argument("--quiet", type=float, default=0.1,
                   help="seconds without a message of a cell before the next cell starts")
    p.add_argument("--drain", type=float, default=2.0,
                   help="seconds without any message after the last cell before the kernel stops")
    p.add_argument("--attempts", type=int, default=3,
                   help="runs of a notebook whose IOPub stream broke (never for a cell error or a "
                        "cell without output)")
    args = p.parse_args(argv)
    os.makedirs(args.out_dir, exist_ok=True)
    failures = []
    late_total = 0
    retries = 0
    outputs_total = 0
    for path in args.notebooks:
        name = os.path.basename(path)
        start = time.time()
        for attempt in range(1, args.attempts + 1):
            nb = nbformat.read(path, as_version=4)
            problems, stats = asyncio.run(
                execute_notebook(nb, os.path.dirname(os.path.abspath(path)), args))
            if not stats["broken"] or attempt == args.attempts:
                break
            # Deno 2.9.6's kernel can write a message into the middle of a large one on IOPub
            # (seen with the plotly.js output and the cell's `status: idle`): the large message
            # fails its signature and the stream is unreadable from there on. That is the kernel's
            # transport, not the notebook: run the notebook again in a fresh kernel. (Uncompressed,
            # the 11 MB library broke 2 of 40 runs of its cell; loadPlotly now sends it gzipped.)
            retries += 1
            print(f"retrying {name} in a fresh kernel (attempt {attempt + 1} of {args.attempts}): "
                  f"{problems[-1]}")
            sys.stdout.flush()
        problems += [pr for pr in check_cells(nb) if pr not in problems]
        out = os.path.join(args.out_dir, name)
        nbformat.write(nb, out)
        elapsed = time.time() - start
        late = stats["late"]
        late_total += len(late)
        outputs_total += stats["outputs"]
        kinds = ", ".join(f"{sum(1 for k, _ in late if k == kind)} {kind}"
                          for kind in sorted({k for k, _ in late}))
        late_text = (f"{len(late)} of {stats['outputs']} outputs came after their cell's idle"
                     + (f" ({kinds}), the latest {max(t for _, t in late) * 1000:.0f} ms after"
                        if late else ""))
        if problems:
            failures.append(name)
            print(f"FAILED {name} ({elapsed:.1f} s; {late_text}):")
            for pr in problems[:20]:
                print(f"  - {pr}")
        else:
            n = sum(1 for c in nb.cells if c.cell_type == "code")
            print(f"ok {name}: {n} code cells, all with output ({elapsed:.1f} s; {late_text}) -> {out}")
        sys.stdout.flush()
    print(f"{len(args.notebooks) - len(failures)} of {len(args.notebooks)} notebook(s) ok; "
          f"{late_total} of {outputs_total} outputs came after their cell's idle; "
          f"{retries} run(s) repeated after a broken IOPub stream")
    if failures:
        print(f"failed: {', '.join(failures)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
