// Property tests: every available backend gives exactly the plain reference
// (`new ConfusionMatrix(...).update(...)`), policies included, or the same error.
import assert from "node:assert/strict";
import fc from "fast-check";
import { ConfusionMatrix, type OutOfRangePolicy } from "../../lib/core/confusion_matrix.ts";
import type { LabelArray } from "../../lib/core/labels.ts";
import {
  availableBackends,
  type ComputeBackend,
  computeConfusionMatrix,
  type ComputeOptions,
} from "../../lib/accel/compute_confusion_matrix.ts";
import { WorkerPool } from "../../lib/accel/workers.ts";
import { WebGpuCounter } from "../../lib/accel/webgpu.ts";

const available = await availableBackends();
console.log(`backends available here: ${available.join(", ")}`);
for (const b of ["tfjs-webgpu", "webgpu"] as const) {
  if (!available.includes(b)) console.log(`SKIPPED: backend "${b}" (no WebGPU adapter here)`);
}

interface Case {
  numClasses: number;
  kind: "u8" | "u16" | "i32" | "f32" | "f64" | "array";
  policy: OutOfRangePolicy;
  ignore: readonly number[];
  yTrue: number[];
  yPred: number[];
}

const caseArb: fc.Arbitrary<Case> = fc.record({
  numClasses: fc.integer({ min: 2, max: 7 }),
  kind: fc.constantFrom("u8", "u16", "i32", "f32", "f64", "array"),
  policy: fc.constantFrom("error", "drop", "miss"),
  ignore: fc.constantFrom([], [0], [255], [-1], [1, 255], [7]),
  n: fc.integer({ min: 0, max: 200 }),
  oddRate: fc.constantFrom(0, 0, 0.05, 0.3),
}).chain(({ n, oddRate, ...rest }) => {
  const C = rest.numClasses;
  const signed = rest.kind !== "u8" && rest.kind !== "u16";
  const odd = [
    C,
    C + 1,
    255,
    7,
    ...(signed ? [-1, -7] : []),
    ...(rest.kind === "u16" ? [65535] : []),
  ];
  if (rest.kind === "f32" || rest.kind === "f64" || rest.kind === "array") odd.push(1.5, NaN);
  const label = fc.oneof(
    { weight: Math.round((1 - oddRate) * 100) + 1, arbitrary: fc.integer({ min: 0, max: C - 1 }) },
    { weight: Math.round(oddRate * 100), arbitrary: fc.constantFrom(...odd) },
  );
  return fc.record({
    yTrue: fc.array(label, { minLength: n, maxLength: n }),
    yPred: fc.array(label, { minLength: n, maxLength: n }),
  }).map((arrays) => ({ ...rest, ...arrays }));
});

function typed(kind: Case["kind"], a: number[]): LabelArray {
  switch (kind) {
    case "u8":
      return Uint8Array.from(a);
    case "u16":
      return Uint16Array.from(a);
    case "i32":
      return Int32Array.from(a);
    case "f32":
      return Float32Array.from(a);
    case "f64":
      return Float64Array.from(a);
    default:
      return a;
  }
}

/** Runs the reference and the backend; asserts equal state or the same error. */
async function agree(c: Case, backend: ComputeBackend, extra: Partial<ComputeOptions>) {
  const yTrue = typed(c.kind, c.yTrue), yPred = typed(c.kind, c.yPred);
  const opts = { ignoreIndex: c.ignore, outOfRange: c.policy };
  let ref: ConfusionMatrix | null = null, refError: unknown = null;
  try {
    ref = new ConfusionMatrix(c.numClasses, opts).update(yTrue, yPred);
  } catch (e) {
    refError = e;
  }
  let got: ConfusionMatrix | null = null, gotError: unknown = null;
  try {
    got = await computeConfusionMatrix(yTrue, yPred, {
      numClasses: c.numClasses,
      backend,
      ...opts,
      ...extra,
    });
  } catch (e) {
    gotError = e;
  }
  if (refError !== null) {
    assert.ok(gotError !== null, `${backend}: expected the reference error ${refError}`);
    assert.equal(String(gotError), String(refError));
    return;
  }
  if (gotError !== null) throw gotError;
  assert.deepEqual([...got!.counts()], [...ref!.counts()]);
  assert.deepEqual([...got!.missed()], [...ref!.missed()]);
  assert.equal(got!.total, ref!.total);
}

const runs: Record<ComputeBackend, number> = {
  "plain": 50,
  "workers": 60,
  "tfjs-cpu": 60,
  "tfjs-wasm": 60,
  "tfjs-webgpu": 20,
  "webgpu": 40,
};

for (const backend of available) {
  Deno.test(`computeConfusionMatrix(${backend}) equals the plain reference, policies included`, async () => {
    const pool = backend === "workers" ? new WorkerPool(2) : undefined;
    const webgpu = backend === "webgpu" ? (await WebGpuCounter.create())! : undefined;
    try {
      await fc.assert(
        fc.asyncProperty(caseArb, (c) => agree(c, backend, { pool, webgpu, chunkPixels: 64 })),
        { numRuns: runs[backend] },
      );
    } finally {
      pool?.close();
      webgpu?.destroy();
    }
  });
}

Deno.test("computeConfusionMatrix(workers) spawns and closes its own pool when none is given", async () => {
  const cm = await computeConfusionMatrix(
    new Uint8Array([0, 1, 2, 2]),
    new Uint8Array([0, 2, 2, 1]),
    { numClasses: 3, backend: "workers", workers: 3 },
  );
  assert.deepEqual(cm.toArray(), [[1, 0, 0], [0, 0, 1], [0, 1, 1]]);
});

// A cell above 2^24 (float32 counting would stop at 16777216): 2^24 + 5 identical pairs,
// built cheaply as one constant array used for both yTrue and yPred.
const big = new Uint8Array(2 ** 24 + 5); // all class 0
for (
  const backend of ["plain", "workers", "tfjs-cpu", "tfjs-wasm", "tfjs-webgpu", "webgpu"] as const
) {
  if (!available.includes(backend)) continue;
  Deno.test(`computeConfusionMatrix(${backend}) counts a cell of 2^24 + 5 exactly`, async () => {
    const cm = await computeConfusionMatrix(big, big, { numClasses: 2, backend, workers: 2 });
    assert.deepEqual([...cm.counts()], [2 ** 24 + 5, 0, 0, 0]);
  });
}

Deno.test("computeConfusionMatrix rejects an unknown backend", async () => {
  await assert.rejects(
    computeConfusionMatrix([0], [0], { numClasses: 2, backend: "cuda" as ComputeBackend }),
    /Expected backend to be one of plain, workers, tfjs-cpu, tfjs-wasm, tfjs-webgpu, webgpu, but found cuda/,
  );
});
