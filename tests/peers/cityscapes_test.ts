import assert from "node:assert/strict";
import {
  CITYSCAPES_CATEGORIES,
  CITYSCAPES_EVAL_LABELS,
  CITYSCAPES_LABELS,
  cityscapesCategoryInstanceIoU,
  cityscapesCategoryIoU,
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
    { labelId: 26, size: 4, tp: 3, categoryTp: 3 },
    { labelId: 26, size: 2, tp: 0, categoryTp: 0 },
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

Deno.test("Cityscapes categories: merged labels, ignored labels as misses, caravan in vehicle iIoU", () => {
  assert.equal(CITYSCAPES_LABELS.filter((l) => !l.ignoreInEval).length, 19);
  assert.deepEqual(
    CITYSCAPES_LABELS.filter((l) => !l.ignoreInEval).map((l) => l.id),
    [...CITYSCAPES_EVAL_LABELS],
  );
  assert.equal(CITYSCAPES_CATEGORIES.length, 8);
  // One image: a car instance of 6 px (26001): 2 car, 1 truck, 1 caravan (29, ignored label of
  // vehicle), 2 road. Road (7) 4 px: 3 road, 1 caravan. Sky (23) 2 px predicted car.
  const ids = [26001, 26001, 26001, 26001, 26001, 26001, 7, 7, 7, 7, 23, 23];
  const pred = [26, 26, 27, 29, 7, 7, 7, 7, 7, 29, 26, 26];
  const gt = ids.map((v) => v > 1000 ? Math.floor(v / 1000) : v);
  const cm = new ConfusionMatrix(34).update(gt, pred);
  const cat = cityscapesCategoryIoU(cm);
  // vehicle IoU (labels 26-28, 31-33): TP 3 (car, truck), FN 3 (caravan, 2 road), FP 2 (sky as car)
  assert.equal(cat.vehicle, 3 / 8);
  // flat: TP 3, FN 1 (caravan), FP 2 (car pixels as road) → 3 / 6; sky: 0 / 2.
  assert.equal(cat.flat, 3 / 6);
  assert.equal(cat.sky, 0);
  assert.ok(Number.isNaN(cat.void) && Number.isNaN(cat.human));
  const inst = cityscapesInstances(ids, pred);
  assert.deepEqual(inst, [{ labelId: 26, size: 6, tp: 2, categoryTp: 4 }]);
  // vehicle iIoU takes caravan as a hit: w = avg/6, wTP = 4w, wFN = 2w; FP = 2 sky + 1 road (29).
  const w = 12794.0202738185 / 6;
  const iiou = cityscapesCategoryInstanceIoU(cm, inst);
  assert.equal(iiou.vehicle, (4 * w) / (4 * w + 3 + 2 * w));
  assert.ok(Number.isNaN(iiou.human)); // no human instances, no human FP
  assert.ok(Number.isNaN(iiou.flat)); // flat has no instance score
  assert.throws(
    () => cityscapesCategoryInstanceIoU(cm, [{ labelId: 26, size: 6, tp: 2 }]),
    /categoryTp undefined/,
  );
  assert.throws(() => cityscapesCategoryIoU(new ConfusionMatrix(20)), /numClasses >= 34/);
});
