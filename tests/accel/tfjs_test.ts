import assert from "node:assert/strict";
import fc from "fast-check";
import {
  checkTfjsOp,
  loadTfjs,
  type TfjsBackendName,
  tfjsBackendWorks,
  tfjsCountPairs,
} from "../../lib/accel/tfjs.ts";
import { countPairTable, pairCoding } from "../../lib/accel/pair_table.ts";

const works: Record<TfjsBackendName, boolean> = {
  cpu: await tfjsBackendWorks("cpu"),
  wasm: await tfjsBackendWorks("wasm"),
  webgpu: await tfjsBackendWorks("webgpu"),
};
if (!works.webgpu) console.log("SKIPPED: tfjs webgpu tests (no WebGPU adapter here)");

Deno.test("checkTfjsOp refuses the known-wrong or unsupported combinations, and only those", () => {
  assert.throws(
    () => checkTfjsOp("confusionMatrix", "wasm", "int32", 8),
    /not supported by the tfjs wasm backend/,
  );
  assert.throws(() => checkTfjsOp("confusionMatrix", "webgpu", "int32", 8), /wrong int32 results/);
  assert.throws(() => checkTfjsOp("bincount", "webgpu", "int32", 8), /wrong int32 results/);
  assert.throws(() => checkTfjsOp("bincount", "cpu", "float32", 2 ** 24 + 1), /at most 2\^24/);
  assert.throws(() => checkTfjsOp("bincount", "cpu", "int32", 2 ** 31), /at most 2\^31 - 1/);
  assert.throws(() => checkTfjsOp("bincount", "webgpu", "float32", 8), /busy bin/);
  assert.throws(() => checkTfjsOp("matMul", "cpu", "int32", 8), /float32 only/);
  assert.throws(() => checkTfjsOp("matMul", "webgpu", "float32", 2 ** 24 + 1), /at most 2\^24/);
  checkTfjsOp("matMul", "webgpu", "float32", 2 ** 24);
  checkTfjsOp("matMul", "cpu", "float32", 2 ** 24);
  checkTfjsOp("bincount", "wasm", "int32", 2 ** 31 - 1);
  checkTfjsOp("confusionMatrix", "cpu", "int32", 2 ** 22);
});

Deno.test("tfjsCountPairs refuses before counting: confusionMatrix on wasm / webgpu, float32 chunks > 2^24", async () => {
  const coding = pairCoding(2, [])!;
  const a = new Uint8Array(4);
  await assert.rejects(
    tfjsCountPairs(a, a, coding, { backend: "wasm", method: "confusionMatrix" }),
    /not supported/,
  );
  await assert.rejects(
    tfjsCountPairs(a, a, coding, { backend: "webgpu", method: "confusionMatrix" }),
    /wrong int32 results/,
  );
  await assert.rejects(
    tfjsCountPairs(a, a, coding, { backend: "webgpu", chunkPixels: 2 ** 24 + 1 }),
    /float32 counting stops at 2\^24/,
  );
});

Deno.test("tf.bincount with float32 weights really stops at 2^24 on cpu (why the guard exists)", async () => {
  const tf = await loadTfjs("cpu");
  const n = 2 ** 24 + 3;
  const out = tf.bincount(
    tf.tensor1d(new Int32Array(n)),
    tf.tensor1d(new Float32Array(n).fill(1)),
    1,
  );
  assert.deepEqual([...await out.data()], [2 ** 24]);
  out.dispose();
});

for (const backend of ["cpu", "wasm", "webgpu"] as const) {
  for (const method of ["bincount", "matMul", "confusionMatrix"] as const) {
    if (method === "confusionMatrix" && backend !== "cpu") continue;
    if (method === "bincount" && backend === "webgpu") continue; // refused: see checkTfjsOp
    Deno.test({
      name: `tfjsCountPairs(${backend}, ${method}) equals the host count across chunks`,
      ignore: !works[backend],
      fn: async () => {
        await fc.assert(
          fc.asyncProperty(
            fc.integer({ min: 2, max: 6 }),
            fc.array(fc.integer({ min: -3, max: 9 }), { maxLength: 400 }),
            fc.integer({ min: 1, max: 97 }),
            fc.constantFrom([], [255], [-3, 1]),
            async (C, raw, chunkPixels, ignore) => {
              const yt = Int32Array.from(raw), yp = Int32Array.from(raw.slice().reverse());
              const coding = pairCoding(C, ignore)!;
              const ref = countPairTable(
                yt,
                yp,
                coding,
                new Float64Array(coding.height * coding.width),
              );
              const got = await tfjsCountPairs(yt, yp, coding, { backend, method, chunkPixels });
              assert.deepEqual([...got], [...ref]);
            },
          ),
          { numRuns: backend === "webgpu" ? 10 : 25 },
        );
      },
    });
  }
}

Deno.test("tfjsCountPairs refuses float32 bincount on webgpu (the busy-bin hang) before any work", async () => {
  const a = new Uint8Array(4);
  await assert.rejects(
    tfjsCountPairs(a, a, pairCoding(2, [])!, { backend: "webgpu", method: "bincount" }),
    /compare-exchange loop per pixel.*use method "matMul"/,
  );
});

// One cell above 2^24: every pixel is the pair (1, 1). On webgpu (llvmpipe here; the default
// "matMul" in chunks of 2^24 / 7 pixels) and with "matMul" on cpu. Expected counts by hand.
for (const backend of ["cpu", "webgpu"] as const) {
  Deno.test({
    name: `tfjsCountPairs(${backend}, matMul): one cell of 2^24 + 5 pixels ends, exact`,
    ignore: !works[backend],
    fn: async () => {
      const n = 2 ** 24 + 5;
      const ones = new Uint8Array(n).fill(1);
      const coding = pairCoding(2, [])!; // 4 x 3 table
      const got = await tfjsCountPairs(ones, ones, coding, {
        backend,
        method: "matMul",
        chunkPixels: 2 ** 22,
      });
      const expected = new Array(12).fill(0);
      expected[1 * 3 + 1] = n;
      assert.deepEqual([...got], expected);
    },
  });
}

Deno.test({
  name:
    'evaluateExactIoU on webgpu, counting "tfjs" (float32 matMul) equals "host": random and one busy cell',
  ignore: !works.webgpu,
  fn: async () => {
    const { evaluateExactIoU } = await import("../../lib/accel/tfjs_callback.ts");
    const tf = await loadTfjs("webgpu");
    try {
      // a 1x1 convolution that copies its 3 input channels: the argmax is the largest channel
      const model = tf.sequential({
        layers: [tf.layers.conv2d({
          inputShape: [8, 8, 3],
          filters: 3,
          kernelSize: 1,
          useBias: false,
          weights: [tf.tensor4d([1, 0, 0, 0, 1, 0, 0, 0, 1], [1, 1, 3, 3])],
        })],
      });
      const N = 5, P = 64;
      const xs = new Float32Array(N * P * 3), ys = new Int32Array(N * P);
      let s = 12345;
      for (let i = 0; i < N * P; i++) {
        s = (s * 1103515245 + 12345) >>> 0;
        xs[i * 3 + (s % 3)] = 1; // predicted class s % 3
        ys[i] = (s >>> 8) % 4 === 3 ? 255 : (s >>> 8) % 3; // ignore 255 a quarter of the time
      }
      for (
        const [x, y] of [[xs, ys], [
          new Float32Array(N * P * 3).fill(0).map((_, j) => j % 3 === 1 ? 1 : 0),
          new Int32Array(N * P).fill(1),
        ]] as const
      ) {
        const xt = tf.tensor4d(x, [N, 8, 8, 3]);
        const opts = { numClasses: 3, ignoreIndex: 255, batchSize: 2 };
        const host = await evaluateExactIoU(model, xt, y, { ...opts, counting: "host" });
        const dev = await evaluateExactIoU(model, xt, y, { ...opts, counting: "tfjs" });
        assert.deepEqual(dev.stats.toJSON(), host.stats.toJSON());
        xt.dispose();
      }
      // the one-cell case by hand: every pixel is the pair (1, 1)
      const one = await evaluateExactIoU(
        model,
        tf.tensor4d(new Float32Array(N * P * 3).map((_, j) => (j % 3 === 1 ? 1 : 0)), [N, 8, 8, 3]),
        new Int32Array(N * P).fill(1),
        { numClasses: 3, counting: "tfjs" },
      );
      assert.equal(one.stats.toJSON().confusionMatrix.counts[1][1], N * P);
    } finally {
      await tf.setBackend("cpu");
    }
  },
});
