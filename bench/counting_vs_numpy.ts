/**
 * Side-by-side throughput of the exact uint8 counting kernel and numpy's chunked bincount
 * (`np.bincount(t*C+p, minlength=C*C)` over 2^20-pixel chunks), on the same 2^26 uint8 pixels,
 * C = 21. Rounds alternate between the two so that load on a shared machine hits both alike.
 *
 * Run: deno run -A bench/counting_vs_numpy.ts [--pixels 67108864] [--rounds 3]
 */

import { fillIidLabels } from "./synthetic_labels.ts";
import { parseArgs } from "node:util";
import { ConfusionMatrix } from "../lib/core/confusion_matrix.ts";
import { uint8Kernel } from "../lib/core/pair_counts.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    pixels: { type: "string", default: String(2 ** 26) },
    rounds: { type: "string", default: "3" },
    python: { type: "string", default: "python3" },
  },
});
const N = Number(values.pixels);
const ROUNDS = Number(values.rounds);
const C = 21;

// Deterministic data: t uniform in [0, C), p = t with probability 0.7, else uniform.
const yTrue = new Uint8Array(N);
const yPred = new Uint8Array(N);
fillIidLabels(yTrue, yPred, C);
const dir = await Deno.makeTempDir();
await Deno.writeFile(`${dir}/t.bin`, yTrue);
await Deno.writeFile(`${dir}/p.bin`, yPred);

const PY = `
import sys, time, numpy as np
t = np.fromfile(sys.argv[1], dtype=np.uint8); p = np.fromfile(sys.argv[2], dtype=np.uint8)
C = ${C}; reps = int(sys.argv[3]); out = []
for _ in range(reps):
    t0 = time.perf_counter(); cm = np.zeros(C * C, dtype=np.int64)
    for s in range(0, t.size, 1 << 20):
        cm += np.bincount(t[s:s + (1 << 20)].astype(np.uint16) * C + p[s:s + (1 << 20)], minlength=C * C)
    out.append(time.perf_counter() - t0)
print(" ".join(map(str, out))); print(" ".join(map(str, cm.tolist())))
`;

async function numpyRound(reps: number): Promise<{ times: number[]; counts: number[] } | null> {
  try {
    const out = await new Deno.Command(values.python!, {
      args: ["-c", PY, `${dir}/t.bin`, `${dir}/p.bin`, String(reps)],
    }).output();
    if (out.code !== 0) return null;
    const [times, counts] = new TextDecoder().decode(out.stdout).trim().split("\n");
    return { times: times.split(" ").map(Number), counts: counts.split(" ").map(Number) };
  } catch {
    return null;
  }
}

function loadAverage(): string {
  try {
    return Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ");
  } catch {
    return "n/a";
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ours: number[] = [];
const theirs: number[] = [];
let reference: Float64Array | undefined;
let numpyCounts: number[] | undefined;
for (let round = 0; round < ROUNDS; round++) {
  for (let k = 0; k < 5; k++) {
    const t0 = performance.now();
    const cm = new ConfusionMatrix(C).update(yTrue, yPred);
    ours.push((performance.now() - t0) / 1000);
    reference = cm.counts();
  }
  const np = await numpyRound(5);
  if (np) {
    theirs.push(...np.times);
    numpyCounts = np.counts;
  }
}
await Deno.remove(dir, { recursive: true });

const mpx = (sec: number) => (N / sec / 1e6).toFixed(0);
console.log(`pixels: ${N} uint8 pairs, C = ${C}, ${ROUNDS} rounds of 5 runs each, medians`);
console.log(`kernel: ${uint8Kernel()}; load average: ${loadAverage()}`);
console.log(`ConfusionMatrix.update (uint8 fast path): ${mpx(median(ours))} Mpx/s`);
if (theirs.length > 0) {
  const same = numpyCounts!.every((v, k) => v === reference![k]);
  console.log(`numpy chunked bincount (2^20 chunks):    ${mpx(median(theirs))} Mpx/s`);
  console.log(`ratio (ours / numpy): ${(median(theirs) / median(ours)).toFixed(2)}x`);
  console.log(`counts identical to numpy: ${same}`);
  if (!same) Deno.exit(1);
} else {
  console.log(`numpy: not run (${values.python} with numpy not found)`);
}
