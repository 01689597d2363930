/**
 * Port of torchmetrics 1.9.0's own examples for `BinaryJaccardIndex`, `MulticlassJaccardIndex`
 * and `MultilabelJaccardIndex` (the doctests of `torchmetrics/classification/jaccard.py`, run by
 * its test suite): the same inputs through the public API, the expected values as upstream
 * prints them (4 decimals). The seeded `randint` examples (legacy `JaccardIndex`,
 * `segmentation.MeanIoU`) need torch's generator and are covered by the real-run goldens instead.
 */
import assert from "node:assert/strict";
import {
  argmax,
  ConfusionMatrix,
  thresholdProbabilities,
  torchmetricsBinaryJaccardIndex,
  torchmetricsJaccardIndex,
  torchmetricsMultilabelJaccardIndex,
} from "../../mod.ts";

/** `tensor(0.5000)`: the printed value, 4 decimals. */
const printed = (got: number, want: number) =>
  assert.ok(Math.abs(got - want) <= 5e-5, `${got} prints as ${got.toFixed(4)}, not ${want}`);

/** torchmetrics binarises float predictions with `preds > threshold` (0.5). */
const binarize = (p: number[]) => Array.from(thresholdProbabilities(p, 0.5, { float32: true }));

/** One 2 x 2 matrix per label of row-major `[sample][label]` indicators. */
function perLabel(target: number[][], preds: number[][]): ConfusionMatrix[] {
  return target[0].map((_, l) =>
    new ConfusionMatrix(2).update(target.map((r) => r[l]), preds.map((r) => r[l]))
  );
}

Deno.test("torchmetrics upstream: BinaryJaccardIndex examples", () => {
  const target = [1, 1, 0, 0];
  printed(torchmetricsBinaryJaccardIndex(new ConfusionMatrix(2).update(target, [0, 1, 0, 0])), 0.5);
  const probs = [0.35, 0.85, 0.48, 0.01];
  printed(
    torchmetricsBinaryJaccardIndex(new ConfusionMatrix(2).update(target, binarize(probs))),
    0.5,
  );
});

Deno.test("torchmetrics upstream: MulticlassJaccardIndex examples", () => {
  const target = [2, 1, 0, 0];
  printed(torchmetricsJaccardIndex(new ConfusionMatrix(3).update(target, [2, 1, 0, 1])), 0.6667);
  const probs = [
    [0.16, 0.26, 0.58],
    [0.22, 0.61, 0.17],
    [0.71, 0.09, 0.20],
    [0.05, 0.82, 0.13],
  ];
  const { data: labels } = argmax({ data: probs.flat(), shape: [4, 3] }, -1);
  printed(torchmetricsJaccardIndex(new ConfusionMatrix(3).update(target, labels)), 0.6667);
});

Deno.test("torchmetrics upstream: MultilabelJaccardIndex examples", () => {
  const target = [[0, 1, 0], [1, 0, 1]];
  printed(torchmetricsMultilabelJaccardIndex(perLabel(target, [[0, 0, 1], [1, 0, 1]])), 0.5);
  const probs = [[0.11, 0.22, 0.84], [0.73, 0.33, 0.92]];
  printed(torchmetricsMultilabelJaccardIndex(perLabel(target, probs.map(binarize))), 0.5);
});
