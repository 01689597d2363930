import assert from "node:assert/strict";
import fc from "fast-check";
import { MultilabelStats } from "../../lib/core/multilabel_stats.ts";
import { SegmentationStats } from "../../lib/core/segmentation_stats.ts";

Deno.test("MultilabelStats: multi-hot masks counted by hand", () => {
  // 2 classes x 4 pixels. target class 0: 1 1 0 0, class 1: 1 0 1 0 (pixel 0 in both)
  // pred class 0: 1 0 1 0 -> tp 1 (px0), fn 1 (px1), fp 1 (px2), tn 1 (px3)
  // pred class 1: 1 1 1 1 -> tp 2 (px0, px2), fp 2 (px1, px3), fn 0, tn 0
  const stats = new MultilabelStats(2).addImageMasks(
    [1, 1, 0, 0, 1, 0, 1, 0],
    [1, 0, 1, 0, 1, 1, 1, 1],
  );
  assert.deepEqual(stats.image(0), { tp: [1, 2], fp: [1, 2], fn: [1, 0], tn: [1, 0] });
  // the same image with pixel 3 not valid
  stats.addImageMasks([1, 1, 0, 0, 1, 0, 1, 0], [1, 0, 1, 0, 1, 1, 1, 1], {
    valid: [1, 1, 1, 0],
  });
  assert.deepEqual(stats.image(1), { tp: [1, 2], fp: [1, 1], fn: [1, 0], tn: [0, 0] });
  assert.deepEqual(stats.totals(), { tp: [2, 4], fp: [2, 3], fn: [2, 0], tn: [1, 0] });
  assert.equal(stats.numImages, 2);
});

Deno.test("MultilabelStats: numClasses 1 and input errors", () => {
  const one = new MultilabelStats(1).addImageMasks([0, 0], [0, 0]);
  assert.deepEqual(one.totals(), { tp: [0], fp: [0], fn: [0], tn: [2] });
  assert.throws(
    () => new MultilabelStats(0),
    /Expected numClasses to be an integer >= 1, but found 0/,
  );
  assert.throws(() => new MultilabelStats(1.5), RangeError);
  assert.throws(() => one.addImageMasks([1, 0, 1], [1, 0]), /equal length/);
  assert.throws(
    () => new MultilabelStats(2).addImageMasks([1, 0, 1], [1, 0, 1]),
    /multiple of numClasses/,
  );
  assert.throws(
    () => one.addImageMasks([2], [1]),
    /Expected target\[0\] to be 0 or 1, but found 2/,
  );
  assert.throws(
    () => one.addImageMasks([1], [0.5]),
    /Expected pred\[0\] to be 0 or 1, but found 0.5/,
  );
  assert.throws(() => one.addImageMasks([1], [1], { valid: [1, 1] }), /valid to have 1 entries/);
  assert.throws(
    () => one.addImageCounts({ tp: [1, 2], fp: [0], fn: [0], tn: [0] }),
    /tp to have 1 entries, but found 2/,
  );
  assert.throws(
    () => one.addImageCounts({ tp: [-1], fp: [0], fn: [0], tn: [0] }),
    /tp\[0\] to be a non-negative safe integer/,
  );
  assert.equal(one.numImages, 1); // refused images are not added
  const big = new MultilabelStats(1).addImageCounts({ tp: [2 ** 52], fp: [0], fn: [0], tn: [0] });
  assert.throws(
    () => big.addImageCounts({ tp: [2 ** 52], fp: [0], fn: [0], tn: [0] }),
    /below 2\^53/,
  );
  assert.equal(big.numImages, 1);
});

Deno.test("MultilabelStats: image() returns copies; merge appends", () => {
  const a = new MultilabelStats(1).addImageMasks([1], [1]);
  a.image(0).tp[0] = 99;
  a.totals().tp[0] = 99;
  assert.deepEqual(a.image(0).tp, [1]);
  a.merge(new MultilabelStats(1).addImageMasks([1], [0]));
  assert.deepEqual(a.image(1), { tp: [0], fp: [0], fn: [1], tn: [0] });
  assert.throws(
    () => a.merge(new MultilabelStats(2)),
    /Expected a MultilabelStats of 1 classes, but found 2 classes/,
  );
});

Deno.test("MultilabelStats.fromSegmentationStats equals counting one-hot masks (property)", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 2, max: 5 }).chain((C) =>
        fc.tuple(
          fc.constant(C),
          fc.array(
            fc.integer({ min: 1, max: 12 }).chain((P) =>
              fc.tuple(
                fc.array(fc.integer({ min: 0, max: C }), { minLength: P, maxLength: P }),
                fc.array(fc.integer({ min: 0, max: C - 1 }), { minLength: P, maxLength: P }),
              )
            ),
            { minLength: 1, maxLength: 4 },
          ),
        )
      ),
      ([C, images]) => {
        // label C is ignored: such pixels are in no class, and not valid in the mask path
        const seg = new SegmentationStats(C, { ignoreIndex: C });
        const ml = new MultilabelStats(C);
        for (const [t, p] of images) {
          seg.addImage(t, p);
          const P = t.length;
          const target = new Array<number>(C * P).fill(0);
          const pred = new Array<number>(C * P).fill(0);
          t.forEach((v, i) => {
            if (v < C) target[v * P + i] = 1;
          });
          p.forEach((v, i) => (pred[v * P + i] = 1));
          ml.addImageMasks(target, pred, { valid: t.map((v) => (v < C ? 1 : 0)) });
        }
        const from = MultilabelStats.fromSegmentationStats(seg);
        assert.equal(from.numImages, ml.numImages);
        for (let i = 0; i < ml.numImages; i++) assert.deepEqual(from.image(i), ml.image(i));
      },
    ),
    { numRuns: 200 },
  );
});

Deno.test("MultilabelStats.fromSegmentationStats refuses weighted state", () => {
  const seg = new SegmentationStats(2).addImage([0, 1], [0, 1], [0.5, 1]);
  assert.throws(() => MultilabelStats.fromSegmentationStats(seg), /unweighted/);
});

Deno.test("MultilabelStats JSON round trip and refusals", () => {
  const stats = new MultilabelStats(2)
    .addImageMasks([1, 0, 1, 1], [0, 0, 1, 1])
    .addImageCounts({ tp: [2 ** 40, 0], fp: [1, 2], fn: [3, 4], tn: [5, 6] });
  const copy = MultilabelStats.fromJSON(JSON.parse(JSON.stringify(stats)));
  assert.equal(copy.numImages, 2);
  assert.deepEqual(copy.image(1), { tp: [2 ** 40, 0], fp: [1, 2], fn: [3, 4], tn: [5, 6] });
  assert.deepEqual(copy.totals(), stats.totals());
  assert.throws(() => MultilabelStats.fromJSON(null as never), TypeError);
  assert.throws(
    () => MultilabelStats.fromJSON({ numClasses: 0, images: [] }),
    /numClasses to be an integer >= 1/,
  );
  assert.throws(
    () =>
      MultilabelStats.fromJSON({
        numClasses: 1,
        images: [{ tp: [1], fp: [0], fn: [0], tn: [0] }, { tp: [1], fp: [0], fn: [0] } as never],
      }),
    /images\[1\]: Expected tn to have 1 entries, but found undefined/,
  );
});
