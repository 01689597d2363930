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
  assert.throws(() => checkTfjsOp("bincount", "webgpu", "float32", 2 ** 24 + 1), /at most 2\^24/);
  assert.throws(() => checkTfjsOp("bincount", "cpu", "int32", 2 ** 31), /at most 2\^31 - 1/);
  checkTfjsOp("bincount", "webgpu", "float32", 2 ** 24);
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
  for (const method of ["bincount", "confusionMatrix"] as const) {
    if (method === "confusionMatrix" && backend !== "cpu") continue;
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
