import assert from "node:assert/strict";
import {
  CITYSCAPES_EVAL_LABELS,
  cityscapesClassIoU,
  cityscapesInstanceIoU,
  cityscapesInstances,
  cityscapesMeanInstanceIoU,
  cityscapesMeanIoU,
  ConfusionMatrix,
} from "../../mod.ts";
import { near6, TOY_IMAGES, TOY_TABLE } from "./toy.ts";

// cityscapesScripts is not installed here: hand-worked values from the script's definitions.

Deno.test("Cityscapes: void predictions are FN, void ground truth makes no FP", () => {
  // Label 0 is void (not evaluated), 1 and 2 are evaluated.
  // GT 1 predicted 0 (void): FN of class 1. GT 0 (void) predicted 2: no FP for class 2.
  const cm = new ConfusionMatrix(3).update([1, 1, 1, 2, 0, 0], [1, 1, 0, 2, 2, 2]);
  assert.deepEqual(cityscapesClassIoU(cm, { evalLabels: [1, 2] }), [NaN, 2 / 3, 1]);
  assert.equal(cityscapesMeanIoU(cm, { evalLabels: [1, 2] }), (2 / 3 + 1) / 2);
});

Deno.test("Cityscapes with every class evaluated is the dataset macro of the worked example", () => {
  const cm = new ConfusionMatrix(256);
  for (const im of TOY_IMAGES) cm.update(im.true, im.pred);
  // 255 is a void label: its ground truth never makes FP, and it is not evaluated.
  assert.ok(
    near6(cityscapesMeanIoU(cm, { evalLabels: [0, 1, 2, 3, 4] }), TOY_TABLE.datasetMacroExcluded),
  );
});

Deno.test("Cityscapes iIoU weighs instances by average size / size", () => {
  const cm = new ConfusionMatrix(34);
  // Car (26): two instances, 10 px fully found and 30 px with 15 found; road (7) predicted car 5 px.
  cm.update(new Array(10).fill(26), new Array(10).fill(26));
  cm.update(new Array(30).fill(26), [...new Array(15).fill(26), ...new Array(15).fill(7)]);
  cm.update(new Array(5).fill(7), new Array(5).fill(26));
  const instances = [{ labelId: 26, size: 10, tp: 10 }, { labelId: 26, size: 30, tp: 15 }];
  const avg = { 26: 20 };
  const iiou = cityscapesInstanceIoU(cm, instances, { avgClassSize: avg });
  // w = 2 and 2/3: wTP = 20 + 10 = 30, wFN = 0 + 10 = 10, FP = 5 → 30 / 45.
  assert.equal(iiou[26], 30 / (30 + 5 + 10));
  assert.ok(Number.isNaN(iiou[7])); // road has no instances
  assert.equal(cityscapesMeanInstanceIoU(cm, instances, { avgClassSize: avg }), 30 / 45);
  // Plain class IoU of car: 25 / (25 + 5 + 15).
  assert.equal(cityscapesClassIoU(cm)[26], 25 / 45);
  assert.equal(CITYSCAPES_EVAL_LABELS.length, 19);
  assert.throws(() => cityscapesClassIoU(new ConfusionMatrix(5)), /numClasses 34/);
});

Deno.test("Cityscapes instances from an instance-id map feed iIoU", () => {
  // Image: car 26001 (4 px, 3 found), car 26002 (2 px, none found), rider without instance id
  // (25, not an instance), road 7 predicted car on 1 px.
  const ids = [26001, 26001, 26001, 26001, 26002, 26002, 25, 7, 7];
  const pred = [26, 26, 26, 7, 7, 7, 25, 26, 7];
  const instances = cityscapesInstances(ids, pred);
  assert.deepEqual(instances, [
    { labelId: 26, size: 4, tp: 3 },
    { labelId: 26, size: 2, tp: 0 },
  ]);
  const cm = new ConfusionMatrix(34).update(
    ids.map((v) => v >= 1000 ? Math.floor(v / 1000) : v),
    pred,
  );
  const a = 12794.0202738185;
  const wTP = 3 * (a / 4);
  const wFN = 1 * (a / 4) + 2 * (a / 2);
  assert.equal(cityscapesInstanceIoU(cm, instances)[26], wTP / (wTP + 1 + wFN));
  assert.throws(() => cityscapesInstances([1], []), /same length/);
});
