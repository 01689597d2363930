import assert from "node:assert/strict";
import {
  ConfusionMatrix,
  SegmentationStats,
  torchmetricsBinaryJaccardIndex,
  torchmetricsConfusionMatrix,
  torchmetricsIoUPerImageClass,
  torchmetricsJaccardIndex,
  torchmetricsJaccardPerClass,
  torchmetricsLegacyJaccardIndex,
  torchmetricsLegacyJaccardPerClass,
  torchmetricsMeanIoU,
  torchmetricsMeanIoUPerClass,
  torchmetricsMeanIoUPerImage,
  torchmetricsMultilabelJaccardIndex,
  torchmetricsMultilabelJaccardPerLabel,
} from "../../mod.ts";
import { near6, TOY_IMAGES, TOY_TABLE, toyStats } from "./toy.ts";

Deno.test("torchmetrics JaccardIndex reproduces the worked example's table", () => {
  const cm = toyStats().confusionMatrix;
  assert.ok(near6(torchmetricsJaccardIndex(cm), TOY_TABLE.datasetMacroExcluded));
  assert.ok(
    near6(torchmetricsJaccardIndex(cm, { version: "0.11" }), TOY_TABLE.datasetMacroAbsentZero),
  );
  assert.ok(near6(torchmetricsJaccardIndex(cm, { average: "micro" }), TOY_TABLE.micro));
  assert.ok(near6(torchmetricsJaccardIndex(cm, { average: "weighted" }), TOY_TABLE.weighted));
  // Every result is a float32 value.
  const v = torchmetricsJaccardIndex(cm);
  assert.equal(Math.fround(v), v);
});

Deno.test("torchmetrics JaccardIndex: zero_division fills absent classes, 'nan' poisons macro", () => {
  const cm = toyStats().confusionMatrix;
  const per = torchmetricsJaccardPerClass(cm, { zeroDivision: 1 });
  assert.equal(per[4], 1); // class 4 absent
  assert.equal(per[3], 0); // class 3 only predicted
  // Absent classes have weight 0 in macro, but 0 * NaN is NaN (as in torch).
  assert.ok(Number.isNaN(torchmetricsJaccardIndex(cm, { zeroDivision: "nan" })));
  assert.equal(
    torchmetricsJaccardIndex(cm, { zeroDivision: 1 }),
    torchmetricsJaccardIndex(cm, { zeroDivision: 0 }),
  );
});

Deno.test("torchmetrics JaccardIndex: ignore_index inside the class range", () => {
  // ignore_index = 0: target-0 pixels are gone; class 0 leaves macro; predictions of 0 on other
  // pixels stay FN of their class. Hand-computed: class 1: tp 1, fn 1 (pred 0) → 1/2;
  // class 2: tp 1 → 1. Macro over classes 1, 2 = 3/4.
  const cm = new ConfusionMatrix(3, { ignoreIndex: 0 }).update([0, 0, 1, 1, 2], [1, 2, 1, 0, 2]);
  assert.equal(torchmetricsJaccardIndex(cm), 0.75);
  // micro: Σdiag = 2; Σdenom - denom[0] = (1 + 2 + 1) ... by hand: denom = [1, 2, 1], minus 1 → 3.
  assert.equal(torchmetricsJaccardIndex(cm, { average: "micro" }), Math.fround(2 / 3));
});

Deno.test("torchmetrics confusion matrix folds out-of-range predictions like the library", () => {
  // pred 4 == C at target 0 → code 4 → cell (1, 0); at target 1 → code 8 → cell (2, 0).
  const cm = torchmetricsConfusionMatrix([0, 0, 1, 1, 1, 2, 2, 3], [0, 4, 1, 4, 1, 2, 2, 0], 4);
  assert.deepEqual(cm.toArray(), [[1, 0, 0, 0], [1, 2, 0, 0], [1, 0, 2, 0], [1, 0, 0, 0]]);
  // Five distinct predictions with C = 4: the unique-value check fails.
  assert.throws(
    () => torchmetricsConfusionMatrix([0, 1, 2, 3, 3], [0, 1, 2, 3, 4], 4),
    /Detected more unique values in `preds`/,
  );
  // Prediction C at the last class: code C*C is past the matrix.
  assert.throws(() => torchmetricsConfusionMatrix([0, 1, 2, 3, 3], [0, 1, 2, 4, 4], 4), /shape/);
  // A state with out-of-range predictions counted as missed cannot be reduced as torchmetrics.
  const missed = new ConfusionMatrix(4, { outOfRange: "miss" }).update([0, 1], [0, 9]);
  assert.throws(() => torchmetricsJaccardIndex(missed), /torchmetricsConfusionMatrix/);
});

Deno.test("torchmetrics BinaryJaccardIndex: empty image gives zero_division", () => {
  const empty = new ConfusionMatrix(2).update([0, 0, 0], [0, 0, 0]);
  assert.equal(torchmetricsBinaryJaccardIndex(empty), 0);
  assert.equal(torchmetricsBinaryJaccardIndex(empty, { zeroDivision: 1 }), 1);
  assert.ok(Number.isNaN(torchmetricsBinaryJaccardIndex(empty, { zeroDivision: "nan" })));
  const cm = new ConfusionMatrix(2).update([0, 1, 1, 0], [1, 1, 0, 0]);
  assert.equal(torchmetricsBinaryJaccardIndex(cm), Math.fround(1 / 3));
});

function toyNoIgnore(): SegmentationStats {
  const stats = new SegmentationStats(5);
  for (const im of TOY_IMAGES) {
    const keep = im.true.map((t) => t !== 255);
    stats.addImage(im.true.filter((_, k) => keep[k]), im.pred.filter((_, k) => keep[k]));
  }
  return stats;
}

Deno.test("torchmetrics MeanIoU 1.8+: pair mean of the worked-example table; functional image-first", () => {
  const stats = toyNoIgnore();
  assert.ok(near6(torchmetricsMeanIoU(stats), TOY_TABLE.pairMean));
  const perImage = torchmetricsMeanIoUPerImage(stats);
  const mean = perImage.reduce((a, b) => a + b, 0) / perImage.length;
  assert.ok(near6(mean, TOY_TABLE.imageFirst));
  // The pair mean does not depend on how images are grouped into updates (up to float32 sums).
  assert.ok(Math.abs(torchmetricsMeanIoU(stats, { batches: [1, 2] }) - TOY_TABLE.pairMean) < 1e-6);
  // per_class: class 4 is never valid → −1.
  const per = torchmetricsMeanIoUPerClass(stats);
  assert.equal(per[4], -1);
  assert.deepEqual(torchmetricsIoUPerImageClass(stats)[2], [-1, 1, -1, -1, -1]);
});

Deno.test("torchmetrics MeanIoU 1.5-1.7: per-batch means, hand-computed", () => {
  const stats = toyNoIgnore();
  // Per-image means over all 5 classes (absent = 0), from the images by hand:
  // A: class 0 = 3/5, class 1 = 2/3, class 2 = 0 (FP only) → (3/5 + 2/3) / 5
  // B: class 0 = 5/7, class 2 = 3/4, class 3 = 0 → (5/7 + 3/4) / 5; C: class 1 = 1 → 1/5.
  const A = (3 / 5 + 2 / 3) / 5;
  const B = (5 / 7 + 3 / 4) / 5;
  const C = 1 / 5;
  const ab_c = ((A + B) / 2 + C) / 2;
  const a_bc = (A + (B + C) / 2) / 2;
  const v1 = torchmetricsMeanIoU(stats, { version: "1.5", batches: [2, 1] });
  const v2 = torchmetricsMeanIoU(stats, { version: "1.5", batches: [1, 2] });
  assert.ok(Math.abs(v1 - ab_c) < 1e-7, `${v1} vs ${ab_c}`);
  assert.ok(Math.abs(v2 - a_bc) < 1e-7, `${v2} vs ${a_bc}`);
  assert.notEqual(v1, v2); // batch-size dependent
  assert.throws(() => torchmetricsMeanIoU(stats, { batches: [2, 2] }), /add up to the 3 images/);
});

Deno.test("torchmetrics multilabel: absent labels kept in macro with the zero-division value", () => {
  const l0 = new ConfusionMatrix(2).update([1, 1, 0], [1, 0, 0]); // 1/2
  const l1 = new ConfusionMatrix(2).update([1, 1, 0], [1, 1, 0]); // 1
  const l2 = new ConfusionMatrix(2).update([0, 0, 0], [0, 0, 0]); // absent: zero_division
  assert.equal(torchmetricsMultilabelJaccardIndex([l0, l1, l2]), 0.5); // (1/2 + 1 + 0) / 3
  const one = torchmetricsMultilabelJaccardIndex([l0, l1, l2], { zeroDivision: 1 });
  assert.ok(Math.abs(one - 2.5 / 3) < 1e-7); // float32 terms w * j / Σw, summed
  // micro: (1 + 2) / (2 + 2 + 0).
  assert.equal(torchmetricsMultilabelJaccardIndex([l0, l1, l2], { average: "micro" }), 0.75);
  // weighted by support (TP + FN): 2 and 2.
  assert.equal(torchmetricsMultilabelJaccardIndex([l0, l1, l2], { average: "weighted" }), 0.75);
  assert.deepEqual(torchmetricsMultilabelJaccardPerLabel([l0, l1, l2]), [0.5, 1, 0]);
});

Deno.test("torchmetrics 0.7-0.10 JaccardIndex, hand-worked from the v0.10.3 source", () => {
  // target [0, 0, 1, 1, 2], pred [0, 0, 1, 0, 1]: inter [2, 1, 0], union [3, 3, 1]
  const cm = new ConfusionMatrix(3).update([0, 0, 1, 1, 2], [0, 0, 1, 0, 1]);
  const f = Math.fround;
  assert.deepEqual(torchmetricsLegacyJaccardPerClass(cm), [f(2 / 3), f(1 / 3), 0]);
  // macro = elementwise_mean: mean over all three (class 2's union is 1, not absent)
  const mean = f(f(f(2 / 3) + f(1 / 3)) / 3);
  assert.equal(torchmetricsLegacyJaccardIndex(cm), mean);
  assert.equal(torchmetricsLegacyJaccardIndex(cm, { average: "elementwise_mean" }), mean);
  assert.equal(torchmetricsLegacyJaccardIndex(cm, { average: "sum" }), 1);
  assert.equal(torchmetricsLegacyJaccardIndex(cm, { average: "micro" }), f(3 / 7));
  // weighted: row sums [2, 2, 1] / 5, times the scores: 0.4 * 2/3 + 0.4 * 1/3 + 0.2 * 0
  const w = torchmetricsLegacyJaccardIndex(cm, { average: "weighted" });
  assert.ok(Math.abs(w - 0.4) < 1e-7, `${w}`);
  // ignore_index 2: row 2 zeroed, so class 1 loses its false positive; class 2 cut out
  assert.deepEqual(torchmetricsLegacyJaccardPerClass(cm, { ignoreIndex: 2 }), [f(2 / 3), 0.5]);
  assert.equal(torchmetricsLegacyJaccardIndex(cm, { ignoreIndex: 2, average: "micro" }), f(3 / 5));
  assert.throws(
    () => torchmetricsLegacyJaccardIndex(cm, { ignoreIndex: 2, average: "weighted" }),
    /size of tensor a \(3\) must match the size of tensor b \(2\)/,
  );
  // ignore_index outside the class range changes nothing in compute
  assert.equal(torchmetricsLegacyJaccardIndex(cm, { ignoreIndex: 255 }), mean);
  // absent class (union 0) takes absent_score
  const cm4 = new ConfusionMatrix(4).update([0, 0, 1, 1, 2], [0, 0, 1, 0, 1]);
  assert.deepEqual(torchmetricsLegacyJaccardPerClass(cm4, { absentScore: 1 }), [
    f(2 / 3),
    f(1 / 3),
    0,
    1,
  ]);
  assert.equal(
    torchmetricsLegacyJaccardIndex(cm4, { absentScore: 1 }),
    f(f(f(f(2 / 3) + f(1 / 3)) + 1) / 4),
  );
  assert.throws(() => torchmetricsLegacyJaccardIndex(new ConfusionMatrix(3, { ignoreIndex: 255 })));
});

Deno.test("torchmetrics MeanIoU batchSize is batches of that size, the last taking the rest", () => {
  const stats = new SegmentationStats(3);
  const imgs: [number[], number[]][] = [
    [[0, 1, 2, 2], [0, 1, 1, 2]],
    [[1, 1, 0, 0], [1, 0, 0, 0]],
    [[2, 2, 2, 0], [2, 2, 1, 0]],
    [[0, 0, 0, 1], [0, 2, 0, 1]],
    [[1, 2, 1, 2], [1, 2, 2, 2]],
  ];
  for (const [t, p] of imgs) stats.addImage(t, p);
  assert.deepEqual(
    torchmetricsMeanIoU(stats, { batchSize: 2 }),
    torchmetricsMeanIoU(stats, { batches: [2, 2, 1] }),
  );
  assert.throws(() => torchmetricsMeanIoU(stats, { batchSize: 2, batches: [5] }), RangeError);
  assert.throws(() => torchmetricsMeanIoU(stats, { batchSize: 0 }), RangeError);
});
