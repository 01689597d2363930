import assert from "node:assert/strict";
import fc from "fast-check";
import { WebGpuCounter, webGpuHistogramCopies, webGpuShader } from "../../lib/accel/webgpu.ts";
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

// ------------------------------------------------------------------ private-histogram kernel

/** Deterministic xorshift32 labels, independent of the code under test. */
function labels(n: number, seed: number, max: number): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out[i] = s % max;
  }
  return out;
}

Deno.test({
  name: "private kernel: every C from 2 to 23 (8 copies down to 1, then global atomics) is exact",
  ignore: gpu === null,
  fn: async () => {
    // 2 KiB of workgroup memory (512 bins) so that C = 2..23 crosses every regime while the
    // shaders stay small enough for llvmpipe to compile quickly
    const small = (await WebGpuCounter.create({ workgroupBytes: 2048 }))!;
    const copies = new Set<number>();
    for (let C = 2; C <= 23; C++) {
      const coding = pairCoding(C, [255])!;
      const K = coding.height * coding.width;
      copies.add(webGpuHistogramCopies(K, 2048));
      // labels in [0, C + 3): out-of-range values on both sides; ignore 255 sprinkled in
      const n = 3001 + C; // not a multiple of 16: the tail loop runs too
      const yt = labels(n, C, C + 3), yp = labels(n, 1000 + C, C + 3);
      for (let i = C; i < n; i += 37) yt[i] = 255;
      const got = await small.countPairs(yt, yp, coding);
      assert.deepEqual([...got], reference(yt, yp, C, [255]), `C = ${C}`);
    }
    small.destroy();
    // floor(512 / ((C + 2)(C + 1))), at most 8, by hand: C <= 6: 8; C = 7: 7; 8: 5; 9: 4;
    // 10, 11: 3; 12..14: 2; 15..21: 1; 22, 23: 0 (global atomics)
    assert.deepEqual([...copies].sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 7, 8]);
  },
});

Deno.test({
  name: "private kernel: every length 0..40 and byte offsets 0..3 (tails, unaligned views)",
  ignore: gpu === null,
  fn: async () => {
    const coding = pairCoding(5, [])!;
    const yt = labels(64, 3, 7), yp = labels(64, 4, 7);
    for (let off = 0; off < 4; off++) {
      for (let n = 0; n <= 40; n++) {
        const t = yt.subarray(off, off + n), p = yp.subarray(off, off + n);
        assert.deepEqual([...await gpu!.countPairs(t, p, coding)], reference(t, p, 5, []));
      }
    }
  },
});

Deno.test({
  name:
    "private kernel: one class everywhere (all threads on one bin), 2^24 + 5 pixels in one cell",
  ignore: gpu === null,
  fn: async () => {
    const gpuBig = (await WebGpuCounter.create())!; // default chunks (2^26 pixels or the limit)
    try {
      const n = 2 ** 24 + 5;
      const z = new Uint8Array(n + 1).fill(3).subarray(1); // unaligned view
      const coding = pairCoding(4, [])!;
      const got = await gpuBig.countPairs(z, z, coding);
      const expected = new Array(6 * 5).fill(0);
      expected[3 * 5 + 3] = n; // counted by hand: every pixel is the pair (3, 3)
      assert.deepEqual([...got], expected);
      // and split in chunks of 2^22 (several dispatches added on the host)
      const small = (await WebGpuCounter.create({ chunkPixels: 2 ** 22 }))!;
      assert.deepEqual([...await small.countPairs(z, z, coding)], expected);
      small.destroy();
    } finally {
      gpuBig.destroy();
    }
  },
});

Deno.test({
  name: "private and baseline kernels agree with the host on random u8, u16 and i32 labels",
  ignore: gpu === null,
  fn: async () => {
    const base = (await WebGpuCounter.create({ kernel: "baseline", chunkPixels: 4096 }))!;
    try {
      const C = 21, coding = pairCoding(C, [255])!;
      const yt = labels(10007, 5, 24), yp = labels(10007, 6, 23);
      for (let i = 0; i < yt.length; i += 13) yt[i] = 255;
      const ref = reference(yt, yp, C, [255]);
      for (
        const [t, p] of [[yt, yp], [Uint16Array.from(yt), Uint16Array.from(yp)], [
          Int32Array.from(yt),
          Int32Array.from(yp),
        ], [yt, Int32Array.from(yp)]] as [IntegerLabels, IntegerLabels][]
      ) {
        assert.deepEqual([...await gpu!.countPairs(t, p, coding)], ref);
        assert.deepEqual([...await base.countPairs(t, p, coding)], ref);
      }
      const timed = await gpu!.timeResident(yt.subarray(0, 1024), yp.subarray(0, 1024), coding, 2);
      assert.equal(timed.seconds.length, 2);
      assert.deepEqual(
        [...timed.table],
        reference(yt.subarray(0, 1024), yp.subarray(0, 1024), C, [255]),
      );
      await assert.rejects(
        WebGpuCounter.create({ kernel: "fast" as "private" }),
        /Expected kernel/,
      );
    } finally {
      base.destroy();
    }
  },
});

Deno.test({
  name: "WebGpuCounter: cleanup",
  ignore: gpu === null,
  fn: () => gpu!.destroy(),
});
