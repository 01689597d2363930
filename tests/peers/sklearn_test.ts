import assert from "node:assert/strict";
import {
  ConfusionMatrix,
  sklearnConfusionMatrix,
  sklearnJaccardPerClass,
  sklearnJaccardScore,
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
  assert.throws(() => sklearnJaccardScore(toyStats().confusionMatrix), /binary data/);
  // Out-of-range predictions kept as "missed" hide their label value.
  const missed = new ConfusionMatrix(3, { outOfRange: "miss" }).update([0, 1], [0, 7]);
  assert.throws(() => sklearnJaccardScore(missed, { average: "macro" }), /label set/);
  assert.equal(sklearnJaccardScore(missed, { average: "macro", labels: [0, 1] }), 1 / 2);
});
