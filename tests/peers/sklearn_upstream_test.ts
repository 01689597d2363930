/**
 * Port of scikit-learn 1.9.1's own `jaccard_score` tests
 * (`sklearn/metrics/tests/test_classification.py`: test_jaccard_score_validation,
 * test_multilabel_jaccard_score, test_multiclass_jaccard_score, test_average_binary_jaccard_score,
 * test_jaccard_score_zero_division_warning, test_jaccard_score_zero_division_set_value): the same
 * inputs through the public API, the same expected values, errors and warnings as upstream
 * asserts them (`assert_almost_equal`: 7 decimals; `==`: exact).
 */
import assert from "node:assert/strict";
import {
  ConfusionMatrix,
  SklearnError,
  type SklearnJaccardOptions,
  sklearnJaccardPerClass,
  sklearnJaccardScore,
  sklearnMultilabelJaccardRows,
  type SklearnMultilabelOptions,
  type SklearnWarning,
} from "../../mod.ts";

/** `jaccard_score` on 1-D integer labels (binary or multiclass). */
function jaccard(
  yTrue: number[],
  yPred: number[],
  options: Omit<SklearnJaccardOptions, "average"> & {
    average?: SklearnJaccardOptions["average"] | null;
  } = {},
): number | number[] {
  const cm = new ConfusionMatrix(Math.max(1, ...yTrue, ...yPred) + 1).update(yTrue, yPred);
  const { average, ...rest } = options;
  return average === null
    ? sklearnJaccardPerClass(cm, rest)
    : sklearnJaccardScore(cm, { ...rest, average });
}

/** `jaccard_score` on a dense label indicator matrix (rows = samples). */
function jaccardMultilabel(
  yTrue: number[][],
  yPred: number[][],
  options: SklearnMultilabelOptions = {},
): number | number[] {
  return sklearnMultilabelJaccardRows(yTrue.flat(), yPred.flat(), yTrue[0].length, options);
}

function warningsOf(run: (onWarning: (w: SklearnWarning) => void) => unknown): string[] {
  const out: string[] = [];
  run((w) => out.push(`${w.category}: ${w.message}`));
  return out;
}

function raises(run: () => unknown, pattern: RegExp): void {
  assert.throws(run, (e: unknown) => e instanceof SklearnError && pattern.test(e.message));
}

const almost = (a: unknown, b: number) =>
  assert.ok(Math.abs((a as number) - b) < 1.5e-7, `${a} != ${b}`);

Deno.test("sklearn upstream: test_jaccard_score_validation", () => {
  raises(
    () => jaccard([0, 1, 0, 1, 1], [0, 1, 0, 1, 1], { average: "binary", posLabel: 2 }),
    /^pos_label=2 is not a valid label\. It should be one of \[0 1\]$/,
  );
  raises(
    () => jaccardMultilabel([[0, 1, 1], [1, 0, 0]], [[1, 1, 1], [1, 0, 1]], { average: "binary" }),
    /^Target is multilabel-indicator but average='binary'\. Please choose another average setting, one of \[None, 'micro', 'macro', 'weighted', 'samples'\]\.$/,
  );
  const yTrue = [0, 1, 1, 0, 2];
  const yPred = [1, 1, 1, 1, 0];
  raises(
    () => jaccard(yTrue, yPred, { average: "binary" }),
    /^Target is multiclass but average='binary'\. Please choose another average setting, one of \[None, 'micro', 'macro', 'weighted'\]\.$/,
  );
  raises(
    () => jaccard(yTrue, yPred, { average: "samples" }),
    /^Samplewise metrics are not available outside of multilabel classification\.$/,
  );
  assert.deepEqual(
    warningsOf((onWarning) => jaccard(yTrue, yPred, { average: "micro", posLabel: 3, onWarning })),
    [
      "UserWarning: Note that pos_label (set to 3) is ignored when average != 'binary' (got " +
      "'micro'). You may use labels=[pos_label] to specify a single positive class.",
    ],
  );
});

Deno.test("sklearn upstream: test_multilabel_jaccard_score", () => {
  const y1 = [[0, 1, 1], [1, 0, 1]];
  const y2 = [[0, 0, 1], [1, 0, 1]];
  const not = (y: number[][]) => y.map((r) => r.map((v) => 1 - v));
  const zeros = y1.map((r) => r.map(() => 0));
  const samples = { average: "samples" } as const;
  assert.equal(jaccardMultilabel(y1, y2, samples), 0.75);
  assert.equal(jaccardMultilabel(y1, y1, samples), 1);
  assert.equal(jaccardMultilabel(y2, y2, samples), 1);
  assert.equal(jaccardMultilabel(y2, not(y2), samples), 0);
  assert.equal(jaccardMultilabel(y1, not(y1), samples), 0);
  assert.equal(jaccardMultilabel(y1, zeros, samples), 0);
  assert.equal(jaccardMultilabel(y2, zeros, samples), 0);

  let yTrue = [[0, 1, 1], [1, 0, 0]];
  const yPred = [[1, 1, 1], [1, 0, 1]];
  almost(jaccardMultilabel(yTrue, yPred, { average: "macro" }), 2 / 3);
  almost(jaccardMultilabel(yTrue, yPred, { average: "micro" }), 3 / 5);
  almost(jaccardMultilabel(yTrue, yPred, samples), 7 / 12);
  almost(jaccardMultilabel(yTrue, yPred, { average: "samples", labels: [0, 2] }), 1 / 2);
  almost(jaccardMultilabel(yTrue, yPred, { average: "samples", labels: [1, 2] }), 1 / 2);
  assert.deepEqual(jaccardMultilabel(yTrue, yPred, { average: null }), [1 / 2, 1, 1 / 2]);

  yTrue = [[0, 1, 1], [1, 0, 1]];
  almost(jaccardMultilabel(yTrue, yPred, { average: "macro" }), 5 / 6);
  almost(jaccardMultilabel(yTrue, yPred, { average: "weighted" }), 7 / 8);
  raises(() => jaccardMultilabel(yTrue, yPred, { labels: [4], average: "macro" }), /Got 4 > 2/);
  raises(() => jaccardMultilabel(yTrue, yPred, { labels: [-1], average: "macro" }), /Got -1 < 0/);

  let value: unknown;
  assert.deepEqual(
    warningsOf((onWarning) => {
      value = jaccardMultilabel([[0, 1]], [[0, 1]], { average: "macro", onWarning });
    }),
    [
      "UndefinedMetricWarning: Jaccard is ill-defined and being set to 0.0 in labels with no " +
      "true or predicted samples. Use `zero_division` parameter to control this behavior.",
    ],
  );
  assert.equal(value, 0.5);
  assert.deepEqual(
    warningsOf((onWarning) => {
      value = jaccardMultilabel([[0, 0], [1, 1]], [[0, 0], [1, 1]], { ...samples, onWarning });
    }),
    [
      "UndefinedMetricWarning: Jaccard is ill-defined and being set to 0.0 in samples with no " +
      "true or predicted labels. Use `zero_division` parameter to control this behavior.",
    ],
  );
  assert.equal(value, 0.5);
});

Deno.test("sklearn upstream: test_multiclass_jaccard_score", () => {
  // String labels as integers in scikit-learn's sorted order (ant < bird < cat), which is all
  // jaccard_score reads of them; LabelBinarizer gives one indicator column per label, in order.
  const code = { ant: 0, bird: 1, cat: 2 } as const;
  type Name = keyof typeof code;
  const yTrue = (["ant", "ant", "cat", "cat", "ant", "cat", "bird", "bird"] as Name[]).map((n) =>
    code[n]
  );
  const yPred = (["cat", "ant", "cat", "cat", "ant", "bird", "bird", "cat"] as Name[]).map((n) =>
    code[n]
  );
  const binarize = (y: number[]) => y.map((v) => [0, 1, 2].map((l) => (l === v ? 1 : 0)));
  const multiLabels: (Name[] | undefined)[] = [
    ["ant", "bird"],
    ["ant", "cat"],
    ["cat", "bird"],
    ["ant"],
    ["bird"],
    ["cat"],
    undefined,
  ];
  const warnings: string[] = [];
  const onWarning = (w: SklearnWarning) => warnings.push(w.message);
  for (const average of ["macro", "weighted", "micro", null] as const) {
    for (const names of multiLabels) {
      const labels = names?.map((n) => code[n]);
      const multi = jaccard(yTrue, yPred, { average, labels, onWarning });
      const bin = jaccardMultilabel(binarize(yTrue), binarize(yPred), {
        average,
        labels,
        onWarning,
      });
      if (Array.isArray(multi)) {
        (multi as number[]).forEach((m, i) => almost(m, (bin as number[])[i]));
      } else almost(multi, bin as number);
    }
  }
  assert.deepEqual(warnings, []); // upstream turns UndefinedMetricWarning into an error here
  // Upstream computes (without asserting) a weighted score on all-zero indicators: no error.
  const zeros = [[0, 0], [0, 0], [0, 0]];
  assert.equal(jaccardMultilabel(zeros, zeros, { average: "weighted" }), 0);
});

Deno.test("sklearn upstream: test_average_binary_jaccard_score", () => {
  const binary = { average: "binary" } as const;
  assert.equal(jaccard([1], [0], binary), 0);
  let value: unknown;
  assert.deepEqual(
    warningsOf((onWarning) => {
      value = jaccard([0, 0], [0, 0], { ...binary, onWarning });
    }),
    [
      "UndefinedMetricWarning: Jaccard is ill-defined and being set to 0.0 due to no true or " +
      "predicted samples. Use `zero_division` parameter to control this behavior.",
    ],
  );
  assert.equal(value, 0);
  assert.equal(jaccard([0], [0], { ...binary, posLabel: 0 }), 1);
  const yTrue = [1, 0, 1, 1, 0];
  const yPred = [1, 0, 1, 1, 1];
  almost(jaccard(yTrue, yPred, binary), 3 / 4);
  almost(jaccard(yTrue, yPred, { ...binary, posLabel: 0 }), 1 / 2);
});

Deno.test("sklearn upstream: test_jaccard_score_zero_division_warning and _set_value", () => {
  const yTrue = [[1, 0, 1], [0, 0, 0]];
  const yPred = [[0, 0, 0], [0, 0, 0]];
  let value: unknown;
  const warned = warningsOf((onWarning) => {
    value = jaccardMultilabel(yTrue, yPred, {
      average: "samples",
      zeroDivision: "warn",
      onWarning,
    });
  });
  assert.equal(warned.length, 1);
  assert.match(
    warned[0],
    /Jaccard is ill-defined and being set to 0\.0 in samples with no true or predicted labels\. Use `zero_division` parameter to control this behavior\./,
  );
  assert.equal(value, 0);
  for (const [zeroDivision, expected] of [[0, 0], [1, 0.5]] as const) {
    const none = warningsOf((onWarning) => {
      value = jaccardMultilabel(yTrue, yPred, { average: "samples", zeroDivision, onWarning });
    });
    assert.deepEqual(none, []);
    assert.ok(Math.abs((value as number) - expected) <= 1e-6 * expected);
  }
});
