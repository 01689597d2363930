import assert from "node:assert/strict";
import {
  ConfusionMatrix,
  sklearnConfusionMatrix,
  SklearnError,
  sklearnJaccardPerClass,
  sklearnJaccardScore,
  sklearnLabelsSeen,
} from "../../mod.ts";
import { near6, TOY_IMAGES, TOY_TABLE, toyStats } from "./toy.ts";

const range = (n: number) => Array.from({ length: n }, (_, k) => k);

Deno.test("sklearn jaccard_score reproduces the worked example's rows run with real sklearn", () => {
  const cm = toyStats().confusionMatrix;
  assert.ok(near6(sklearnJaccardScore(cm, { average: "macro" }), TOY_TABLE.datasetMacroExcluded));
  assert.ok(
    near6(
      sklearnJaccardScore(cm, { average: "macro", labels: range(5) }),
      TOY_TABLE.datasetMacroAbsentZero,
    ),
  );
  assert.ok(
    near6(
      sklearnJaccardScore(cm, { average: "macro", labels: range(5), zeroDivision: 1 }),
      TOY_TABLE.datasetMacroAbsentOne,
    ),
  );
  assert.ok(near6(sklearnJaccardScore(cm, { average: "micro" }), TOY_TABLE.micro));
  assert.ok(near6(sklearnJaccardScore(cm, { average: "weighted" }), TOY_TABLE.weighted));
});

Deno.test("sklearn: the 255 pitfall (void label not masked) is one more class", () => {
  const cm = new ConfusionMatrix(256);
  for (const im of TOY_IMAGES) cm.update(im.true, im.pred);
  assert.ok(
    near6(
      sklearnJaccardScore(cm, { average: "macro", labels: range(5) }),
      TOY_TABLE.sklearnUnmasked255,
    ),
  );
  // Default labels now include 255 (IoU 0): {0, 1, 2, 3, 255}.
  const per = sklearnJaccardPerClass(cm);
  assert.equal(per.length, 5);
  assert.equal(per[4], 0);
});

Deno.test("sklearn: labels= keeps pixels (jaccard) but confusion_matrix drops them", () => {
  // Verified with real sklearn (docs/libraries.md, scikit-learn): pred = 255 at GT = 0 → IoU_0 = 0.5 via jaccard_score, 1.0 via CM.
  const cm = new ConfusionMatrix(256).update([0, 0, 1], [0, 255, 1]);
  assert.deepEqual(sklearnJaccardPerClass(cm, { labels: [0, 1] }), [0.5, 1]);
  const sub = sklearnConfusionMatrix(cm, [0, 1]);
  assert.deepEqual(sub, [[1, 0], [0, 1]]);
  const tp = sub[0][0];
  const den = sub[0][0] + sub[0][1] + sub[1][0];
  assert.equal(tp / den, 1);
});

Deno.test("sklearn binary average and zero_division", () => {
  const cm = new ConfusionMatrix(2).update([0, 1, 1, 0, 1, 0], [1, 1, 0, 0, 1, 0]);
  assert.equal(sklearnJaccardScore(cm), 2 / 4); // class 1: tp 2, fp 1, fn 1
  assert.equal(sklearnJaccardScore(cm, { posLabel: 0 }), 2 / 4);
  const zeros = new ConfusionMatrix(2).update([0, 0], [0, 0]);
  assert.equal(sklearnJaccardScore(zeros), 0);
  assert.equal(sklearnJaccardScore(zeros, { zeroDivision: 1 }), 1);
  assert.throws(
    () => sklearnJaccardScore(toyStats().confusionMatrix),
    sklearnError("ValueError", MULTICLASS_BINARY),
  );
  // Out-of-range predictions kept as "missed" hide their label value.
  const missed = new ConfusionMatrix(3, { outOfRange: "miss" }).update([0, 1], [0, 7]);
  assert.throws(() => sklearnJaccardScore(missed, { average: "macro" }), /label set/);
  assert.equal(sklearnJaccardScore(missed, { average: "macro", labels: [0, 1] }), 1 / 2);
});

// The values and messages below were printed by real scikit-learn 1.9.1 (.venv-oracle) on the
// same arrays; golden/peers/peers-sklearn-1.9.1.json replays the same cases on generated data.
const EMPTY = "Found empty input array (e.g., `y_true` or `y_pred`) while a minimum of 1 sample " +
  "is required.";
const MULTICLASS_BINARY = "Target is multiclass but average='binary'. Please choose another " +
  "average setting, one of [None, 'micro', 'macro', 'weighted'].";

/** Matches a SklearnError of this class and exact message (for assert.throws). */
function sklearnError(errorClass: string, message: string) {
  return (e: unknown) => {
    assert.ok(e instanceof SklearnError, `expected a SklearnError, got ${e}`);
    assert.deepEqual(e.toJSON(), { library: "scikit-learn", errorClass, message });
    return true;
  };
}

// y_true = [0, 0, 1, 1, 2], y_pred = [0, 1, 1, 2, 2]
const small = () => new ConfusionMatrix(3).update([0, 0, 1, 1, 2], [0, 1, 1, 2, 2]);

Deno.test("sklearn: labels=[] scores nothing (NaN macro, zero_division micro), no error", () => {
  const cm = small();
  assert.deepEqual(sklearnJaccardPerClass(cm, { labels: [] }), []);
  assert.ok(Number.isNaN(sklearnJaccardScore(cm, { average: "macro", labels: [] })));
  assert.ok(Number.isNaN(sklearnJaccardScore(cm, { average: "weighted", labels: [] })));
  assert.equal(sklearnJaccardScore(cm, { average: "micro", labels: [], zeroDivision: 0 }), 0);
  assert.equal(sklearnJaccardScore(cm, { average: "micro", labels: [], zeroDivision: 1 }), 1);
  // ...but confusion_matrix(labels=[]) raises.
  assert.throws(
    () => sklearnConfusionMatrix(cm, []),
    sklearnError("ValueError", "'labels' should contain at least one label."),
  );
});

Deno.test("sklearn: labels none of which occurs score zero_division; confusion_matrix raises", () => {
  const cm = small();
  assert.deepEqual(sklearnJaccardPerClass(cm, { labels: [7, 8], zeroDivision: 1 }), [1, 1]);
  assert.equal(sklearnJaccardScore(cm, { average: "macro", labels: [7, 8] }), 0);
  // Absent too: a label below 0 or not an integer (1.9.1: labels=[-1, 0] macro 0.25, [0.5] 0).
  assert.equal(sklearnJaccardScore(cm, { average: "macro", labels: [-1, 0] }), 0.25);
  assert.equal(sklearnJaccardScore(cm, { average: "macro", labels: [0.5], zeroDivision: 1 }), 1);
  assert.equal(
    sklearnJaccardScore(cm, { average: "weighted", labels: [7, 8], zeroDivision: 1 }),
    1,
  );
  assert.throws(
    () => sklearnConfusionMatrix(cm, [7, 8]),
    sklearnError("ValueError", "At least one label specified must be in y_true"),
  );
  // Only y_true counts for that check: label 2 here is predicted, never true.
  const predOnly = new ConfusionMatrix(3).update([0, 1], [2, 2]);
  assert.throws(() => sklearnConfusionMatrix(predOnly, [2]), /must be in y_true/);
  assert.deepEqual(sklearnConfusionMatrix(predOnly, [2, 1]), [[0, 0], [1, 0]]);
});

Deno.test("sklearn: a repeated label scores at each place; confusion_matrix keeps its last", () => {
  const cm = small();
  assert.deepEqual(sklearnJaccardPerClass(cm, { labels: [0, 0, 1] }), [0.5, 0.5, 1 / 3]);
  assert.equal(sklearnJaccardScore(cm, { average: "micro", labels: [0, 0, 1] }), 3 / 7);
  assert.equal(
    sklearnJaccardScore(cm, { average: "macro", labels: [0, 0, 1] }),
    0.4444444444444444,
  );
  assert.deepEqual(sklearnConfusionMatrix(cm, [0, 0, 1]), [[0, 0, 0], [0, 1, 1], [0, 0, 1]]);
});

Deno.test("sklearn: an input left empty (masked) raises like scikit-learn", () => {
  const masked = new ConfusionMatrix(3, { ignoreIndex: 255 }).update([255, 255], [0, 1]);
  for (const average of ["macro", "micro", "weighted", "binary", "samples"] as const) {
    assert.throws(
      () => sklearnJaccardScore(masked, { average }),
      sklearnError("ValueError", EMPTY),
    );
  }
  assert.throws(() => sklearnJaccardPerClass(masked), sklearnError("ValueError", EMPTY));
  assert.throws(() => sklearnConfusionMatrix(masked, [0, 1]), sklearnError("ValueError", EMPTY));
});

Deno.test("sklearn: a label seen only on weight-0 pixels stays in the label set", () => {
  // y_true = [0, 1, 1, 0, 2], y_pred = [0, 1, 0, 0, 2], weights [1, 1, 1, 1, 0]: label 2 has
  // weight 0 only, yet sklearn scores it (IoU 0) and calls the target multiclass.
  const yTrue = [0, 1, 1, 0, 2];
  const yPred = [0, 1, 0, 0, 2];
  const cm = new ConfusionMatrix(3).update(yTrue, yPred, [1, 1, 1, 1, 0]);
  const labelsSeen = sklearnLabelsSeen(yTrue, yPred);
  assert.deepEqual(sklearnJaccardPerClass(cm, { labelsSeen }), [2 / 3, 0.5, 0]);
  assert.equal(sklearnJaccardScore(cm, { average: "macro", labelsSeen }), 0.38888888888888884);
  assert.equal(sklearnJaccardScore(cm, { average: "weighted", labelsSeen }), 0.5833333333333333);
  assert.equal(sklearnJaccardScore(cm, { average: "micro", labelsSeen }), 0.6);
  assert.throws(
    () => sklearnJaccardScore(cm, { labelsSeen }),
    sklearnError("ValueError", MULTICLASS_BINARY),
  );
  assert.deepEqual(sklearnConfusionMatrix(cm, undefined, { labelsSeen }), [
    [2, 0, 0],
    [1, 1, 0],
    [0, 0, 0],
  ]);
  // labelsSeen must cover what the matrix counts (here true 1 predicted as 1).
  assert.throws(
    () => sklearnJaccardPerClass(cm, { labelsSeen: { yTrue: [0, 2], yPred: [0, 1, 2] } }),
    /Expected labelsSeen.yTrue to hold 1/,
  );
  // The matrix alone cannot see label 2: the macro then leaves it out.
  assert.equal(sklearnJaccardScore(cm, { average: "macro" }), (2 / 3 + 0.5) / 2);
});

Deno.test("sklearn: all weights 0, average='samples' and pos_label errors", () => {
  const yTrue = [0, 0, 1, 1, 2];
  const yPred = [0, 1, 1, 2, 2];
  const zero = new ConfusionMatrix(3).update(yTrue, yPred, [0, 0, 0, 0, 0]);
  const labelsSeen = sklearnLabelsSeen(yTrue, yPred);
  const weights = sklearnError(
    "ValueError",
    "Sample weights must contain at least one non-zero number.",
  );
  assert.throws(() => sklearnJaccardScore(zero, { average: "macro", labelsSeen }), weights);
  assert.throws(() => sklearnJaccardPerClass(zero, { labelsSeen }), weights);
  assert.throws(() => sklearnConfusionMatrix(zero, undefined, { labelsSeen }), weights);
  // average="binary" checks the target first, the weights after (the order sklearn raises in).
  assert.throws(
    () => sklearnJaccardScore(zero, { labelsSeen }),
    sklearnError("ValueError", MULTICLASS_BINARY),
  );
  assert.throws(
    () => sklearnJaccardScore(small(), { average: "samples" }),
    sklearnError(
      "ValueError",
      "Samplewise metrics are not available outside of multilabel classification.",
    ),
  );
  // Parameters are validated first, average before zero_division (messages printed by 1.9.1).
  assert.throws(
    () => sklearnJaccardScore(small(), { zeroDivision: 0.5 as 0 }),
    sklearnError(
      "InvalidParameterError",
      "The 'zero_division' parameter of jaccard_score must be a float among {0, 1} or a str " +
        "among {'warn'}. Got 0.5 instead.",
    ),
  );
  const twoLabels = new ConfusionMatrix(3).update([0, 2], [0, 2]);
  assert.throws(
    () => sklearnJaccardScore(twoLabels, { posLabel: 1 }),
    sklearnError("ValueError", "pos_label=1 is not a valid label. It should be one of [0 2]"),
  );
  // NumPy right-aligns the entries (printed by scikit-learn 1.9.1 for y = [0, 255, 255]).
  const wide = new ConfusionMatrix(256).update([0, 255, 255], [0, 255, 0]);
  assert.throws(
    () => sklearnJaccardScore(wide, { posLabel: 1 }),
    sklearnError("ValueError", "pos_label=1 is not a valid label. It should be one of [  0 255]"),
  );
});
