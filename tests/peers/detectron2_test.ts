import assert from "node:assert/strict";
import { ConfusionMatrix, detectron2MeanIoU, detectron2SemSeg } from "../../mod.ts";
import { near6, TOY_TABLE, toyStats } from "./toy.ts";

// detectron2 cannot be installed here: the worked example of docs/libraries.md and hand-worked values.

Deno.test("detectron2 main vs v0.6 on the worked-example toy", () => {
  const cm = toyStats().confusionMatrix;
  assert.ok(near6(detectron2MeanIoU(cm), TOY_TABLE.detectron2Main));
  assert.ok(near6(detectron2MeanIoU(cm, { version: "0.6" }), TOY_TABLE.datasetMacroExcluded));
  const r = detectron2SemSeg(cm);
  assert.ok(near6(r.fwIoU / 100, TOY_TABLE.weighted));
  assert.ok(Number.isNaN(r.perClassIoU[3])); // predicted only: not valid on main
  // pACC: 17 of 21 non-ignored pixels.
  assert.ok(Math.abs(r.pACC - 100 * 17 / 21) < 1e-12);
});

Deno.test("detectron2 rejects out-of-range predictions (argmax never makes them)", () => {
  const cm = new ConfusionMatrix(2, { outOfRange: "miss" }).update([0, 1], [0, 5]);
  assert.throws(() => detectron2MeanIoU(cm), /argmax/);
});
