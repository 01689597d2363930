import assert from "node:assert/strict";
import { MultilabelStats } from "../../lib/core/multilabel_stats.ts";
import { SklearnError, type SklearnWarning } from "../../lib/peers/sklearn.ts";
import {
  sklearnMultilabelJaccard,
  sklearnMultilabelJaccardRows,
} from "../../lib/peers/sklearn_multilabel.ts";

// rows = pixels: [1,0,1], [0,1,1], [0,0,0], [1,1,0] against [1,1,0], [0,1,1], [0,0,0], [0,1,0]
const yTrue = [1, 0, 1, 0, 1, 1, 0, 0, 0, 1, 1, 0];
const yPred = [1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 1, 0];
// per label: 0: tp 1, fn 1 -> 1/2; 1: tp 2, fp 1 -> 2/3; 2: tp 1, fn 1 -> 1/2
// per row: 1/3, 1, 0/0, 1/2

Deno.test("sklearn multilabel jaccard_score by hand, rows = pixels", () => {
  const run = (o: Parameters<typeof sklearnMultilabelJaccardRows>[3]) =>
    sklearnMultilabelJaccardRows(yTrue, yPred, 3, o);
  assert.deepEqual(run({ average: null }), [1 / 2, 2 / 3, 1 / 2]);
  assert.equal(run({ average: "macro" }), (1 / 2 + 2 / 3 + 1 / 2) / 3);
  assert.equal(run({ average: "micro" }), 4 / 7);
  assert.equal(run({ average: "weighted" }), (1 / 2 * 2 + 2 / 3 * 2 + 1 / 2 * 2) / 6);
  assert.equal(run({ average: "samples" }), (1 / 3 + 1 + 0 + 1 / 2) / 4);
  assert.equal(run({ average: "samples", zeroDivision: 1 }), (1 / 3 + 1 + 1 + 1 / 2) / 4);
  assert.deepEqual(run({ average: null, labels: [2, 0] }), [1 / 2, 1 / 2]);
  // samples over labels [1] only: rows 1/1? row0: t0 p1 -> 0; row1: 1; row2: 0/0; row3: 1
  assert.equal(run({ average: "samples", labels: [1] }), (0 + 1 + 0 + 1) / 4);
});

Deno.test("sklearn multilabel: from the state equals from the rows", () => {
  const stats = new MultilabelStats(3);
  const channelFirst = (y: number[]) =>
    [0, 1, 2].flatMap((l) => [0, 1, 2, 3].map((r) => y[r * 3 + l]));
  stats.addImageMasks(channelFirst(yTrue).slice(), channelFirst(yPred));
  for (const average of [null, "micro", "macro", "weighted"] as const) {
    assert.deepEqual(
      sklearnMultilabelJaccard(stats, { average }),
      sklearnMultilabelJaccardRows(yTrue, yPred, 3, { average }),
    );
  }
  assert.throws(() => sklearnMultilabelJaccard(stats, { average: "samples" }), /rows/);
});

Deno.test("sklearn multilabel: warnings and errors as scikit-learn words them", () => {
  const warnings: SklearnWarning[] = [];
  sklearnMultilabelJaccardRows(yTrue, yPred, 3, {
    average: "samples",
    onWarning: (w) => warnings.push(w),
  });
  assert.equal(
    warnings[0].message,
    "Jaccard is ill-defined and being set to 0.0 in samples with no true or predicted labels. " +
      "Use `zero_division` parameter to control this behavior.",
  );
  const err = (o: Parameters<typeof sklearnMultilabelJaccardRows>[3], msg: string) =>
    assert.throws(
      () => sklearnMultilabelJaccardRows(yTrue, yPred, 3, o),
      (e) => e instanceof SklearnError && e.message === msg,
    );
  err(
    { average: "binary" },
    "Target is multilabel-indicator but average='binary'. Please choose another average setting, one of [None, 'micro', 'macro', 'weighted', 'samples'].",
  );
  err(
    { average: "macro", labels: [0, 3] },
    "All labels must be in [0, n labels) for multilabel targets. Got 3 > 2",
  );
  err(
    { average: "macro", labels: [-1, 0] },
    "All labels must be in [0, n labels) for multilabel targets. Got -1 < 0",
  );
  // one column: a binary target to scikit-learn (class 0 and class 1 both 1/3 here)
  const t = [1, 0, 1, 0], p = [1, 1, 0, 0];
  assert.equal(sklearnMultilabelJaccardRows(t, p, 1, { average: "binary" }), 1 / 3);
  assert.equal(sklearnMultilabelJaccardRows(t, p, 1, { average: "macro" }), 1 / 3);
  assert.throws(
    () => sklearnMultilabelJaccardRows(t, p, 1, { average: "samples" }),
    /Samplewise metrics are not available outside of multilabel classification/,
  );
});
