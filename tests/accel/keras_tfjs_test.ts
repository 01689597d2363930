// Keras 3.7 emulated on tfjs against real Keras 3.7.0 outputs (TensorFlow eager backend), bit for bit.
// The fixture is extracted from golden/keras/keras-v3.7.0-tensorflow.json by
// tools/extract_keras_fixture.py (sparse-label scenarios S1, S2, S3, S6, S7, S8, S9).
import assert from "node:assert/strict";
import { kerasFloat32Result, KerasTfjsIoU } from "../../lib/accel/keras_tfjs.ts";
import { tfjsBackendWorks } from "../../lib/accel/tfjs.ts";
import { IoU } from "../../lib/keras/iou_metrics.ts";
import fc from "fast-check";

interface Rec {
  totalCm: number[];
  result: number;
  error: string | null;
}
interface Batch {
  yTrue?: number[];
  yPred?: number[];
  sampleWeight?: number[];
  runs?: [number, number, number][];
}
interface Scenario {
  name: string;
  metrics: {
    class: string;
    numClasses: number;
    ignoreClass: number | null;
    targetClassIds: number[] | null;
  }[];
  batches: Batch[];
  steps: Rec[][];
  final?: Rec[];
}
const fixture = JSON.parse(
  await Deno.readTextFile(new URL("../fixtures/keras_v3_7_0_tensorflow.json", import.meta.url)),
) as { scenarios: Scenario[] };

function inputs(b: Batch): { yTrue: ArrayLike<number>; yPred: ArrayLike<number> } {
  if (b.runs === undefined) return { yTrue: b.yTrue!, yPred: b.yPred! };
  const n = b.runs.reduce((s, r) => s + r[2], 0);
  const yTrue = new Uint8Array(n), yPred = new Uint8Array(n);
  let at = 0;
  for (const [t, p, count] of b.runs) {
    yTrue.fill(t, at, at + count);
    yPred.fill(p, at, at + count);
    at += count;
  }
  return { yTrue, yPred };
}

/** The TF error text without the op wrapper: "indices[3] = [2, -1] does not index into shape [3,3]". */
function tfErrorCore(error: string): string {
  return error.replace(/^.*\}\} /, "").replace(/ \[Op:.*$/, "");
}

function check(m: KerasTfjsIoU, rec: Rec, where: string) {
  assert.deepEqual([...m.totalCm()], rec.totalCm, `${where}: total_cm`);
  assert.ok(Object.is(m.result(), rec.result), `${where}: result ${m.result()} !== ${rec.result}`);
}

for (const backend of ["cpu", "wasm"] as const) {
  const works = await tfjsBackendWorks(backend);
  for (const sc of fixture.scenarios) {
    Deno.test({
      name: `KerasTfjsIoU(${backend}) equals Keras 3.7.0 bit for bit: ${sc.name}`,
      ignore: !works,
      fn: async () => {
        const batches = sc.batches.map(inputs);
        for (let k = 0; k < sc.metrics.length; k++) {
          const cfg = sc.metrics[k];
          const m = await KerasTfjsIoU.create({
            numClasses: cfg.numClasses,
            ignoreClass: cfg.ignoreClass,
            targetClassIds: cfg.targetClassIds ?? undefined,
            backend,
          });
          try {
            for (let b = 0; b < batches.length; b++) {
              const rec = sc.steps[b]?.[k];
              const weight = sc.batches[b].sampleWeight;
              const { yTrue, yPred } = batches[b];
              const update = m.updateState(
                yTrue instanceof Uint8Array ? yTrue : Float64Array.from(yTrue),
                yPred instanceof Uint8Array ? yPred : Float64Array.from(yPred),
                weight,
              );
              if (rec?.error) {
                await assert.rejects(update, (e: Error) => {
                  assert.ok(e.message.includes(tfErrorCore(rec.error!)), e.message);
                  return true;
                });
              } else {
                await update;
              }
              if (rec) check(m, rec, `${sc.name} metric ${k} after batch ${b + 1}`);
            }
            if (sc.final) check(m, sc.final[k], `${sc.name} metric ${k} final`);
          } finally {
            m.dispose();
          }
        }
      },
    });
  }
}

Deno.test("KerasTfjsIoU: Keras 3.0-3.2 removes ignored pixels, 3.3+ moves them to (0, 0) with weight 0", async () => {
  const yTrue = [0, 1, 9, 9], yPred = [0, 1, 1, 0];
  const old = await KerasTfjsIoU.create({ numClasses: 2, ignoreClass: 9, version: "3.2.1" });
  const mid = await KerasTfjsIoU.create({ numClasses: 2, ignoreClass: 9, version: "3.7.0" });
  try {
    await old.updateState(yTrue, yPred);
    await mid.updateState(yTrue, yPred, [1, 1, NaN, 1]);
    assert.deepEqual([...old.totalCm()], [1, 0, 0, 1]);
    // NaN * 0 = NaN reaches cell (0, 0) in 3.3-3.7 (docs/keras.md, Keras 3.0-3.7)
    assert.ok(Number.isNaN(mid.totalCm()[0]));
  } finally {
    old.dispose();
    mid.dispose();
  }
});

Deno.test("KerasTfjsIoU refuses versions with an int confusion matrix and the webgpu backend", async () => {
  await assert.rejects(
    KerasTfjsIoU.create({ numClasses: 2, version: "3.8.0" }),
    /Expected version to be a Keras version from 3.0 to 3.7/,
  );
  await assert.rejects(
    // deno-lint-ignore no-explicit-any
    KerasTfjsIoU.create({ numClasses: 2, backend: "webgpu" as any }),
    /refuses the tfjs webgpu backend/,
  );
});

Deno.test("kerasFloat32Result matches the Keras reference vectors (docs/keras.md, reference vectors)", () => {
  // MeanIoU(C=2) y_true [0,0,1,1] y_pred [0,1,0,1], w = [0.3,0.3,0.3,0.1] -> 0x3e73cf3a
  const f = Math.fround;
  const cm = new Float32Array([f(0.3), f(0.3), f(0.3), f(0.1)]);
  const bits = (x: number) => new Uint32Array(new Float32Array([x]).buffer)[0].toString(16);
  assert.equal(bits(kerasFloat32Result(cm, 2, [0, 1])), "3e73cf3a");
  // IoU(C=2,[0]) same weights -> 0x3eaaaaa8
  assert.equal(bits(kerasFloat32Result(cm, 2, [0])), "3eaaaaa8");
});

// ---- bit for bit against the plain TypeScript Keras emulation (lib/keras/iou_metrics.ts)

function plainKeras(
  cfg: { numClasses: number; ignoreClass: number | null; targetClassIds: readonly number[] },
  version: string,
) {
  return new IoU({
    numClasses: cfg.numClasses,
    targetClassIds: cfg.targetClassIds,
    ignoreClass: cfg.ignoreClass,
    version,
    backend: "tensorflow",
  });
}

/** Runs both emulations batch by batch; asserts the same errors, total_cm and result bits. */
async function bothAgree(
  cfg: { numClasses: number; ignoreClass: number | null; targetClassIds: readonly number[] },
  version: string,
  batches: { yTrue: ArrayLike<number>; yPred: ArrayLike<number>; sampleWeight?: number[] }[],
  backend: "cpu" | "wasm",
) {
  const plain = plainKeras(cfg, version);
  const m = await KerasTfjsIoU.create({ ...cfg, version, backend });
  try {
    for (const b of batches) {
      let plainError: unknown = null, tfjsError: unknown = null;
      try {
        plain.updateState(Array.from(b.yTrue), Array.from(b.yPred), b.sampleWeight ?? null);
      } catch (e) {
        plainError = e;
      }
      try {
        await m.updateState(Float64Array.from(b.yTrue), Float64Array.from(b.yPred), b.sampleWeight);
      } catch (e) {
        tfjsError = e;
      }
      assert.equal(
        tfjsError !== null,
        plainError !== null,
        `error: tfjs ${tfjsError}, plain ${plainError}`,
      );
      assert.deepEqual([...m.totalCm()], plain.totalCm.flat());
      assert.ok(Object.is(m.result(), plain.result()), `result ${m.result()} vs ${plain.result()}`);
    }
  } finally {
    m.dispose();
  }
}

Deno.test("KerasTfjsIoU equals the plain TypeScript emulation of Keras 3.7 on every golden scenario", async () => {
  for (const sc of fixture.scenarios) {
    if (sc.batches.some((b) => b.runs !== undefined)) continue; // the large runs are checked above
    for (const cfg of sc.metrics) {
      const targets = cfg.targetClassIds ?? Array.from({ length: cfg.numClasses }, (_, k) => k);
      await bothAgree(
        { ...cfg, targetClassIds: targets },
        "3.7.0",
        sc.batches.map((b) => ({
          yTrue: b.yTrue!,
          yPred: b.yPred!,
          sampleWeight: b.sampleWeight,
        })),
        "cpu",
      );
    }
  }
});

Deno.test("KerasTfjsIoU equals the plain TypeScript emulation on random batches (3.0-3.7, ignore, weights, out of range)", async () => {
  const weightArb = fc.constantFrom(0, 0.1, 0.3, 1, 2.5, 1e6, 3e7);
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 2, max: 7 }).chain((C) =>
        fc.record({
          C: fc.constant(C),
          version: fc.constantFrom("3.0.0", "3.2.1", "3.3.0", "3.7.0"),
          ignoreClass: fc.constantFrom(null, 0, 255, -1),
          targets: fc.uniqueArray(fc.integer({ min: 0, max: C - 1 }), {
            minLength: 1,
            maxLength: C,
          }),
          backend: fc.constantFrom("cpu" as const, "wasm" as const),
          batches: fc.array(
            fc.record({
              n: fc.integer({ min: 0, max: 60 }),
              // most batches have no odd label at all; the others one or two (error / drop paths)
              odd: fc.constantFrom(0, 0, 0, 1, 2),
              seed: fc.integer(),
            }).chain(({ n, odd, seed }) =>
              fc.record({
                yTrue: fc.array(fc.integer({ min: 0, max: C - 1 }), { minLength: n, maxLength: n }),
                yPred: fc.array(fc.integer({ min: 0, max: C - 1 }), { minLength: n, maxLength: n }),
                sampleWeight: fc.option(fc.array(weightArb, { minLength: n, maxLength: n }), {
                  nil: undefined,
                }),
              }).map((b) => {
                // put `odd` odd labels at seeded places: ignore-like and out-of-range values
                const oddTrue = [255, -1, C, 1.7, 0];
                const oddPred = [-1, C, 0.5];
                for (let k = 0; k < odd && n > 0; k++) {
                  const i = Math.abs(seed + 7919 * k) % n;
                  if ((seed + k) & 1) b.yTrue[i] = oddTrue[Math.abs(seed + k) % oddTrue.length];
                  else b.yPred[i] = oddPred[Math.abs(seed + k) % oddPred.length];
                }
                return b;
              })
            ),
            { minLength: 1, maxLength: 3 },
          ),
        })
      ),
      async ({ C, version, ignoreClass, targets, backend, batches }) => {
        await bothAgree(
          { numClasses: C, ignoreClass, targetClassIds: targets },
          version,
          batches,
          backend,
        );
      },
    ),
    { numRuns: 60, endOnFailure: true }, // chained arbitraries shrink very slowly
  );
});

Deno.test("KerasTfjsIoU(cpu) reproduces Keras 3.7.0's float32 drift over 300 batches of 512x512 (S4)", async () => {
  const { generateGoldenBatch } = await import("../../lib/io/golden_generator.ts");
  const drift = (fixture as unknown as {
    drift: {
      generator: Parameters<typeof generateGoldenBatch>[0];
      metrics: { numClasses: number }[];
      steps: Record<string, Rec[]>;
      exact_final_cm: number[];
    };
  }).drift;
  const m = await KerasTfjsIoU.create({ numClasses: drift.metrics[0].numClasses });
  try {
    for (let b = 0; b < drift.generator.batches; b++) {
      const { yTrue, yPred } = generateGoldenBatch(drift.generator, b);
      await m.updateState(yTrue, yPred);
      const rec = drift.steps[String(b + 1)]?.[0];
      if (rec) check(m, rec, `S4 after batch ${b + 1}`);
    }
    // the float32 total ends 14 counts below the exact cell [0][0] (golden/keras/README.md)
    assert.equal(drift.exact_final_cm[0] - m.totalCm()[0], 14);
  } finally {
    m.dispose();
  }
});
