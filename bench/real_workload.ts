/**
 * The real workload, whole processes side by side: the CLI (`compare --keras none --format
 * json`) against the ten-line Python loop users would write (Pillow or `np.load`, then numpy's
 * `bincount`), on folders of Cityscapes-sized label maps: 2048 x 1024, 19 classes plus 255
 * (ignored), as palette-indexed PNGs and as uint8 `.npy` files.
 *
 * Rounds alternate between the two programs so that load on a shared machine hits both alike;
 * each figure is the median over rounds of the wall time of one process, start-up included.
 * Prints, per folder kind: seconds, image pairs/s, Mpx/s (ground-truth pixels), the peak
 * CPU seconds (user + system) and peak resident memory of each process (`/usr/bin/time`, else
 * not shown), and the ratio
 * (Python time / CLI time: above 1, the CLI is faster). Both confusion matrices must agree
 * cell for cell.
 *
 * Python: `--python`, else `$ORACLE_PYTHON`, else `.venv-oracle/bin/python`, else `python3`;
 * it needs numpy and Pillow (`.venv-oracle` has them, see tools/test.sh). Without them only the
 * CLI is timed, with a message saying why.
 *
 * The labels are drawn here (no Python needed): Voronoi regions of 8 x 8-pixel cells around 60
 * random seeds, about a tenth of them the ignore label 255; the predictions move the seeds by a
 * few cells and flip a few regions to another class, so that the boundaries disagree as a
 * model's do. PNGs are written by fast-png (palette, 8 bits, no filter, as Pillow writes mode P).
 *
 * Run: deno run -A bench/real_workload.ts [--pairs 60] [--rounds 3] [--kinds png,npy]
 *   [--size 2048x1024] [--classes 19] [--png palette|gray8|gray16] (other sizes, class counts
 *   and PNG kinds: palette-indexed, 8-bit and 16-bit grayscale)
 *   [--jobs N[,N...]] (passed to the CLI as --jobs; leave out where the CLI has no such flag)
 *   [--baseline OTHER/cli.ts] (also times another checkout's CLI, e.g. an older commit's, from
 *   `git archive COMMIT | tar -x -C DIR` with DIR/node_modules linked to this one's)
 *
 * @module
 */

import { parseArgs } from "node:util";
import { encode } from "fast-png";
import { encodeNpy } from "../lib/io/npy.ts";
import { xorshift32 } from "./synthetic_labels.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    pairs: { type: "string", default: "60" },
    rounds: { type: "string", default: "3" },
    kinds: { type: "string", default: "png,npy" },
    python: { type: "string" },
    jobs: { type: "string" },
    baseline: { type: "string" },
    keep: { type: "boolean", default: false },
    size: { type: "string", default: "2048x1024" },
    classes: { type: "string", default: "19" },
    png: { type: "string", default: "palette" },
  },
});
const PAIRS = Number(values.pairs), ROUNDS = Number(values.rounds);
const [W, H] = values.size!.split("x").map(Number);
const C = Number(values.classes), IGNORE = 255;
const PNG_KIND = values.png as "palette" | "gray8" | "gray16";
if (!(W % 8 === 0 && H % 8 === 0 && W > 0 && H > 0)) {
  throw new RangeError(`Expected --size WxH with W and H multiples of 8, but found ${values.size}`);
}
if (!(Number.isInteger(C) && C >= 2 && C <= 255)) {
  throw new RangeError(
    `Expected --classes to be an integer in [2, 255], but found ${values.classes}`,
  );
}
if (!["palette", "gray8", "gray16"].includes(PNG_KIND)) {
  throw new RangeError(`Expected --png to be palette, gray8 or gray16, but found ${values.png}`);
}
const kinds = values.kinds!.split(",") as ("png" | "npy")[];
const jobsList = values.jobs === undefined ? [undefined] : values.jobs.split(",");
const repo = new URL("..", import.meta.url).pathname;

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

const python = values.python ?? Deno.env.get("ORACLE_PYTHON") ??
  (exists(`${repo}.venv-oracle/bin/python`) ? `${repo}.venv-oracle/bin/python` : "python3");
const pythonWhy = (() => {
  try {
    const out = new Deno.Command(python, { args: ["-c", "import numpy, PIL"] }).outputSync();
    return out.success ? null : `${python} has no numpy or Pillow`;
  } catch {
    return `${python} not found`;
  }
})();
const gnuTime = exists("/usr/bin/time") ? "/usr/bin/time" : null;

// ------------------------------------------------------------------ data

/** One (truth, prediction) pair of Cityscapes-like label maps. */
function labelPair(seed: number): { truth: Uint8Array; pred: Uint8Array } {
  const next = xorshift32(seed * 2654435761);
  const K = 60, CW = W / 8, CH = H / 8;
  const sx = new Int32Array(K), sy = new Int32Array(K), cls = new Uint8Array(K);
  const px = new Int32Array(K), py = new Int32Array(K), pcls = new Uint8Array(K);
  for (let k = 0; k < K; k++) {
    sx[k] = next() % CW;
    sy[k] = next() % CH;
    cls[k] = next() % 10 === 0 ? IGNORE : next() % C;
    px[k] = sx[k] + (next() % 7) - 3;
    py[k] = sy[k] + (next() % 7) - 3;
    pcls[k] = cls[k] === IGNORE || next() % 8 === 0 ? next() % C : cls[k];
  }
  const nearest = (x: number, y: number, xs: Int32Array, ys: Int32Array) => {
    let best = 0, bestD = Infinity;
    for (let k = 0; k < K; k++) {
      const d = (xs[k] - x) ** 2 + (ys[k] - y) ** 2;
      if (d < bestD) bestD = d, best = k;
    }
    return best;
  };
  const truth = new Uint8Array(W * H), pred = new Uint8Array(W * H);
  for (let cy = 0; cy < CH; cy++) {
    for (let cx = 0; cx < CW; cx++) {
      const t = cls[nearest(cx, cy, sx, sy)], p = pcls[nearest(cx, cy, px, py)];
      for (let y = cy * 8; y < cy * 8 + 8; y++) {
        truth.fill(t, y * W + cx * 8, y * W + cx * 8 + 8);
        pred.fill(p, y * W + cx * 8, y * W + cx * 8 + 8);
      }
    }
  }
  return { truth, pred };
}

const palette = Array.from({ length: 256 }, (_, i) => [(i * 37) % 256, (i * 91) % 256, i]);

async function writeFolders(dir: string): Promise<void> {
  for (const kind of kinds) {
    for (const side of ["gt", "pred"]) {
      await Deno.mkdir(`${dir}/${kind}/${side}`, { recursive: true });
    }
  }
  for (let i = 0; i < PAIRS; i++) {
    const { truth, pred } = labelPair(i + 1);
    const name = `frankfurt_${String(i).padStart(6, "0")}_000019`;
    for (const [side, data] of [["gt", truth], ["pred", pred]] as const) {
      if (kinds.includes("png")) {
        const png = PNG_KIND === "palette"
          ? encode({ width: W, height: H, channels: 1, depth: 8, data, palette })
          : PNG_KIND === "gray8"
          ? encode({ width: W, height: H, channels: 1, depth: 8, data })
          : encode({ width: W, height: H, channels: 1, depth: 16, data: Uint16Array.from(data) });
        await Deno.writeFile(`${dir}/png/${side}/${name}.png`, png);
      }
      if (kinds.includes("npy")) {
        await Deno.writeFile(`${dir}/npy/${side}/${name}.npy`, encodeNpy({ shape: [H, W], data }));
      }
    }
  }
}

// ------------------------------------------------------------------ the two programs

const PYTHON_LOOP = `
import json, os, sys
import numpy as np
from PIL import Image
gt, pred, kind, C = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
read = (lambda f: np.asarray(Image.open(f))) if kind == "png" else np.load
cm = np.zeros(C * C, dtype=np.int64)
for name in sorted(os.listdir(gt)):
    t = read(os.path.join(gt, name)).ravel(); p = read(os.path.join(pred, name)).ravel()
    keep = t != 255
    cm += np.bincount(t[keep].astype(np.int64) * C + p[keep], minlength=C * C)
print(json.dumps(cm.tolist()))
`;

interface Run {
  seconds: number;
  /** User + system CPU seconds (from /usr/bin/time), null without it. */
  cpuSeconds: number | null;
  peakMiB: number | null;
  counts: number[];
}

/** Runs a process under /usr/bin/time (when there is one) and returns its time, RSS, counts. */
async function timed(cmd: string, args: string[], counts: (stdout: string) => number[]) {
  const rssFile = await Deno.makeTempFile();
  const [program, programArgs] = gnuTime
    ? [gnuTime, ["-f", "%M %U %S", "-o", rssFile, cmd, ...args]]
    : [cmd, args];
  const t0 = performance.now();
  const out = await new Deno.Command(program, { args: programArgs, stderr: "piped" }).output();
  const seconds = (performance.now() - t0) / 1000;
  const text = new TextDecoder().decode(out.stdout);
  if (!out.success) {
    throw new Error(`${cmd} ${args.join(" ")} failed:\n${new TextDecoder().decode(out.stderr)}`);
  }
  const [kib, user, system] = gnuTime
    ? (await Deno.readTextFile(rssFile)).trim().split("\n").at(-1)!.split(" ").map(Number)
    : [NaN, NaN, NaN];
  await Deno.remove(rssFile);
  return {
    seconds,
    cpuSeconds: Number.isFinite(user + system) ? user + system : null,
    peakMiB: Number.isFinite(kib) ? kib / 1024 : null,
    counts: counts(text),
  };
}

function cliRun(
  dir: string,
  kind: string,
  jobs: string | undefined,
  cli = `${repo}cli.ts`,
): Promise<Run> {
  const args = [
    "run",
    "--allow-read",
    "--allow-write",
    cli,
    "compare",
    "--true",
    `${dir}/${kind}/gt`,
    "--pred",
    `${dir}/${kind}/pred`,
    "--classes",
    String(C),
    "--ignore",
    String(IGNORE),
    "--keras",
    "none",
    "--format",
    "json",
    ...(jobs === undefined ? [] : ["--jobs", jobs]),
  ];
  return timed(Deno.execPath(), args, (s) => JSON.parse(s).confusionMatrix.flat());
}

function pythonRun(dir: string, kind: string): Promise<Run> {
  const args = ["-c", PYTHON_LOOP, `${dir}/${kind}/gt`, `${dir}/${kind}/pred`, kind, String(C)];
  return timed(python, args, (s) => JSON.parse(s));
}

// ------------------------------------------------------------------ rounds

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const load = () => {
  try {
    return Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ");
  } catch {
    return "n/a";
  }
};

const dir = await Deno.makeTempDir({ prefix: "real_workload_" });
try {
  const t0 = performance.now();
  await writeFolders(dir);
  console.log(
    `${PAIRS} pairs of ${W} x ${H} label maps (${C} classes + ${IGNORE}; PNG ${PNG_KIND}), ` +
      `${kinds.join(" and ")}` +
      ` folders written in ${((performance.now() - t0) / 1000).toFixed(1)} s; ${ROUNDS} rounds`,
  );
  if (pythonWhy !== null) console.log(`Python loop: not run (${pythonWhy})`);
  else console.log(`Python loop: ${python}`);
  console.log(`load average before: ${load()}`);
  const results = new Map<string, Run[]>();
  const record = (key: string, run: Run) => results.set(key, [...(results.get(key) ?? []), run]);
  for (let round = 0; round < ROUNDS; round++) {
    for (const kind of kinds) {
      for (const jobs of jobsList) {
        record(`${kind} cli${jobs ? ` --jobs ${jobs}` : ""}`, await cliRun(dir, kind, jobs));
      }
      if (values.baseline !== undefined) {
        record(`${kind} baseline cli`, await cliRun(dir, kind, undefined, values.baseline));
      }
      if (pythonWhy === null) record(`${kind} python`, await pythonRun(dir, kind));
    }
  }
  console.log(`load average after: ${load()}\n`);
  const mpx = PAIRS * W * H / 1e6;
  console.log("program                  seconds   pairs/s    Mpx/s   CPU s   peak RSS");
  for (const [key, runs] of results) {
    const s = median(runs.map((r) => r.seconds));
    const rss = runs.map((r) => r.peakMiB).filter((m) => m !== null) as number[];
    const cpu = runs.map((r) => r.cpuSeconds).filter((c) => c !== null) as number[];
    console.log(
      `${key.padEnd(24)} ${s.toFixed(2).padStart(7)} ${(PAIRS / s).toFixed(1).padStart(9)} ` +
        `${(mpx / s).toFixed(0).padStart(8)} ` +
        `${(cpu.length ? median(cpu).toFixed(2) : "n/a").padStart(7)} ` +
        `${rss.length ? `${Math.max(...rss).toFixed(0)} MiB` : "n/a"}`,
    );
  }
  console.log("");
  let agree = true;
  for (const kind of kinds) {
    const py = results.get(`${kind} python`);
    for (const [key, runs] of results) {
      if (!key.startsWith(`${kind} cli`) && !key.startsWith(`${kind} baseline`)) continue;
      if (py !== undefined) {
        const ratio = median(py.map((r) => r.seconds)) / median(runs.map((r) => r.seconds));
        console.log(`${key} vs the Python loop: ${ratio.toFixed(2)}x`);
        const same = runs.every((r) => r.counts.every((v, k) => v === py[0].counts[k]));
        if (!same) {
          console.log(`  confusion matrices differ from the Python loop's`);
          agree = false;
        }
      }
      const base = results.get(`${kind} baseline cli`);
      if (base !== undefined && key.startsWith(`${kind} cli`)) {
        const ratio = median(base.map((r) => r.seconds)) / median(runs.map((r) => r.seconds));
        console.log(`${key} vs the baseline CLI: ${ratio.toFixed(2)}x`);
        if (!runs.every((r) => r.counts.every((v, k) => v === base[0].counts[k]))) agree = false;
      }
      const first = runs[0].counts;
      if (!runs.every((r) => r.counts.every((v, k) => v === first[k]))) agree = false;
    }
  }
  if (!agree) Deno.exit(1);
  if (pythonWhy === null) console.log("confusion matrices identical to the Python loop's: true");
} finally {
  if (values.keep) console.log(`folders kept in ${dir}`);
  else await Deno.remove(dir, { recursive: true });
}
