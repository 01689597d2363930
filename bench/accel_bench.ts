/**
 * Throughput of every counting backend side by side, in one run, on the same uint8 pixels
 * (C = 21 by default; t uniform, p = t with probability 0.7, else uniform): plain TS (the core's
 * `ConfusionMatrix.update`, single thread), workers (on labels in shared memory, and on ordinary
 * arrays, which the pool streams through its ring of shared slots), tfjs cpu / wasm / webgpu, the
 * WebGPU shader,
 * and numpy's chunked `np.bincount` when `python3` with numpy is present. Rounds alternate
 * between backends so that load on a shared machine hits all of them alike; the table shows the
 * median of the rounds, the ratio to plain and whether the counts equal plain's exactly.
 *
 * Run: deno run -A bench/accel_bench.ts [--pixels 2^26] [--rounds 3] [--workers cores-1]
 *        [--slow-pixels 2^22] [--classes 21] [--skip tfjs-webgpu,numpy]
 * `--slow-pixels` is used for the WebGPU rows on a software (fallback) adapter, and for tfjs.
 */

import { fillIidLabels } from "./synthetic_labels.ts";
import { parseArgs } from "node:util";
import { ConfusionMatrix } from "../lib/core/confusion_matrix.ts";
import { computeConfusionMatrix } from "../lib/accel/compute_confusion_matrix.ts";
import { toShared, WorkerPool } from "../lib/accel/workers.ts";
import { WebGpuCounter } from "../lib/accel/webgpu.ts";
import { tfjsBackendWorks } from "../lib/accel/tfjs.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    pixels: { type: "string", default: "2^26" },
    "slow-pixels": { type: "string", default: "2^24" },
    rounds: { type: "string", default: "3" },
    workers: { type: "string", default: String(Math.max(1, navigator.hardwareConcurrency - 1)) },
    classes: { type: "string", default: "21" },
    python: { type: "string", default: "python3" },
    skip: { type: "string", default: "" },
  },
});
const num = (s: string) =>
  s.includes("^") ? Number(s.split("^")[0]) ** Number(s.split("^")[1]) : Number(s);
const N = num(values.pixels!);
const SLOW = Math.min(N, num(values["slow-pixels"]!));
const ROUNDS = Number(values.rounds);
const WORKERS = Number(values.workers);
const C = Number(values.classes);
const skip = new Set(values.skip!.split(",").filter((s) => s !== ""));

// Ordinary arrays, as most callers have them, and the same labels in shared memory.
const yTrue = new Uint8Array(N);
const yPred = new Uint8Array(N);
fillIidLabels(yTrue, yPred, C);
const sharedTrue = toShared(yTrue), sharedPred = toShared(yPred);

interface Row {
  name: string;
  pixels: number;
  run: () => Promise<Float64Array>;
  times: number[];
  exact: boolean | null;
}

const reference = new Map<number, Float64Array>();
function plainCounts(n: number): Float64Array {
  let r = reference.get(n);
  if (r === undefined) {
    r = new ConfusionMatrix(C).update(yTrue.subarray(0, n), yPred.subarray(0, n)).counts();
    reference.set(n, r);
  }
  return r;
}

const rows: Row[] = [];
const add = (name: string, pixels: number, run: () => Promise<Float64Array>) => {
  if (!skip.has(name.split(" ")[0])) rows.push({ name, pixels, run, times: [], exact: null });
};
add(
  "plain (1 thread)",
  N,
  () => Promise.resolve(new ConfusionMatrix(C).update(yTrue, yPred).counts()),
);
const pool = new WorkerPool(WORKERS);
const SHARED = `workers (${WORKERS} + caller), shared arrays`;
const ORDINARY = `workers (${WORKERS} + caller), ordinary arrays`;
for (const [name, t, p] of [[SHARED, sharedTrue, sharedPred], [ORDINARY, yTrue, yPred]] as const) {
  add(
    name,
    N,
    async () =>
      (await computeConfusionMatrix(t, p, { numClasses: C, backend: "workers", pool })).counts(),
  );
}
for (const b of ["cpu", "wasm"] as const) {
  if (await tfjsBackendWorks(b)) {
    add(
      `tfjs-${b}`,
      SLOW,
      async () =>
        (await computeConfusionMatrix(yTrue.subarray(0, SLOW), yPred.subarray(0, SLOW), {
          numClasses: C,
          backend: `tfjs-${b}`,
        })).counts(),
    );
  }
}
const gpu = skip.has("webgpu") ? null : await WebGpuCounter.create();
const gpuPixels = gpu?.info.isFallbackAdapter ? SLOW : N;
if (gpu !== null && !skip.has("tfjs-webgpu") && await tfjsBackendWorks("webgpu")) {
  add(
    "tfjs-webgpu",
    gpuPixels,
    async () =>
      (await computeConfusionMatrix(yTrue.subarray(0, gpuPixels), yPred.subarray(0, gpuPixels), {
        numClasses: C,
        backend: "tfjs-webgpu",
      })).counts(),
  );
}
if (gpu !== null) {
  add(
    "webgpu (WGSL)",
    gpuPixels,
    async () =>
      (await computeConfusionMatrix(yTrue.subarray(0, gpuPixels), yPred.subarray(0, gpuPixels), {
        numClasses: C,
        backend: "webgpu",
        webgpu: gpu,
      })).counts(),
  );
}

// numpy: the data goes to files once; each round runs one timed pass in a python process.
const dir = await Deno.makeTempDir();
await Deno.writeFile(`${dir}/t.bin`, yTrue.slice());
await Deno.writeFile(`${dir}/p.bin`, yPred.slice());
const PY = `
import sys, time, numpy as np
t = np.fromfile(sys.argv[1], dtype=np.uint8); p = np.fromfile(sys.argv[2], dtype=np.uint8)
C = int(sys.argv[3])
t0 = time.perf_counter(); cm = np.zeros(C * C, dtype=np.int64)
for s in range(0, t.size, 1 << 20):
    cm += np.bincount(t[s:s + (1 << 20)].astype(np.uint16) * C + p[s:s + (1 << 20)], minlength=C * C)
print(time.perf_counter() - t0); print(" ".join(map(str, cm.tolist())))
`;
let numpyTime = 0;
async function numpy(): Promise<Float64Array> {
  const out = await new Deno.Command(values.python!, {
    args: ["-c", PY, `${dir}/t.bin`, `${dir}/p.bin`, String(C)],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (out.code !== 0) throw new Error(new TextDecoder().decode(out.stderr));
  const [time, counts] = new TextDecoder().decode(out.stdout).trim().split("\n");
  numpyTime = Number(time) * 1000;
  return Float64Array.from(counts.split(" ").map(Number));
}
let hasNumpy = false;
try {
  const probe = await new Deno.Command(values.python!, { args: ["-c", "import numpy"] }).output();
  hasNumpy = probe.code === 0;
} catch {
  hasNumpy = false;
}
if (hasNumpy) add("numpy bincount (chunked 2^20)", N, numpy);

console.log(
  `accel_bench: ${N} uint8 pixels (${SLOW} for tfjs${
    gpu?.info.isFallbackAdapter ? " and the software WebGPU adapter" : ""
  }), C = ${C}, ${ROUNDS} rounds, median`,
);
if (gpu !== null) console.log(`WebGPU adapter: ${gpu.info.description || "(no description)"}`);
else console.log("WebGPU: no adapter");
for (const r of rows) await r.run(); // warm-up (JIT, tfjs/wasm load, pipelines)
for (let round = 0; round < ROUNDS; round++) {
  for (const r of rows) {
    const t0 = performance.now();
    const counts = await r.run();
    const ms = r.name.startsWith("numpy") ? numpyTime : performance.now() - t0;
    r.times.push(ms);
    const ref = plainCounts(r.pixels);
    const same = counts.length === ref.length && counts.every((v, i) => v === ref[i]);
    r.exact = (r.exact ?? true) && same;
  }
}
pool.close();
gpu?.destroy();
await Deno.remove(dir, { recursive: true });

const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[xs.length >> 1];

/**
 * How much parallel CPU the machine gives right now: the same pure-CPU spin in 1 worker, then in
 * 2 workers at once (twice the work); 2.0x = two free cores, 1.0x = one core's worth.
 */
async function headroom(): Promise<number> {
  const src = `self.onmessage = (e) => { let x = 0; for (let i = 0; i < e.data; i++) ` +
    `x = (x + i * 2654435761) | 0; self.postMessage(x); };`;
  const url = URL.createObjectURL(new Blob([src], { type: "application/javascript" }));
  const ws = [new Worker(url, { type: "module" }), new Worker(url, { type: "module" })];
  const run = (w: Worker, n: number) =>
    new Promise<void>((resolve) => {
      w.onmessage = () => resolve();
      w.postMessage(n);
    });
  await Promise.all(ws.map((w) => run(w, 1e7)));
  const n = 2e8, ratios: number[] = [];
  for (let k = 0; k < 3; k++) {
    let t = performance.now();
    await run(ws[0], n);
    const one = performance.now() - t;
    t = performance.now();
    await Promise.all(ws.map((w) => run(w, n)));
    ratios.push((2 * one) / (performance.now() - t));
  }
  ws.forEach((w) => w.terminate());
  URL.revokeObjectURL(url);
  return median(ratios);
}
const spare = await headroom();
const mpx = (r: Row) => r.pixels / median(r.times) / 1e3;
const base = mpx(rows[0]);
const lines = [
  "| backend | pixels | Mpx/s | ratio to plain | exact |",
  "|---|---:|---:|---:|---|",
  ...rows.map((r) =>
    `| ${r.name} | ${r.pixels} | ${mpx(r).toFixed(1)} | ${(mpx(r) / base).toFixed(2)}x | ${
      r.exact ? "yes" : "NO"
    } |`
  ),
];
console.log(lines.join("\n"));
if (rows.some((r) => r.name === SHARED)) {
  console.log(
    `CPU parallel headroom measured right after (pure spin, 2 workers vs 1): ${
      spare.toFixed(2)
    }x; load average ${Deno.loadavg().map((x) => x.toFixed(1)).join(" ")}`,
  );
}
