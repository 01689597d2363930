import assert from "node:assert/strict";
import fc from "fast-check";
import { BYTES_PER_IMAGE_CLASS, SegmentationStats } from "../../lib/core/segmentation_stats.ts";

const imageArb = fc.array(fc.tuple(fc.oneof(fc.nat(3), fc.constant(255)), fc.nat(3)), {
  maxLength: 30,
});
const statsArb = fc.array(imageArb, { maxLength: 6 }).map((images) => {
  const stats = new SegmentationStats(4, { ignoreIndex: 255 });
  for (const px of images) stats.addImage(px.map(([t]) => t), px.map(([, p]) => p));
  return stats;
});

Deno.test("property: per-image counts sum to the dataset counts", () => {
  fc.assert(fc.property(statsArb, (stats) => {
    const sums = { tp: [0, 0, 0, 0], fp: [0, 0, 0, 0], fn: [0, 0, 0, 0] };
    for (let i = 0; i < stats.numImages; i++) {
      const c = stats.imageCounts(i);
      for (let k = 0; k < 4; k++) {
        sums.tp[k] += c.tp[k];
        sums.fp[k] += c.fp[k];
        sums.fn[k] += c.fn[k];
      }
    }
    const all = stats.confusionMatrix.classCounts();
    assert.deepEqual(sums, {
      tp: Array.from(all.tp),
      fp: Array.from(all.fp),
      fn: Array.from(all.fn),
    });
  }));
});

Deno.test("property: merge appends images, dataset matrix commutes; JSON round-trips", () => {
  fc.assert(fc.property(statsArb, statsArb, (a, b) => {
    const ab = SegmentationStats.fromJSON(a.toJSON()).merge(b);
    const ba = SegmentationStats.fromJSON(b.toJSON()).merge(a);
    assert.equal(ab.numImages, a.numImages + b.numImages);
    assert.deepEqual(ab.confusionMatrix.toArray(), ba.confusionMatrix.toArray());
    if (b.numImages > 0) assert.deepEqual(ab.imageCounts(a.numImages), b.imageCounts(0));
    assert.deepEqual(
      SegmentationStats.fromJSON(JSON.parse(JSON.stringify(ab))).toJSON(),
      ab.toJSON(),
    );
  }));
});

Deno.test("per-image counts by hand; growth past the first allocation", () => {
  const stats = new SegmentationStats(3);
  for (let i = 0; i < 40; i++) stats.addImage([0, 1, 2], [0, 2, 2]);
  assert.equal(stats.numImages, 40);
  const c = stats.imageCounts(39);
  assert.deepEqual([Array.from(c.tp), Array.from(c.fp), Array.from(c.fn)], [[1, 0, 1], [0, 0, 1], [
    0,
    1,
    0,
  ]]);
  assert.equal(stats.confusionMatrix.get(1, 2), 40);
  assert.throws(() => stats.imageCounts(40), /image index in \[0, 40\), but found 40/);
});

Deno.test("a bad image leaves the statistics unchanged", () => {
  const stats = new SegmentationStats(3).addImage([0, 1], [0, 1]);
  assert.throws(() => stats.addImage([0, 1, 2], [0, 1, 3]), /found 3 at index 2/);
  assert.equal(stats.numImages, 1);
  assert.equal(stats.confusionMatrix.total, 2);
});

Deno.test("fromJSON rejects images that do not add up to the matrix", () => {
  const json = new SegmentationStats(2).addImage([0, 1], [0, 0]).toJSON();
  json.images[0].tp = [0, 0];
  assert.throws(
    () => SegmentationStats.fromJSON(json),
    /tp of class 0 to sum to the matrix's 1, but found 0/,
  );
  assert.throws(() => SegmentationStats.fromJSON({} as never), /images array/);
});

Deno.test("fromJSON accepts only counts as per-image values, naming the field and the value", () => {
  const stats = new SegmentationStats(2).addImage([0, 1], [0, 0]).addImage([1, 1], [1, 1]);
  const json = JSON.parse(JSON.stringify(stats));
  for (
    const [value, shown] of [
      ["1", '"1"'],
      [null, "null"],
      [true, "true"],
      [[1], "\\[1\\]"],
      [-1, "-1"],
      [0.5, "0.5"],
    ] as [unknown, string][]
  ) {
    const copy = structuredClone(json);
    copy.images[1].tp[1] = value;
    assert.throws(
      () => SegmentationStats.fromJSON(copy),
      new RegExp(
        `^RangeError: Expected images\\[1\\]\\.tp\\[1\\] to be a non-negative safe integer, ` +
          `but found ${shown}$`,
      ),
    );
  }
  const short = structuredClone(json);
  short.images[0].fn = [1];
  assert.throws(
    () => SegmentationStats.fromJSON(short),
    /images\[0\]\.fn to have 2 entries, but found 1/,
  );
  const notObject = structuredClone(json);
  notObject.images[1] = [[0, 2], [0, 0], [0, 0]];
  assert.throws(
    () => SegmentationStats.fromJSON(notObject),
    /images\[1\] to be an object with tp, fp and fn, but found \[\[0,2\]/,
  );
  const badMatrix = structuredClone(json);
  badMatrix.confusionMatrix.counts[0][0] = "1";
  assert.throws(
    () => SegmentationStats.fromJSON(badMatrix),
    /counts\[0\]\[0\] to be a non-negative safe integer, but found "1"/,
  );
  // weighted statistics keep their weight sums
  const w = new SegmentationStats(2).addImage([0, 1], [0, 1], [0.5, 2.25]);
  const back = SegmentationStats.fromJSON(JSON.parse(JSON.stringify(w)));
  assert.deepEqual([...back.imageCounts(0).tp], [0.5, 2.25]);
  const wBad = JSON.parse(JSON.stringify(w));
  wBad.images[0].tp[0] = "0.5";
  assert.throws(
    () => SegmentationStats.fromJSON(wBad),
    /images\[0\]\.tp\[0\] to be a finite number in \[0, 2\^53\) \(a sum of sample weights\), but found "0.5"/,
  );
});

Deno.test("per-image counts switch from uint32 to float64 columns without changing a value", () => {
  // counts of 2^32 and more (an image of 2^32 + 7 pixels, through JSON) and weights
  const big = 2 ** 32 + 7;
  const stats = new SegmentationStats(2);
  for (let i = 0; i < 20; i++) stats.addImage([0, 1, 1], [0, 1, 0]);
  const json = stats.toJSON();
  json.images.push({ tp: [big, 0], fp: [0, 0], fn: [0, 0] });
  json.confusionMatrix.counts[0][0] += big;
  const wide = SegmentationStats.fromJSON(json);
  assert.equal(wide.numImages, 21);
  assert.deepEqual([...wide.imageCounts(20).tp], [big, 0]);
  assert.deepEqual([...wide.imageCounts(3).fp], [1, 0]);
  wide.addImage([1], [1]);
  assert.deepEqual([...wide.imageCounts(21).tp], [0, 1]);
  const weighted = new SegmentationStats(2).addImage([0, 1], [0, 1]).addImage([0], [0], [0.25]);
  assert.deepEqual([...weighted.imageCounts(0).tp], [1, 1]);
  assert.deepEqual([...weighted.imageCounts(1).tp], [0.25, 0]);
});

// Memory, measured in a child process whose garbage can be collected (--expose-gc): the
// retained bytes per image must stay within the documented 12 bytes per image and class, times
// 1.5 for the growth of the columns, plus 16 bytes of slack per image.
Deno.test("memory per image: 200,000 tiny images keep about 12 bytes per image and class", async () => {
  const script = await Deno.makeTempFile({ suffix: ".ts" });
  const lib = new URL("../../lib/core/segmentation_stats.ts", import.meta.url).href;
  await Deno.writeTextFile(
    script,
    `import { SegmentationStats } from ${JSON.stringify(lib)};
const gc = (globalThis as unknown as { gc: () => void }).gc;
const [N, C] = [Number(Deno.args[0]), Number(Deno.args[1])];
const t = new Uint8Array(64).map((_, i) => i % C), p = new Uint8Array(64).map((_, i) => (i * 7) % C);
const stats = new SegmentationStats(C).addImage(t, p);
const used = () => { gc(); gc(); const u = Deno.memoryUsage(); return u.heapUsed + u.external; };
const before = used();
for (let i = 1; i < N; i++) stats.addImage(t, p);
console.log(JSON.stringify({ bytesPerImage: (used() - before) / N, numImages: stats.numImages }));
`,
  );
  try {
    for (const C of [4, 19]) {
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", "--v8-flags=--expose-gc", script, "200000", String(C)],
      }).output();
      assert.ok(out.success, new TextDecoder().decode(out.stderr));
      const { bytesPerImage, numImages } = JSON.parse(new TextDecoder().decode(out.stdout));
      assert.equal(numImages, 200000);
      const bound = BYTES_PER_IMAGE_CLASS * C * 1.5 + 16;
      assert.ok(
        bytesPerImage <= bound,
        `${C} classes: ${bytesPerImage} bytes per image > ${bound}`,
      );
      // and not less than the columns themselves: the measurement sees them
      assert.ok(bytesPerImage >= BYTES_PER_IMAGE_CLASS * C, `${bytesPerImage}`);
    }
  } finally {
    await Deno.remove(script);
  }
});

Deno.test("forEachImage gives imageCounts of every image, in order, in three reused arrays", () => {
  fc.assert(fc.property(statsArb, (stats) => {
    const seen: number[] = [];
    let arrays: Float64Array[] | undefined;
    stats.forEachImage((counts, i) => {
      seen.push(i);
      assert.deepEqual(counts, stats.imageCounts(i));
      arrays ??= [counts.tp, counts.fp, counts.fn];
      assert.deepEqual([counts.tp, counts.fp, counts.fn].map((a, k) => a === arrays![k]), [
        true,
        true,
        true,
      ]);
    });
    assert.deepEqual(seen, [...Array(stats.numImages).keys()]);
  }));
});
