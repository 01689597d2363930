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
