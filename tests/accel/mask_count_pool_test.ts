/**
 * The counting pool against counting here: one-image statistics merged in file order are the
 * statistics of `addImage` on every image, for every number of jobs; errors come at the same
 * image.
 */
import assert from "node:assert/strict";
import { encode } from "fast-png";
import { encodeNpy } from "../../lib/io/npy.ts";
import { readMaskPairs } from "../../lib/io/mask_reader.ts";
import type { MaskPair } from "../../lib/io/dataset.ts";
import { SegmentationStats } from "../../lib/core/segmentation_stats.ts";
import { countMaskPairsParallel } from "../../lib/accel/mask_count_pool.ts";

async function folder(dir: string, bad?: number): Promise<MaskPair[]> {
  const pairs: MaskPair[] = [];
  let s = 99;
  const next = () => (s = (s * 1103515245 + 12345) >>> 0) >>> 16;
  for (let k = 0; k < 7; k++) {
    const n = k === 2 ? 4 : 1, h = 9 + k, w = 11;
    const t = new Uint8Array(n * h * w).map(() => (next() % 9 === 0 ? 255 : next() % 3));
    const p = t.map((v) => (next() % 3 === 0 ? next() % 3 : v === 255 ? 1 : v));
    if (k === bad) [t[17], p[17]] = [0, 3]; // a prediction out of range for 3 classes
    if (k % 2 === 0) {
      const shape = n > 1 ? [n, h, w] : [h, w];
      await Deno.writeFile(`${dir}/t${k}.npy`, encodeNpy({ shape, data: t }));
      await Deno.writeFile(`${dir}/p${k}.npy`, encodeNpy({ shape, data: p }));
      pairs.push({ truePath: `${dir}/t${k}.npy`, predPath: `${dir}/p${k}.npy` });
    } else {
      const png = (data: Uint8Array) =>
        encode({ width: w, height: h, channels: 1, depth: 8, data });
      await Deno.writeFile(`${dir}/t${k}.png`, png(t));
      await Deno.writeFile(`${dir}/p${k}.png`, png(p));
      pairs.push({ truePath: `${dir}/t${k}.png`, predPath: `${dir}/p${k}.png` });
    }
  }
  return pairs;
}

const policy = { ignoreIndex: 255 };

Deno.test("count pool: merged in order, the same statistics as addImage, for 1 to 4 jobs", async () => {
  const dir = await Deno.makeTempDir({ prefix: "count_pool_" });
  try {
    const pairs = await folder(dir);
    const here = new SegmentationStats(3, policy);
    for await (const image of readMaskPairs(pairs)) here.addImage(image.yTrue, image.yPred);
    assert.equal(here.numImages, 10);
    for (const jobs of [1, 2, 4]) {
      const merged = new SegmentationStats(3, policy);
      const seen: string[] = [];
      for await (
        const image of countMaskPairsParallel(pairs, { jobs, numClasses: 3, counting: policy })
      ) {
        seen.push(`${image.pair.truePath}#${image.index}/${image.count}`);
        merged.merge(image.stats!);
      }
      assert.deepEqual(merged.toJSON(), here.toJSON(), `jobs ${jobs}`);
      assert.equal(seen.length, 10);
      assert.equal(seen[3], `${pairs[2].truePath}#1/4`); // file order, then image order
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("count pool: a rejected label is yielded on its image and ends the run", async () => {
  const dir = await Deno.makeTempDir({ prefix: "count_pool_" });
  try {
    const pairs = await folder(dir, 4);
    let thrown: Error | undefined;
    try {
      const stats = new SegmentationStats(3, policy);
      for await (const image of readMaskPairs(pairs)) stats.addImage(image.yTrue, image.yPred);
    } catch (e) {
      thrown = e as Error;
    }
    assert.ok(thrown instanceof RangeError);
    const images = [];
    for await (
      const image of countMaskPairsParallel(pairs, { jobs: 3, numClasses: 3, counting: policy })
    ) {
      images.push(image);
    }
    const last = images.at(-1)!;
    assert.equal(last.pair, pairs[4]);
    assert.ok(last.countError instanceof RangeError);
    assert.equal(last.countError.message, thrown.message);
    assert.equal(images.filter((i) => i.stats !== undefined).length, 4 + 3); // pairs 0-3 only
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("count pool: a bad file is the serial reader's error, at the same place", async () => {
  const dir = await Deno.makeTempDir({ prefix: "count_pool_" });
  try {
    const pairs = await folder(dir);
    await Deno.writeFile(pairs[3].predPath, new Uint8Array([137, 80, 78]));
    const serial = await (async () => {
      try {
        for await (const _ of readMaskPairs(pairs)) { /* read all */ }
      } catch (e) {
        return e as Error;
      }
    })();
    assert.ok(serial !== undefined);
    await assert.rejects(
      async () => {
        const options = { jobs: 2, numClasses: 3, counting: policy };
        for await (const _ of countMaskPairsParallel(pairs, options)) { /* count all */ }
      },
      (e: Error) => e.constructor === serial.constructor && e.message === serial.message,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
