/**
 * GPU check, prepared for a machine with a real GPU; `tools/gpu_check_pack.sh` packs it to run
 * offline there (the device has no Deno and no network):
 *
 *   deno run -A tools/gpu_check.ts [--pixels 2^28] [--resident 2^26] [--big auto|yes|no]
 *     [--rounds 3] [--tfjs no] [--tfjs-timeout 45]
 *
 * 1. exactness of the WebGPU shader, private-histogram kernel (and of tfjs-webgpu "matMul" on
 *    small inputs) against the plain reference (`ConfusionMatrix.update`): random uint8 / uint16 /
 *    int32 labels with ignore labels and the "drop" and "miss" policies, several chunks; one class
 *    everywhere (2^24 + 5 pixels, every thread on one bin); C = 2, 21, 40, 62 and 100 (8, 8, 2,
 *    1 copies and global atomics); with `--big`, a cell above 2^31 (2^31 + 5 pairs, 2 GiB);
 * 2. kernel throughput on labels already on the device (`WebGpuCounter.timeResident`, one chunk of
 *    uint8 labels, C = 21): the baseline kernel against the private-histogram kernel, random labels
 *    and one class everywhere, in Gpx/s;
 * 3. end-to-end throughput on `--pixels` uint8 pixels (C = 21), median of `--rounds`: plain,
 *    workers, WGSL baseline, WGSL private (host arrays in, counts out: uploads included);
 * 4. tfjs-webgpu last, each stage under `--tfjs-timeout` seconds: throughput on 2^24 pixels and
 *    a single cell of 2^24 + 5 (method "matMul", the default since the float32 bincount hang);
 * 5. what raw tfjs-webgpu int32 ops return on this adapter (the reason for the guards).
 *
 * Prints a compact table. Exits 0 with a message when there is no WebGPU adapter; exits 1 if any
 * exactness check fails. Every stage catches its own errors so one failure does not hide the rest.
 */

import { parseArgs } from "node:util";
import { ConfusionMatrix } from "../lib/core/confusion_matrix.ts";
import { computeConfusionMatrix } from "../lib/accel/compute_confusion_matrix.ts";
import { WebGpuCounter } from "../lib/accel/webgpu.ts";
import { WorkerPool } from "../lib/accel/workers.ts";
import { pairCoding } from "../lib/accel/pair_table.ts";
import { loadTfjs, tfjsBackendWorks } from "../lib/accel/tfjs.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    pixels: { type: "string", default: "2^28" },
    resident: { type: "string", default: "2^26" },
    big: { type: "string", default: "auto" },
    rounds: { type: "string", default: "3" },
    tfjs: { type: "string", default: "yes" },
    "tfjs-timeout": { type: "string", default: "45" },
  },
});
const num = (s: string) =>
  s.includes("^") ? Number(s.split("^")[0]) ** Number(s.split("^")[1]) : Number(s);
const N = num(values.pixels!);
const ROUNDS = Number(values.rounds);
const C = 21;
const t0 = performance.now();
const elapsed = () => `${((performance.now() - t0) / 1000).toFixed(1)} s`;
const lines: string[] = [];
const say = (s: string) => {
  console.log(s);
  lines.push(s);
};
let failures = 0;

const gpu = await WebGpuCounter.create().catch((e) => {
  console.log(`WebGPU device request failed: ${e}`);
  return null;
});
if (gpu === null) {
  console.log("gpu_check: no WebGPU adapter found by Deno here; nothing to check (exit 0).");
  Deno.exit(0);
}
say(
  `adapter: ${
    gpu.info.description || "(no description)"
  } | vendor ${gpu.info.vendor} | fallback ${gpu.info.isFallbackAdapter} | chunk ${gpu.chunkPixels} px`,
);
say(`cpu cores: ${navigator.hardwareConcurrency}; deno ${Deno.version.deno}`);
const tfWebgpu = values.tfjs !== "no" && await tfjsBackendWorks("webgpu");
say(`tfjs-webgpu backend starts: ${tfWebgpu}`);

function rng(seed: number) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

/** iid labels: t uniform in [0, C), p = t w.p. 0.7 else uniform. */
function iid(n: number, seed: number): [Uint8Array, Uint8Array] {
  const t = new Uint8Array(n), p = new Uint8Array(n), r = rng(seed);
  for (let i = 0; i < n; i++) {
    const s = r(), c = s % C;
    t[i] = c;
    p[i] = (s >>> 8) % 10 < 7 ? c : (s >>> 16) % C;
  }
  return [t, p];
}

// ---------------------------------------------------------------- 1. exactness
say("");
say("| check | backend | pixels | result | time |");
say("|---|---|---:|---|---:|");
async function exact(
  name: string,
  backend: "webgpu" | "tfjs-webgpu",
  yTrue: Uint8Array | Uint16Array | Int32Array,
  yPred: Uint8Array | Uint16Array | Int32Array,
  options: { ignoreIndex?: number[]; outOfRange?: "drop" | "miss" | "error" },
  expected?: number[],
) {
  const s = performance.now();
  let result: string;
  try {
    const got = await computeConfusionMatrix(yTrue, yPred, {
      numClasses: C,
      backend,
      webgpu: backend === "webgpu" ? gpu! : undefined,
      ...options,
    });
    let same: boolean;
    if (expected !== undefined) {
      same = got.counts().every((v, i) => v === expected[i]);
    } else {
      const ref = new ConfusionMatrix(C, options).update(yTrue, yPred);
      same = got.counts().every((v, i) => v === ref.counts()[i]) &&
        got.missed().every((v, i) => v === ref.missed()[i]);
    }
    result = same ? "exact" : "MISMATCH";
    if (!same) failures++;
  } catch (e) {
    result = `error: ${String(e).slice(0, 120)}`;
    failures++;
  }
  say(
    `| ${name} | ${backend} | ${yTrue.length} | ${result} | ${
      ((performance.now() - s) / 1000).toFixed(2)
    } s |`,
  );
}

const small = 2 ** 20 + 13;
{
  const [t, p] = iid(small, 7);
  // one class everywhere: every thread of every workgroup on one bin (the contention case)
  const one = new Uint8Array(2 ** 24 + 5).fill(4);
  const expectedOne = new Array(C * C).fill(0);
  expectedOne[4 * C + 4] = one.length;
  await exact("one class everywhere, one cell of 2^24 + 5", "webgpu", one, one, {}, expectedOne);
  // sprinkle ignore labels and out-of-range predictions
  const r = rng(99);
  for (let i = 0; i < small; i += 1 + (r() % 50)) t[i] = 255;
  for (let i = 0; i < small; i += 1 + (r() % 70)) p[i] = 200;
  const t16 = Uint16Array.from(t), p32 = Int32Array.from(p, (v) => (v === 200 ? -5 : v));
  for (const backend of ["webgpu", "tfjs-webgpu"] as const) {
    if (backend === "tfjs-webgpu" && !tfWebgpu) continue;
    await exact("u8 iid, ignore 255, drop", backend, t, p, {
      ignoreIndex: [255],
      outOfRange: "drop",
    });
    await exact("u8 iid, ignore 255, miss", backend, t, p, {
      ignoreIndex: [255],
      outOfRange: "miss",
    });
    await exact("u16 x i32 (negatives), miss", backend, t16, p32, {
      ignoreIndex: [255],
      outOfRange: "miss",
    });
  }
}
{
  // unit: the error policy must throw the core's error, never count
  const [t, p] = iid(4096, 3);
  p[100] = 99;
  for (const backend of ["webgpu", "tfjs-webgpu"] as const) {
    if (backend === "tfjs-webgpu" && !tfWebgpu) continue;
    let ok = false;
    try {
      await computeConfusionMatrix(t, p, { numClasses: C, backend, webgpu: gpu });
    } catch (e) {
      ok = String(e).includes("yPred");
    }
    if (!ok) failures++;
    say(
      `| error policy refuses with the core's message | ${backend} | 4096 | ${
        ok ? "yes" : "NO"
      } | |`,
    );
  }
}
// every regime of the private histograms: 8, 2, 1 copies, global atomics (16 KiB of workgroup memory)
for (const Cx of [2, 21, 40, 62, 100]) {
  const s = performance.now();
  let result = "exact";
  try {
    const n = 2 ** 22 + 7;
    const [t0, p0] = iid(n, Cx);
    const t = Uint16Array.from(t0, (v, i) => (v * 7 + i) % Cx); // "miss": true labels in range
    const p = Uint16Array.from(p0, (v, i) => (v * 3 + (i >> 5)) % (Cx + 1));
    const got = await computeConfusionMatrix(t, p, {
      numClasses: Cx,
      backend: "webgpu",
      webgpu: gpu,
      outOfRange: "miss",
    });
    const ref = new ConfusionMatrix(Cx, { outOfRange: "miss" }).update(t, p);
    const same = got.counts().every((v, i) => v === ref.counts()[i]) &&
      got.missed().every((v, i) => v === ref.missed()[i]);
    if (!same) {
      result = "MISMATCH";
      failures++;
    }
  } catch (e) {
    result = `error: ${String(e).slice(0, 120)}`;
    failures++;
  }
  say(
    `| C = ${Cx}, u16 labels, miss | webgpu | ${2 ** 22 + 7} | ${result} | ${
      ((performance.now() - s) / 1000).toFixed(2)
    } s |`,
  );
}
const big = values.big === "yes" || (values.big === "auto" && !gpu.info.isFallbackAdapter);
if (big) {
  try {
    const n = 2 ** 31 + 5;
    const z = new Uint8Array(n);
    z[n - 1] = 1;
    const expected = new Array(C * C).fill(0);
    expected[0] = n - 1;
    expected[C + 1] = 1;
    await exact("cell 2^31 + 4 (u32 chunks)", "webgpu", z, z, {}, expected);
  } catch (e) {
    say(`| cell above 2^31 | webgpu | | error: ${String(e).slice(0, 120)} | |`);
    failures++;
  }
} else {
  say("| cell above 2^31 | webgpu | | skipped (--big no, or software adapter) | |");
}

// ---------------------------------------------------------------- 2. kernel throughput, resident
const baseline = await WebGpuCounter.create({ kernel: "baseline" });
{
  say("");
  const M = Math.min(gpu.chunkPixels, num(values.resident!));
  say(
    `kernel only: ${M} uint8 pixels already on the device, C = ${C}, median of ${
      Math.max(ROUNDS, 5)
    } dispatches (each with its table cleared and read back)`,
  );
  say("| labels | kernel | Gpx/s | exact |");
  say("|---|---|---:|---|");
  const coding = pairCoding(C, [])!;
  const [t, p] = iid(M, 13);
  const one = new Uint8Array(M).fill(4);
  for (const [name, yt, yp] of [["random", t, p], ["one class", one, one]] as const) {
    const ref = [...new ConfusionMatrix(C).update(yt, yp).counts()];
    for (const [kname, counter] of [["baseline", baseline], ["private", gpu]] as const) {
      try {
        if (counter === null) throw new Error("no device");
        const r = await counter.timeResident(yt, yp, coding, Math.max(ROUNDS, 5) + 1);
        const secs = r.seconds.slice(1).sort((a, b) => a - b); // the first round warms up
        const med = secs[secs.length >> 1];
        const K = C + 1;
        const same = ref.every((v, i) => v === r.table[Math.floor(i / C) * K + (i % C)]);
        if (!same) failures++;
        say(`| ${name} | ${kname} | ${(M / med / 1e9).toFixed(2)} | ${same ? "yes" : "NO"} |`);
      } catch (e) {
        say(`| ${name} | ${kname} | error: ${String(e).slice(0, 120)} | |`);
      }
    }
  }
}

// ---------------------------------------------------------------- 3. end to end (tfjs-webgpu last, below)
say("");
say(
  `throughput: ${N} uint8 pixels, C = ${C}, median of ${ROUNDS} (end to end, host arrays in, counts out)`,
);
const [T, P] = iid(N, 11);
const ref = new ConfusionMatrix(C).update(T, P).counts();
const pool = new WorkerPool(); // hardwareConcurrency - 1 Workers + the calling thread
const rows: { name: string; run: () => Promise<ConfusionMatrix> }[] = [
  { name: "plain (1 thread)", run: () => Promise.resolve(new ConfusionMatrix(C).update(T, P)) },
  {
    name: `workers (${pool.size} + caller)`,
    run: () => computeConfusionMatrix(T, P, { numClasses: C, backend: "workers", pool }),
  },
  {
    name: "webgpu (WGSL, baseline kernel)",
    run: () =>
      computeConfusionMatrix(T, P, {
        numClasses: C,
        backend: "webgpu",
        webgpu: baseline ?? undefined,
      }),
  },
  {
    name: "webgpu (WGSL, private histograms)",
    run: () => computeConfusionMatrix(T, P, { numClasses: C, backend: "webgpu", webgpu: gpu }),
  },
];
say("| backend | Mpx/s | ratio to plain | exact |");
say("|---|---:|---:|---|");
let base = 0;
for (const row of rows) {
  try {
    const times: number[] = [];
    let same = true;
    await row.run(); // warm-up
    for (let r = 0; r < ROUNDS; r++) {
      const s = performance.now();
      const cm = await row.run();
      times.push(performance.now() - s);
      same &&= cm.counts().every((v, i) => v === ref[i]);
    }
    if (!same) failures++;
    const mpx = N / times.sort((a, b) => a - b)[times.length >> 1] / 1e3;
    if (base === 0) base = mpx;
    say(
      `| ${row.name} | ${mpx.toFixed(1)} | ${(mpx / base).toFixed(2)}x | ${same ? "yes" : "NO"} |`,
    );
  } catch (e) {
    say(`| ${row.name} | error: ${String(e).slice(0, 120)} | | |`);
  }
}
pool.close();
gpu.destroy();
baseline?.destroy();

// ---------------------------------------------------------------- 4. tfjs-webgpu, last
// On an H200 (2026-11-28) the single-cell check (2^24 + 5 identical pixels, float32 bincount in
// chunks of 2^22) gave no answer within six minutes, although random labels of the same size
// were counted exactly in 9 s. tfjs-webgpu now counts with "matMul" (no atomics); float32
// bincount is refused. These stages still run last, each with a time limit, which only helps
// when stuck work yields to the event loop: run the check under an outer `timeout` too.
const TFJS_LIMIT = Number(values["tfjs-timeout"]) * 1000;
async function limited<T>(what: string, work: () => Promise<T>): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), TFJS_LIMIT);
  });
  const result = await Promise.race([work(), timeout]);
  clearTimeout(timer);
  if (result === undefined) {
    say(`| ${what} | tfjs-webgpu | | no answer within ${TFJS_LIMIT / 1000} s | |`);
  }
  return result;
}
if (tfWebgpu) {
  say("");
  say("| check | backend | pixels | result | time |");
  say("|---|---|---:|---|---:|");
  const M = Math.min(N, 2 ** 24);
  const [t, p] = [T.subarray(0, M), P.subarray(0, M)];
  const refM = new ConfusionMatrix(C).update(t, p).counts();
  const s = performance.now();
  const got = await limited(
    `throughput, iid ${M} px (matMul, default chunks)`,
    () => computeConfusionMatrix(t, p, { numClasses: C, backend: "tfjs-webgpu" }),
  );
  if (got !== undefined) {
    const same = got.counts().every((v, i) => v === refM[i]);
    if (!same) failures++;
    const sec = (performance.now() - s) / 1000;
    say(
      `| throughput, iid (matMul, default chunks): ${
        (M / sec / 1e6).toFixed(1)
      } Mpx/s | tfjs-webgpu | ${M} | ${same ? "exact" : "MISMATCH"} | ${sec.toFixed(2)} s |`,
    );
  }
  await limited("cell 2^24 + 5 (matMul, float32 chunks)", async () => {
    const n = 2 ** 24 + 5;
    const z = new Uint8Array(n);
    const expected = new Array(C * C).fill(0);
    expected[0] = n;
    await exact("cell 2^24 + 5 (matMul, float32 chunks)", "tfjs-webgpu", z, z, {}, expected);
    return true;
  });
}
// ---------------------------------------------------------------- 5. raw tfjs-webgpu int32 ops
if (tfWebgpu) {
  await limited("raw tfjs-webgpu ops", async () => {
    say("");
    say("raw tfjs-webgpu ops on this adapter (why the guards exist):");
    try {
      const tf = await loadTfjs("webgpu");
      const n = 65536;
      const [t, p] = iid(n, 5);
      const ref = new ConfusionMatrix(C).update(t, p).counts();
      const cmT = tf.math.confusionMatrix(
        tf.tensor1d(Int32Array.from(t), "int32"),
        tf.tensor1d(Int32Array.from(p), "int32"),
        C,
      );
      const cm = await cmT.data();
      const cmOk = ref.every((v, i) => v === cm[i]);
      say(
        `  tf.math.confusionMatrix int32, C=21, N=65536: ${
          cmOk ? "correct" : `WRONG (cell 0 = ${cm[0]}, expected ${ref[0]})`
        }`,
      );
      const idx = tf.tensor1d(Int32Array.from(t, (v, i) => v * C + p[i]), "int32");
      const bc = await tf.bincount(idx, tf.tensor1d([], "int32"), C * C).data();
      const bcOk = ref.every((v, i) => v === bc[i]);
      say(
        `  tf.bincount int32 weights, N=65536: ${
          bcOk ? "correct" : `WRONG (bin 0 = ${bc[0]}, expected ${ref[0]})`
        }`,
      );
      // (no float32 bincount on one busy bin here: that is the op that hung)
      tf.dispose([cmT, idx]);
    } catch (e) {
      say(`  error: ${String(e).slice(0, 200)}`);
    }
    return true;
  });
}

say("");
say(`gpu_check done in ${elapsed()}, ${failures} failure(s)`);
Deno.exit(failures === 0 ? 0 : 1);
