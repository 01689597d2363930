import assert from "node:assert/strict";
import fc from "fast-check";
import {
  countMultilabelElements,
  oneHot,
  thresholdProbabilities,
} from "../../lib/core/multilabel_inputs.ts";
import { MultilabelStats } from "../../lib/core/multilabel_stats.ts";

Deno.test("oneHot: channel first, ignore label in no mask, errors", () => {
  assert.deepEqual([...oneHot([1, 0], 2)], [0, 1, 1, 0]);
  assert.deepEqual([...oneHot([0, 0, 0], 1)], [1, 1, 1]);
  assert.deepEqual([...oneHot([7, 0], 2, { ignoreIndex: 7 })], [0, 1, 0, 0]);
  assert.throws(
    () => oneHot([-1], 2),
    /Expected labels\[0\] to be an integer in \[0, 2\), but found -1/,
  );
  assert.throws(() => oneHot([0.5], 2), /found 0.5/);
  assert.throws(() => oneHot([0], 0), /numClasses to be an integer >= 1, but found 0/);
});

Deno.test("oneHot: each pixel in exactly one mask unless ignored (property)", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 6 }),
      fc.array(fc.integer({ min: 0, max: 6 }), { maxLength: 30 }),
      (C, raw) => {
        const labels = raw.map((v) => (v >= C ? 99 : v));
        const m = oneHot(labels, C, { ignoreIndex: 99 });
        const P = labels.length;
        for (let i = 0; i < P; i++) {
          let sum = 0;
          for (let c = 0; c < C; c++) sum += m[c * P + i];
          assert.equal(sum, labels[i] === 99 ? 0 : 1);
          if (labels[i] !== 99) assert.equal(m[labels[i] * P + i], 1);
        }
      },
    ),
  );
});

Deno.test("thresholdProbabilities: strict, inclusive, float32, NaN", () => {
  const p = [0, 0.25, 0.5, 0.75, 1, NaN];
  assert.deepEqual([...thresholdProbabilities(p, 0.5)], [0, 0, 0, 1, 1, 0]);
  assert.deepEqual([...thresholdProbabilities(p, 0.5, { inclusive: true })], [0, 0, 1, 1, 1, 0]);
  assert.deepEqual([...thresholdProbabilities([0.1], 0.1)], [0]);
  // float32(0.1) = 0.100000001490116... > 0.1 as float64; equal once both are float32
  assert.deepEqual([...thresholdProbabilities([Math.fround(0.1)], 0.1)], [1]);
  assert.deepEqual([...thresholdProbabilities([Math.fround(0.1)], 0.1, { float32: true })], [0]);
  assert.deepEqual(
    [...thresholdProbabilities([Math.fround(0.1)], 0.1, { float32: true, inclusive: true })],
    [1],
  );
  assert.throws(() => thresholdProbabilities([1], NaN), /Expected threshold to be a number/);
});

Deno.test("countMultilabelElements: element-wise ignore by hand; equals masks without ignore", () => {
  // 1 class, 5 pixels: target 1 1 0 0 9, pred 1 0 1 0 1 -> tp1 fn1 fp1 tn1, pixel 4 ignored
  assert.deepEqual(
    countMultilabelElements([1, 1, 0, 0, 9], [1, 0, 1, 0, 1], 1, { ignoreIndex: 9 }),
    {
      tp: [1],
      fp: [1],
      fn: [1],
      tn: [1],
    },
  );
  assert.throws(
    () => countMultilabelElements([9], [1], 1),
    /target\[0\] to be 0, 1 or ignoreIndex, but found 9/,
  );
  assert.throws(() => countMultilabelElements([1, 0], [1], 1), /equal length/);
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 4 }).chain((C) =>
        fc.tuple(
          fc.constant(C),
          fc.array(fc.tuple(fc.integer({ min: 0, max: 1 }), fc.integer({ min: 0, max: 1 })), {
            minLength: C,
            maxLength: C,
          }).chain(() =>
            fc.array(fc.tuple(fc.integer({ min: 0, max: 1 }), fc.integer({ min: 0, max: 1 })), {
              minLength: C * 3,
              maxLength: C * 3,
            })
          ),
        )
      ),
      ([C, pairs]) => {
        const t = pairs.map((x) => x[0]);
        const p = pairs.map((x) => x[1]);
        const a = countMultilabelElements(t, p, C);
        assert.deepEqual(new MultilabelStats(C).addImageMasks(t, p).image(0), a);
      },
    ),
  );
});
