// Ports of MONAI's own tests (Project-MONAI/MONAI d388d1c, MONAI 1.5.0):
// tests/metrics/test_compute_meaniou.py and tests/metrics/test_compute_meandice.py. Each
// upstream case keeps its inputs (batch-first one-hot masks, written here as nested arrays) and
// its expected values and tolerance (atol 1e-4), and calls the public API.
import assert from "node:assert/strict";
import { monaiMetric, type MonaiMetricOptions, MultilabelStats, oneHot } from "../../mod.ts";

type Batch = number[][][][]; // (image, channel, H, W)

function stats(y: Batch, yPred: Batch): MultilabelStats {
  const s = new MultilabelStats(y[0].length);
  y.forEach((img, i) => s.addImageMasks(img.flat(2), yPred[i].flat(2)));
  return s;
}

function close(got: unknown, want: unknown, label: string): void {
  const g = [got].flat(3) as number[], w = [want].flat(3) as number[];
  assert.equal(g.length, w.length, label);
  g.forEach((v, j) => assert.ok(Math.abs(v - w[j]) <= 1e-4, `${label}[${j}]: ${v} vs ${w[j]}`));
}

const full = (v: number): Batch =>
  Array.from(
    { length: 2 },
    () => [[[v, v, v], [v, v, v], [v, v, v]], [[v, v, v], [v, v, v], [v, v, v]]],
  );

// TEST_CASE_1
const C1 = { yPred: [[[[1, 0], [0, 1]]]], y: [[[[1, 0], [1, 1]]]] };
// TEST_CASE_2 (include_background=False)
const C2 = {
  yPred: [
    [[[0, 1], [0, 0]], [[0, 0], [1, 1]], [[1, 0], [0, 0]]],
    [[[0, 0], [0, 1]], [[1, 0], [0, 0]], [[0, 1], [1, 0]]],
  ],
  y: [
    [[[0, 0], [0, 1]], [[1, 0], [1, 0]], [[0, 1], [0, 0]]],
    [[[0, 0], [0, 1]], [[1, 1], [0, 0]], [[0, 0], [1, 0]]],
  ],
};
// TEST_CASE_3 (NaN pattern)
const C3 = {
  yPred: [
    [[[0, 0], [0, 0]], [[0, 0], [0, 0]], [[1, 1], [1, 1]]],
    [[[0, 0], [0, 0]], [[0, 0], [0, 0]], [[1, 1], [1, 1]]],
  ],
  y: [
    [[[1, 1], [1, 1]], [[0, 0], [0, 0]], [[0, 0], [0, 0]]],
    [[[0, 1], [1, 0]], [[1, 0], [0, 1]], [[0, 0], [0, 0]]],
  ],
};
// y_pred of TEST_CASE_4..8 (and 13..15 of the Dice tests)
const P4: Batch = [
  [[[1, 1], [1, 0]], [[0, 1], [0, 0]], [[0, 1], [1, 1]]],
  [[[1, 0], [1, 1]], [[0, 1], [1, 1]], [[0, 1], [1, 0]]],
];
const Y4: Batch = [
  [[[1, 1], [1, 1]], [[0, 0], [0, 0]], [[0, 0], [0, 0]]],
  [[[0, 0], [0, 1]], [[1, 1], [0, 0]], [[0, 0], [1, 0]]],
]; // y of TEST_CASE_4, 5, 13..15
const Y6: Batch = [
  [[[1, 1], [1, 1]], [[0, 0], [0, 0]], [[0, 0], [0, 0]]],
  [[[1, 1], [1, 1]], [[0, 0], [0, 0]], [[0, 0], [0, 0]]],
]; // y of TEST_CASE_6, 7, 8

for (const metric of ["iou", "dice"] as const) {
  const M = metric === "iou" ? "test_compute_meaniou.py" : "test_compute_meandice.py";
  const table = (y: Batch, p: Batch, o: MonaiMetricOptions = {}) =>
    monaiMetric(stats(y, p), { metric, reduction: "none", ...o }).table;
  const want = metric === "iou"
    ? {
      1: [[0.6667]],
      2: [[0.3333, 0.0], [0.5, 0.5]],
      4: [0.5416, 0.25, 0.5],
      5: 0.5555,
      6: [1.5, 0, 0],
      7: 0.75,
      8: [0, 0],
    }
    : {
      1: [[0.8]],
      2: [[0.5, 0.0], [0.6667, 0.6667]],
      4: [0.6786, 0.4, 0.6667],
      5: 0.689683,
      6: [1.7143, 0, 0],
      7: 0.857143,
      8: [0, 0],
    };

  Deno.test(`MONAI ${M} test_value / test_value_class: cases 1, 2, 9, 10, 11, 12`, () => {
    close(table(C1.y, C1.yPred), want[1], "case 1");
    close(table(C2.y, C2.yPred, { includeBackground: false }), want[2], "case 2");
    close(table(full(1), full(1)), [[1, 1], [1, 1]], "case 9 and 10 (list input: the same batch)");
    close(table(full(0), full(0), { ignoreEmpty: false }), [[1, 1], [1, 1]], "case 11");
    close(table(full(0), full(1), { ignoreEmpty: false }), [[0, 0], [0, 0]], "case 12");
  });

  Deno.test(`MONAI ${M} test_nans: case 3`, () => {
    const t = table(C3.y, C3.yPred);
    assert.deepEqual(t.map((r) => r.map(Number.isNaN)), [[false, true, true], [
      false,
      false,
      true,
    ]]);
  });

  Deno.test(`MONAI ${M} test_nans_class: cases 4 to 8`, () => {
    const run = (y: Batch, o: MonaiMetricOptions) =>
      monaiMetric(stats(y, P4), { metric, ...o }).value;
    close(run(Y4, { reduction: "mean_batch" }), want[4], "case 4");
    close(run(Y4, { reduction: "mean" }), want[5], "case 5");
    close(run(Y6, { reduction: "sum_batch" }), want[6], "case 6");
    close(run(Y6, { reduction: "mean" }), want[7], "case 7");
    close(run(Y6, { reduction: "sum_batch", includeBackground: false }), want[8], "case 8");
  });
}

Deno.test("MONAI test_compute_meandice.py return_with_label: cases 13, 14, 15", () => {
  // aggregate() returns {label: round(value, 4)} for mean_batch
  const labelled = (keys: string[], includeBackground: boolean) => {
    const v = monaiMetric(stats(Y4, P4), {
      metric: "dice",
      reduction: "mean_batch",
      includeBackground,
    })
      .value as number[];
    return Object.fromEntries(keys.map((k, i) => [k, Math.round(v[i] * 1e4) / 1e4]));
  };
  assert.deepEqual(labelled(["bg", "fg0", "fg1"], true), { bg: 0.6786, fg0: 0.4, fg1: 0.6667 });
  assert.deepEqual(labelled(["label_0", "label_1", "label_2"], true), {
    label_0: 0.6786,
    label_1: 0.4,
    label_2: 0.6667,
  });
  assert.deepEqual(labelled(["label_1", "label_2"], false), { label_1: 0.4, label_2: 0.6667 });
});

Deno.test("MONAI test_compute_meandice.py test_helper: DiceHelper on case 3", () => {
  // DiceHelper(threshold=True): y_pred > 0.5 (the 0/1 masks themselves), background kept,
  // mean_batch with not_nans
  const r = monaiMetric(stats(C3.y, C3.yPred), { metric: "dice", reduction: "mean_batch" });
  close(r.value, [0, 0, 0], "threshold=True");
  assert.deepEqual([...(r.notNans as number[])].sort(), [0, 1, 2]);
  // DiceHelper(apply_argmax=True): argmax over channels (first maximum), background dropped
  const argmaxMasks = (img: number[][][]) => {
    const P = img[0].flat().length;
    const labels = Array.from({ length: P }, (_, p) => {
      let best = 0;
      img.forEach((ch, c) => {
        if (ch.flat()[p] > img[best].flat()[p]) best = c;
      });
      return best;
    });
    return oneHot(labels, img.length);
  };
  const s = new MultilabelStats(3);
  C3.y.forEach((img, i) => s.addImageMasks(img.flat(2), argmaxMasks(C3.yPred[i])));
  const a = monaiMetric(s, { metric: "dice", reduction: "mean_batch", includeBackground: false });
  close(a.value, [0, 0], "apply_argmax=True");
  // the same argmax given as single-channel class indices with num_classes=3, threshold=True
  // (background kept): one-hot of the indices again
  close(
    monaiMetric(s, { metric: "dice", reduction: "mean_batch" }).value,
    [0, 0, 0],
    "num_classes",
  );
});
