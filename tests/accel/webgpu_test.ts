import assert from "node:assert/strict";
import fc from "fast-check";
import { WebGpuCounter, webGpuShader } from "../../lib/accel/webgpu.ts";
import { countPairTable, type IntegerLabels, pairCoding } from "../../lib/accel/pair_table.ts";

const gpu = await WebGpuCounter.create({ chunkPixels: 1024 });
if (gpu === null) {
  console.log("SKIPPED: WebGPU tests (no WebGPU adapter found by Deno here)");
} else {
  console.log(
    `WebGPU adapter: ${gpu.info.description} (fallback: ${gpu.info.isFallbackAdapter})`,
  );
}

function reference(yt: IntegerLabels, yp: IntegerLabels, C: number, ignore: readonly number[]) {
  const coding = pairCoding(C, ignore)!;
  return [...countPairTable(yt, yp, coding, new Float64Array(coding.height * coding.width))];
}

function make(kind: string, values: number[]): IntegerLabels {
  return kind === "u8"
    ? Uint8Array.from(values)
    : kind === "u16"
    ? Uint16Array.from(values)
    : Int32Array.from(values);
}

Deno.test({
  name: "WebGpuCounter equals the host count: label kinds, offsets, tails, chunks, ignores",
  ignore: gpu === null,
  fn: async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 2, max: 9 }),
        fc.array(fc.integer({ min: -2, max: 300 }), { maxLength: 3000 }),
        fc.constantFrom("u8", "u16", "i32"),
        fc.constantFrom("u8", "u16", "i32"),
        fc.integer({ min: 0, max: 3 }),
        fc.constantFrom([], [255], [0, 7, -1]),
        async (C, raw, kt, kp, off, ignore) => {
          const vals = raw.map((v) => (v > 20 && v < 255 ? v % (C + 1) : v));
          const clip = (k: string) => (v: number) => k === "i32" ? v : Math.max(0, v);
          const yt = make(kt, vals.map(clip(kt))).subarray(off);
          const yp = make(kp, vals.slice().reverse().map(clip(kp))).subarray(off);
          const coding = pairCoding(C, ignore)!;
          const got = await gpu!.countPairs(yt, yp, coding);
          assert.deepEqual([...got], reference(yt, yp, C, ignore));
        },
      ),
      { numRuns: 40 },
    );
  },
});

Deno.test({
  name: "WebGpuCounter: a table too big for workgroup memory uses global atomics, still exact",
  ignore: gpu === null,
  fn: async () => {
    const C = 100; // (C + 2) * (C + 1) * 4 bytes > 16 KiB
    assert.ok(!webGpuShader(pairCoding(C, [])!, "i32", "i32").includes("var<workgroup>"));
    const n = 5000;
    const yt = new Uint16Array(n), yp = new Uint16Array(n);
    for (let i = 0; i < n; i++) {
      yt[i] = (i * 37) % 103;
      yp[i] = (i * 11) % 101;
    }
    const coding = pairCoding(C, [102])!;
    assert.deepEqual([...await gpu!.countPairs(yt, yp, coding)], reference(yt, yp, C, [102]));
  },
});

Deno.test({
  name: "WebGpuCounter: negative ignore labels down to -2^31",
  ignore: gpu === null,
  fn: async () => {
    const ignore = [-(2 ** 31), -1];
    const yt = new Int32Array([-(2 ** 31), -1, 0, 1, 2 ** 31 - 1, -(2 ** 31) + 1]);
    const yp = new Int32Array([0, 1, 1, -(2 ** 31), 0, 1]);
    const coding = pairCoding(2, ignore)!;
    assert.deepEqual([...await gpu!.countPairs(yt, yp, coding)], reference(yt, yp, 2, ignore));
  },
});

Deno.test({
  name: "WebGpuCounter: empty input and chunkPixels checks",
  ignore: gpu === null,
  fn: async () => {
    const coding = pairCoding(2, [])!;
    const empty = await gpu!.countPairs(new Uint8Array(0), new Uint8Array(0), coding);
    assert.deepEqual([...empty], new Array(12).fill(0));
    await assert.rejects(
      WebGpuCounter.create({ chunkPixels: 6 }),
      /Expected chunkPixels to be a multiple of 4/,
    );
  },
});

Deno.test({
  name: "WebGpuCounter: cleanup",
  ignore: gpu === null,
  fn: () => gpu!.destroy(),
});
