import assert from "node:assert/strict";
import { MultilabelStats } from "../../lib/core/multilabel_stats.ts";
import {
  torchmetricsBinaryJaccard,
  torchmetricsCheckArgs,
  TorchmetricsError,
  torchmetricsMultilabelJaccard,
  torchmetricsMultilabelJaccardPerLabelOf,
  torchmetricsMultilabelUpdate,
} from "../../lib/peers/torchmetrics_multilabel.ts";
import {
  torchmetricsOneHotMeanIoU,
  torchmetricsOneHotMeanIoUPerClass,
} from "../../lib/peers/torchmetrics_onehot.ts";

const f = Math.fround;

Deno.test("torchmetrics update: sigmoid only when a value of the batch is outside [0, 1]", () => {
  // 0.3 alone stays 0.3 (not > 0.5); beside a logit 2.0 the batch is sigmoided: 0.574 > 0.5
  const a = torchmetricsMultilabelUpdate(new MultilabelStats(1), [0.3, 1], [1, 1], {
    task: "binary",
  });
  assert.deepEqual(a.image(0), { tp: [1], fp: [0], fn: [1], tn: [0] });
  const b = torchmetricsMultilabelUpdate(new MultilabelStats(1), [0.3, 2], [1, 1], {
    task: "binary",
  });
  assert.deepEqual(b.image(0), { tp: [2], fp: [0], fn: [0], tn: [0] });
  // strict >, in float32: 0.5 is not positive; float32(0.3) is not above threshold 0.3
  const c = torchmetricsMultilabelUpdate(new MultilabelStats(1), [0.5, f(0.3)], [1, 1], {
    task: "binary",
    threshold: 0.3,
  });
  assert.deepEqual(c.image(0).tp, [1]);
});

Deno.test("torchmetrics update: element-wise ignore_index, images per batch, errors", () => {
  // 2 images x 2 labels x 2 pixels; target -1 leaves that element out of its label only
  const s = torchmetricsMultilabelUpdate(
    new MultilabelStats(2),
    [1, 0, 1, 1, /* image 1 */ 0, 0, 1, 0],
    [1, -1, 0, 1, /* image 1 */ 1, 0, -1, -1],
    { images: 2, ignoreIndex: -1, predsFloat: false },
  );
  assert.deepEqual(s.image(0), { tp: [1, 1], fp: [0, 1], fn: [0, 0], tn: [0, 0] });
  assert.deepEqual(s.image(1), { tp: [0, 0], fp: [0, 0], fn: [1, 0], tn: [1, 0] });
  const err = (fn: () => unknown, cls: string, msg: string) =>
    assert.throws(
      fn,
      (e) => e instanceof TorchmetricsError && e.errorClass === cls && e.message === msg,
    );
  err(
    () => torchmetricsMultilabelUpdate(new MultilabelStats(2), [0, 1], [0, 2]),
    "RuntimeError",
    "Detected the following values in `target`: tensor([0, 2]) but expected only the following values [0, 1].",
  );
  err(
    () =>
      torchmetricsMultilabelUpdate(new MultilabelStats(2), [0, 3], [0, 1], { predsFloat: false }),
    "RuntimeError",
    "Detected the following values in `preds`: tensor([0, 3]) but expected only the following values [0,1] since preds is a label tensor.",
  );
  err(
    () => torchmetricsCheckArgs({ task: "multiclass", numClasses: 1 }),
    "ValueError",
    "Expected argument `num_classes` to be an integer larger than 1, but got 1",
  );
  err(
    () => torchmetricsCheckArgs({ task: "binary", threshold: 2 }),
    "ValueError",
    "Expected argument `threshold` to be a float in the [0,1] range, but got 2.",
  );
});

Deno.test("torchmetrics MultilabelJaccardIndex: module and functional, by hand", () => {
  // per label IoU 1/2, 1, 1/4 (denominators 2, 2, 4)
  const s = new MultilabelStats(3).addImageCounts({
    tp: [1, 2, 1],
    fp: [1, 0, 1],
    fn: [0, 0, 2],
    tn: [5, 5, 5],
  });
  assert.deepEqual(torchmetricsMultilabelJaccardPerLabelOf(s), [0.5, 1, 0.25]);
  assert.equal(torchmetricsMultilabelJaccard(s), f(f(f(0.5 / 3) + f(1 / 3)) + f(0.25 / 3)));
  assert.equal(torchmetricsMultilabelJaccard(s, { average: "micro" }), 0.5); // 4 / 8
  // weights tp + fn = 1, 2, 3: (0.5 + 2 + 0.75) / 6
  assert.ok(Math.abs(torchmetricsMultilabelJaccard(s, { average: "weighted" }) - 3.25 / 6) < 1e-7);
  // the module never receives ignore_index; the functional form drops label 0
  assert.equal(
    torchmetricsMultilabelJaccard(s, { ignoreIndex: 0 }),
    torchmetricsMultilabelJaccard(s),
  );
  assert.equal(torchmetricsMultilabelJaccard(s, { ignoreIndex: 0, functional: true }), 0.625);
  // micro: the numerator keeps label 0's TP, the denominator loses its 2: 4 / 6
  assert.equal(
    torchmetricsMultilabelJaccard(s, { average: "micro", ignoreIndex: 0, functional: true }),
    f(4 / 6),
  );
});

Deno.test("torchmetrics BinaryJaccardIndex adds (FP + FN) + TP: differs from TP + FP + FN past 2^24", () => {
  const s = new MultilabelStats(1).addImageCounts({ tp: [2 ** 24], fp: [1], fn: [1], tn: [0] });
  assert.equal(torchmetricsBinaryJaccard(s), f(2 ** 24 / (2 ** 24 + 2)));
  assert.equal(torchmetricsMultilabelJaccardPerLabelOf(s)[0], 1); // (2^24 + 1 -> 2^24) + 1 -> 2^24
  assert.equal(torchmetricsBinaryJaccard(new MultilabelStats(1)), 0);
  assert.throws(() => torchmetricsBinaryJaccard(new MultilabelStats(2)), /1 class/);
});

Deno.test("torchmetrics one-hot MeanIoU: multi-hot cells, absent cells skipped, -1 per class", () => {
  // image 0: class 0 target {0,1}, pred {0}: 1/2; class 1 target {0}, pred {0}: 1 (pixel 0 in both)
  // image 1: class 0 target {}, pred {}: skipped; class 1 target {1}, pred {0}: 0
  const s = new MultilabelStats(2)
    .addImageMasks([1, 1, 1, 0], [1, 0, 1, 0])
    .addImageMasks([0, 0, 0, 1], [0, 0, 1, 0]);
  assert.equal(torchmetricsOneHotMeanIoU(s), 0.5); // (1/2 + 1 + 0) / 3
  assert.deepEqual(torchmetricsOneHotMeanIoUPerClass(s), [0.5, 0.5]);
  assert.equal(torchmetricsOneHotMeanIoU(s, { includeBackground: false }), 0.5); // (1 + 0) / 2
  assert.equal(torchmetricsOneHotMeanIoU(s, { batches: 1 }), 0.5);
  // 1.5-1.7: absent cells count 0, image means (3/4, 0), then the mean over images
  assert.equal(torchmetricsOneHotMeanIoU(s, { version: "1.5" }), 0.375);
  assert.deepEqual(torchmetricsOneHotMeanIoUPerClass(s, { version: "1.5" }), [0.25, 0.5]);
  // two updates of one image each: the same means, averaged over updates
  assert.equal(torchmetricsOneHotMeanIoU(s, { version: "1.5", batches: 1 }), 0.375);
  const empty = new MultilabelStats(2).addImageMasks([0, 0, 0, 0], [0, 0, 0, 0]);
  assert.ok(Number.isNaN(torchmetricsOneHotMeanIoU(empty)));
  assert.deepEqual(torchmetricsOneHotMeanIoUPerClass(empty), [-1, -1]);
  assert.ok(Number.isNaN(torchmetricsOneHotMeanIoU(new MultilabelStats(1).addImageMasks([1], [1]), {
    includeBackground: false,
  })));
  assert.throws(() => torchmetricsOneHotMeanIoU(s, { numClasses: 0 }), TorchmetricsError);
  assert.throws(() => torchmetricsOneHotMeanIoU(s, { batches: [1] }), /add up to the 2 images/);
});
