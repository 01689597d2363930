import assert from "node:assert/strict";
import {
  MultilabelStats,
  SegmentationStats,
  smpGetStats,
  smpIoUPerImageClass,
  smpIoUScore,
  smpMetric,
  smpMetricDetailed,
  type SmpMetricName,
} from "../../mod.ts";
import { near6, TOY_TABLE, toyStats } from "./toy.ts";

// The first tests are worked by hand or come from the independent
// NumPy emulation of the worked example (docs/libraries.md), not from real smp runs.

Deno.test("smp iou_score reproduces the worked example's rows", () => {
  const stats = toyStats();
  assert.ok(near6(smpIoUScore(stats, { reduction: "macro" }), TOY_TABLE.datasetMacroAbsentOne));
  assert.ok(near6(smpIoUScore(stats, { reduction: "micro" }), TOY_TABLE.micro));
  assert.ok(
    near6(smpIoUScore(stats, { reduction: "micro-imagewise" }), TOY_TABLE.smpMicroImagewise),
  );
  assert.ok(near6(smpIoUScore(stats, { reduction: "macro-imagewise" }), TOY_TABLE.monaiKeepEmpty));
  assert.ok(
    near6(
      smpIoUScore(stats, { reduction: "macro", zeroDivision: 0 }),
      TOY_TABLE.datasetMacroAbsentZero,
    ),
  );
});

Deno.test("smp weighted reductions use user weights normalised to 1", () => {
  const stats = new SegmentationStats(2).addImage([0, 0, 1, 1], [0, 1, 1, 1]);
  // IoU: class 0 = 1/2, class 1 = 2/3. Weights [3, 1] → [0.75, 0.25].
  const weighted = smpIoUScore(stats, { reduction: "weighted", classWeights: [3, 1] });
  assert.ok(Math.abs(weighted - (0.75 * 0.5 + 0.25 * (2 / 3))) < 1e-7);
  // macro with weights still divides by C.
  const macro = smpIoUScore(stats, { reduction: "macro", classWeights: [3, 1] });
  assert.ok(Math.abs(macro - (0.75 * 0.5 + 0.25 * (2 / 3)) / 2) < 1e-7);
  assert.throws(() => smpIoUScore(stats, { reduction: "weighted" }), /classWeights/);
});

Deno.test("smp: micro has no zero-division fill; per-image table fills 0/0", () => {
  const empty = new SegmentationStats(2);
  assert.ok(Number.isNaN(smpIoUScore(empty, { reduction: "micro" })));
  const stats = new SegmentationStats(3).addImage([0, 1], [0, 1]);
  assert.deepEqual(smpIoUPerImageClass(stats), [[1, 1, 1]]);
  assert.deepEqual(smpIoUPerImageClass(stats, { zeroDivision: "warn" }), [[1, 1, 0]]);
});

// ---------------------------------------------------------------- smpMetric (functional.py)

const near = (a: number, b: number) => Math.abs(a - b) < 1e-6;

Deno.test("smpMetric: every metric of functional.py on hand-worked counts", () => {
  // one image, one class: tp 3, fp 1, fn 2, tn 4
  const s = new MultilabelStats(1).addImageCounts({ tp: [3], fp: [1], fn: [2], tn: [4] });
  const want: Record<SmpMetricName, number> = {
    iou_score: 3 / 6,
    f1_score: 6 / 9,
    fbeta_score: 6 / 9,
    accuracy: 7 / 10,
    precision: 3 / 4,
    positive_predictive_value: 3 / 4,
    recall: 3 / 5,
    sensitivity: 3 / 5,
    specificity: 4 / 5,
    balanced_accuracy: (3 / 5 + 4 / 5) / 2,
    negative_predictive_value: 4 / 6,
    false_negative_rate: 2 / 5,
    false_positive_rate: 1 / 5,
    false_discovery_rate: 1 / 4,
    false_omission_rate: 2 / 6,
    positive_likelihood_ratio: (3 / 5) / (1 / 5),
    negative_likelihood_ratio: (2 / 5) / (4 / 5),
  };
  for (const [name, v] of Object.entries(want)) {
    const got = smpMetric(s, name as SmpMetricName, { reduction: "micro" }) as number;
    assert.ok(near(got, v), `${name}: ${got} vs ${v}`);
    assert.equal(got, Math.fround(got)); // float32
  }
  // F2 = 5 tp / (5 tp + 4 fn + fp) = 15 / 24; F0.5 = 1.25 tp / (1.25 tp + 0.25 fn + fp)
  assert.equal(smpMetric(s, "fbeta_score", { reduction: "micro", beta: 2 }), 0.625);
  assert.ok(
    near(smpMetric(s, "fbeta_score", { reduction: "micro", beta: 0.5 }) as number, 3.75 / 5.25),
  );
});

Deno.test("smpMetric reductions, by a second computation on the counts", () => {
  // two images, two classes
  const s = new MultilabelStats(2)
    .addImageCounts({ tp: [2, 0], fp: [1, 0], fn: [0, 1], tn: [1, 3] })
    .addImageCounts({ tp: [1, 2], fp: [0, 1], fn: [1, 0], tn: [2, 1] });
  const prec = (tp: number, fp: number) => tp + fp === 0 ? NaN : tp / (tp + fp);
  // micro: (2 + 0 + 1 + 2) / (3 + 0 + 1 + 3)
  assert.ok(near(smpMetric(s, "precision", { reduction: "micro" }) as number, 5 / 7));
  // macro: class 0 = 3/4, class 1 = 2/3
  assert.ok(near(smpMetric(s, "precision", { reduction: "macro" }) as number, (3 / 4 + 2 / 3) / 2));
  // weighted [1, 3] → [0.25, 0.75], summed; macro with the same weights divides by 2 again
  const w = { classWeights: [1, 3] };
  assert.ok(
    near(
      smpMetric(s, "precision", { reduction: "weighted", ...w }) as number,
      0.25 * 0.75 + 0.75 * 2 / 3,
    ),
  );
  assert.ok(
    near(
      smpMetric(s, "precision", { reduction: "macro", ...w }) as number,
      (0.25 * 0.75 + 0.5) / 2,
    ),
  );
  // micro-imagewise: image 0 = 2/3, image 1 = 3/4
  assert.ok(
    near(
      smpMetric(s, "precision", { reduction: "micro-imagewise" }) as number,
      (2 / 3 + 3 / 4) / 2,
    ),
  );
  // none: image 0 class 1 is 0/0 → zero_division (default 1)
  assert.deepEqual(smpMetric(s, "precision"), [[Math.fround(2 / 3), 1], [1, Math.fround(2 / 3)]]);
  assert.ok(Number.isNaN(prec(0, 0)));
  // macro-imagewise: per class mean over images of the filled table, then mean
  assert.ok(
    near(
      smpMetric(s, "precision", { reduction: "macro-imagewise" }) as number,
      ((2 / 3 + 1) / 2 + (1 + 2 / 3) / 2) / 2,
    ),
  );
  const zd0 = smpMetricDetailed(s, "precision", {
    reduction: "macro-imagewise",
    zeroDivision: "warn",
  });
  assert.ok(zd0.warned);
  assert.ok(near(zd0.value as number, ((2 / 3 + 1) / 2 + (0 + 2 / 3) / 2) / 2));
  assert.equal(
    smpMetricDetailed(s, "precision", { reduction: "micro", zeroDivision: "warn" }).warned,
    false,
  );
  assert.throws(
    () => smpMetric(s, "precision", { reduction: "weighted-imagewise" }),
    /Class weights should be provided/,
  );
  assert.throws(
    () => smpMetric(s, "precision", { reduction: "sum" as "micro" }),
    /`reduction` should be in/,
  );
});

Deno.test("smpMetric iou_score agrees with smpIoUScore (an independent implementation)", () => {
  let x = 12345;
  const rnd = (n: number) => (x = (x * 1103515245 + 12345) >>> 0) % n;
  const stats = new SegmentationStats(4, { ignoreIndex: 255 });
  for (let i = 0; i < 7; i++) {
    const t = Array.from({ length: 50 }, () => rnd(9) === 0 ? 255 : rnd(3));
    stats.addImage(t, t.map((v) => rnd(4) === 0 ? rnd(4) : v === 255 ? 0 : v));
  }
  const reductions = [
    "micro",
    "macro",
    "weighted",
    "micro-imagewise",
    "macro-imagewise",
    "weighted-imagewise",
  ] as const;
  for (const reduction of reductions) {
    for (const zeroDivision of [1, 0, "warn"] as const) {
      const o = { reduction, zeroDivision, classWeights: [1, 2, 3, 4] };
      assert.equal(
        smpMetric(stats, "iou_score", o),
        smpIoUScore(stats, o),
        `${reduction} ${zeroDivision}`,
      );
    }
  }
  assert.deepEqual(smpMetric(stats, "iou_score"), smpIoUPerImageClass(stats));
});

Deno.test("smpGetStats: multiclass ignore and out-of-range outputs, multilabel >= threshold", () => {
  const s = new MultilabelStats(2);
  // pixel 2: ignored (out of every count); pixel 3: output 5 is in no bin → FN of class 1
  smpGetStats(s, [0, 1, 9, 1], [0, 1, 0, 5], { mode: "multiclass", numClasses: 2, ignoreIndex: 9 });
  assert.deepEqual(s.image(0), { tp: [1, 1], fp: [0, 0], fn: [0, 1], tn: [2, 1] });
  assert.throws(
    () => smpGetStats(s, [0], [0], { mode: "multiclass", numClasses: 2, ignoreIndex: 1 }),
    /``ignore_index`` should be outside the class values range/,
  );
  const m = new MultilabelStats(1);
  smpGetStats(m, [1, 0, 1, 0], [0.5, 0.5, 0.49, 0.1], {
    mode: "binary",
    numClasses: 1,
    threshold: 0.5,
  });
  assert.deepEqual(m.image(0), { tp: [1], fp: [1], fn: [1], tn: [1] }); // 0.5 >= 0.5 is positive
});
