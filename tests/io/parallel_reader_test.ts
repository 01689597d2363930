/**
 * The parallel reader against the serial one: the same images, in the same order, with the
 * same labels, shapes and indices, and the same first error, for every number of jobs.
 */
import assert from "node:assert/strict";
import { encode } from "fast-png";
import { encodeNpy } from "../../lib/io/npy.ts";
import { type MaskImage, readMaskPairs } from "../../lib/io/mask_reader.ts";
import { claimPair, readMaskPairsParallel } from "../../lib/io/parallel_reader.ts";
import { ConfusionMatrix } from "../../lib/core/confusion_matrix.ts";
import type { MaskPair } from "../../lib/io/dataset.ts";

/** Deterministic labels of `n` pixels in [0, c) from a seed. */
function labels(n: number, c: number, seed: number): Uint8Array {
  let s = seed * 2654435761 >>> 0 || 1;
  return new Uint8Array(n).map(() => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s % c;
  });
}

/** A folder of pairs of every kind the reader takes: PNG, .npy images and stacks, scores. */
async function folder(dir: string): Promise<MaskPair[]> {
  const pairs: MaskPair[] = [];
  for (let k = 0; k < 9; k++) {
    const t = `${dir}/t${k}`, p = `${dir}/p${k}`;
    // shapes differ from pair to pair; pairs 6 and 8 are big enough (>= 2^16 pixels) for the
    // workers to move their buffers rather than copy them
    const h = k >= 6 && k % 2 === 0 ? 300 : 3 + (k % 4), w = k >= 6 && k % 2 === 0 ? 301 : 5 + k;
    if (k % 3 === 0) {
      const data = labels(h * w, 7, k);
      await Deno.writeFile(
        `${t}.png`,
        encode({ width: w, height: h, channels: 1, depth: 8, data }),
      );
      const pred = labels(h * w, 7, k + 100);
      await Deno.writeFile(
        `${p}.png`,
        encode({ width: w, height: h, channels: 1, depth: 8, data: pred }),
      );
      pairs.push({ truePath: `${t}.png`, predPath: `${p}.png` });
    } else if (k % 3 === 1) {
      // a stack of 3 images (large enough for the transferred-buffer path: 3 x 300 x 300)
      const n = 3, size = k === 4 ? 300 : 4;
      const data = labels(n * size * size, 5, k);
      await Deno.writeFile(`${t}.npy`, encodeNpy({ shape: [n, size, size], data }));
      const pred = labels(n * size * size, 5, k + 100);
      await Deno.writeFile(`${p}.npy`, encodeNpy({ shape: [n, size, size], data: pred }));
      pairs.push({ truePath: `${t}.npy`, predPath: `${p}.npy` });
    } else {
      const data = labels(h * w, 4, k);
      await Deno.writeFile(`${t}.npy`, encodeNpy({ shape: [h, w], data }));
      pairs.push({ truePath: `${t}.npy`, predPath: `${t}.npy` }); // the same file on both sides
    }
  }
  return pairs;
}

function summary(images: MaskImage[]) {
  return images.map((m) => ({
    pair: m.pair,
    index: m.index,
    count: m.count,
    shape: m.shape,
    yTrue: [...m.yTrue],
    yPred: [...m.yPred],
    types: [m.yTrue.constructor.name, m.yPred.constructor.name],
  }));
}

async function collect(images: AsyncGenerator<MaskImage>): Promise<MaskImage[]> {
  const out: MaskImage[] = [];
  for await (const image of images) out.push(image);
  return out;
}

Deno.test("parallel reader: the serial reader's images, in file order, for 1 to 5 jobs", async () => {
  const dir = await Deno.makeTempDir({ prefix: "parallel_reader_" });
  try {
    const pairs = await folder(dir);
    const serial = summary(await collect(readMaskPairs(pairs)));
    assert.equal(serial.length, 3 + 3 * 3 + 3);
    for (const jobs of [1, 2, 3, 5]) {
      const progress: string[] = [];
      const parallel = await collect(
        readMaskPairsParallel(pairs, {
          jobs,
          onProgress: (done, total, unit) => progress.push(`${done}/${total} ${unit}`),
        }),
      );
      assert.deepEqual(summary(parallel), serial, `jobs ${jobs}`);
      assert.deepEqual(progress, pairs.map((_, k) => `${k + 1}/${pairs.length} files`));
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("parallel reader: the first bad file in file order is the error, as serially", async () => {
  const dir = await Deno.makeTempDir({ prefix: "parallel_reader_" });
  try {
    const pairs = await folder(dir);
    // pair 5 is cut short, pair 7 is not a PNG: the serial reader stops at pair 5
    const npy = await Deno.readFile(pairs[5].truePath);
    await Deno.writeFile(pairs[5].truePath, npy.subarray(0, npy.length - 3));
    await Deno.writeFile(`${dir}/bad.png`, new Uint8Array([1, 2, 3]));
    pairs[7] = { truePath: `${dir}/bad.png`, predPath: pairs[7].predPath };
    const serialImages: MaskImage[] = [];
    const serialError = await (async () => {
      try {
        for await (const image of readMaskPairs(pairs)) serialImages.push(image);
      } catch (e) {
        return e as Error;
      }
    })();
    assert.ok(serialError !== undefined);
    for (const jobs of [2, 4]) {
      const images: MaskImage[] = [];
      await assert.rejects(
        async () => {
          for await (const image of readMaskPairsParallel(pairs, { jobs })) images.push(image);
        },
        (e: Error) =>
          e.constructor === serialError.constructor && e.message === serialError.message,
      );
      assert.deepEqual(summary(images), summary(serialImages));
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("parallel reader: stopping early ends the workers; bad jobs are refused", async () => {
  const dir = await Deno.makeTempDir({ prefix: "parallel_reader_" });
  try {
    const pairs = await folder(dir);
    let n = 0;
    for await (const _ of readMaskPairsParallel(pairs, { jobs: 3 })) if (++n === 2) break;
    assert.equal(n, 2); // (a worker left running would fail the test's resource check)
    await assert.rejects(
      () => readMaskPairsParallel(pairs, { jobs: 0 }).next(),
      (e: Error) =>
        e instanceof RangeError && e.message === "Expected jobs to be an integer >= 1, but found 0",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("parallel reader: with count, each image's counts are its own labels counted here", async () => {
  const dir = await Deno.makeTempDir({ prefix: "parallel_reader_" });
  try {
    const pairs = await folder(dir);
    // labels go up to 6 (PNG pairs), so with 5 classes and the default "error" policy some
    // images are refused: those come without counts, and counting them here throws
    for (const counting of [{ ignoreIndex: [3] }, { outOfRange: "drop" as const }, {}]) {
      const images = await collect(
        readMaskPairsParallel(pairs, { jobs: 3, count: { numClasses: 5, counting } }),
      );
      assert.deepEqual(summary(images), summary(await collect(readMaskPairs(pairs))));
      let counted = 0, refused = 0;
      for (const image of images) {
        let here: ConfusionMatrix | undefined;
        try {
          here = new ConfusionMatrix(5, counting).update(image.yTrue, image.yPred);
        } catch {
          here = undefined;
        }
        if (here === undefined) {
          assert.equal(image.counts, undefined);
          refused++;
          continue;
        }
        assert.ok(image.counts !== undefined);
        assert.deepEqual(image.counts.toJSON(), here.toJSON());
        counted++;
      }
      assert.ok(counted > 0);
      if (Object.keys(counting).length === 0) assert.ok(refused > 0);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("claimPair: concurrent claims hand out every pair exactly once", async () => {
  // three threads (two workers and this one) claim from one table of 2,000 pairs at once
  const n = 2000;
  const claims = new Int32Array(new SharedArrayBuffer(4 * (1 + n)));
  const code = `
    import { claimPair } from ${
    JSON.stringify(new URL("../../lib/io/parallel_reader.ts", import.meta.url).href)
  };
    self.onmessage = (e) => {
      const claims = new Int32Array(e.data.buffer);
      const got = [];
      for (let k = claimPair(claims, e.data.me); k >= 0; k = claimPair(claims, e.data.me)) got.push(k);
      self.postMessage(got);
    };`;
  const url = URL.createObjectURL(new Blob([code], { type: "text/javascript" }));
  const workers = [2, 3].map(() => new Worker(url, { type: "module" }));
  try {
    const results = workers.map((w, j) =>
      new Promise<number[]>((resolve) => {
        w.onmessage = (e) => resolve(e.data);
        w.postMessage({ buffer: claims.buffer, me: j + 2 });
      })
    );
    const mine: number[] = [];
    for (let k = 0; k < n; k += 7) if (claimPair(claims, 1, k)) mine.push(k); // some by index
    const all = [mine, ...await Promise.all(results)];
    const seen = new Int32Array(n);
    all.forEach((got, t) => got.forEach((k) => (seen[k]++, assert.equal(claims[1 + k], t + 1))));
    assert.deepEqual([...new Set(seen)], [1]); // each pair exactly once
    assert.equal(claimPair(claims, 1), -1);
  } finally {
    for (const w of workers) w.terminate();
    URL.revokeObjectURL(url);
  }
});
