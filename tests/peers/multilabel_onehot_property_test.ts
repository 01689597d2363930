/**
 * A one-hot encoding of a multiclass label map, counted as multilabel masks, gives the numbers
 * of the multiclass profiles wherever the two definitions coincide:
 * - torchmetrics `segmentation.MeanIoU`: one-hot and index input are the same computation;
 * - scikit-learn `jaccard_score(labels=range(C))`: multiclass and multilabel-indicator both
 *   score one-vs-rest per label (None, micro, macro, weighted);
 * - torchmetrics `MultilabelJaccardIndex` vs `MulticlassJaccardIndex`: per label, micro and
 *   weighted always (counts below 2^24); macro only when every class occurs (multiclass macro
 *   leaves absent classes out since 1.0, multilabel macro averages them in).
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import type { ConfusionMatrix } from "../../lib/core/confusion_matrix.ts";
import { oneHot } from "../../lib/core/multilabel_inputs.ts";
import { MultilabelStats } from "../../lib/core/multilabel_stats.ts";
import { SegmentationStats } from "../../lib/core/segmentation_stats.ts";
import {
  torchmetricsJaccardIndex,
  torchmetricsJaccardPerClass,
} from "../../lib/peers/torchmetrics.ts";
import {
  torchmetricsMeanIoU,
  torchmetricsMeanIoUPerClass,
} from "../../lib/peers/torchmetrics_meaniou.ts";
import {
  torchmetricsMultilabelJaccard,
  torchmetricsMultilabelJaccardPerLabelOf,
} from "../../lib/peers/torchmetrics_multilabel.ts";
import {
  torchmetricsOneHotMeanIoU,
  torchmetricsOneHotMeanIoUPerClass,
} from "../../lib/peers/torchmetrics_onehot.ts";
import { sklearnJaccardPerClass, sklearnJaccardScore } from "../../lib/peers/sklearn.ts";
import { sklearnMultilabelJaccard } from "../../lib/peers/sklearn_multilabel.ts";

const dataset = fc.integer({ min: 2, max: 5 }).chain((C) =>
  fc.record({
    C: fc.constant(C),
    images: fc.array(
      fc.integer({ min: 1, max: 10 }).chain((P) =>
        fc.tuple(
          fc.array(fc.integer({ min: 0, max: C - 1 }), { minLength: P, maxLength: P }),
          fc.array(fc.integer({ min: 0, max: C - 1 }), { minLength: P, maxLength: P }),
        )
      ),
      { minLength: 1, maxLength: 5 },
    ),
    batch: fc.integer({ min: 1, max: 3 }),
  })
);

function states(C: number, images: [number[], number[]][]) {
  const seg = new SegmentationStats(C);
  const ml = new MultilabelStats(C);
  for (const [t, p] of images) {
    seg.addImage(t, p);
    ml.addImageMasks(oneHot(t, C), oneHot(p, C));
  }
  return { seg, ml };
}

const same = (a: number, b: number) => Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));

Deno.test("one-hot masks agree with index input: torchmetrics segmentation.MeanIoU", () => {
  fc.assert(
    fc.property(dataset, fc.boolean(), fc.constantFrom<"1.8" | "1.5">("1.8", "1.5"), (
      {
        C,
        images,
        batch,
      },
      bg,
      version,
    ) => {
      const { seg, ml } = states(C, images);
      const o = { batches: batch, includeBackground: bg, version };
      assert.ok(same(torchmetricsOneHotMeanIoU(ml, o), torchmetricsMeanIoU(seg, o)));
      assert.deepEqual(
        torchmetricsOneHotMeanIoUPerClass(ml, o),
        torchmetricsMeanIoUPerClass(seg, o),
      );
      // fromSegmentationStats is the same state as counting the one-hot masks
      const from = MultilabelStats.fromSegmentationStats(seg);
      assert.ok(same(torchmetricsOneHotMeanIoU(from, o), torchmetricsOneHotMeanIoU(ml, o)));
    }),
    { numRuns: 300 },
  );
});

Deno.test("one-hot masks agree with multiclass labels: scikit-learn jaccard_score", () => {
  fc.assert(
    fc.property(dataset, fc.constantFrom<0 | 1 | "warn">(0, 1, "warn"), ({ C, images }, zd) => {
      const { seg, ml } = states(C, images);
      const cm: ConfusionMatrix = seg.confusionMatrix;
      const labels = Array.from({ length: C }, (_, c) => c);
      assert.deepEqual(
        sklearnMultilabelJaccard(ml, { average: null, zeroDivision: zd }),
        sklearnJaccardPerClass(cm, { labels, zeroDivision: zd }),
      );
      for (const average of ["micro", "macro", "weighted"] as const) {
        assert.equal(
          sklearnMultilabelJaccard(ml, { average, zeroDivision: zd }),
          sklearnJaccardScore(cm, { average, labels, zeroDivision: zd }),
          average,
        );
      }
    }),
    { numRuns: 300 },
  );
});

Deno.test("one-hot masks agree with multiclass labels: torchmetrics Multilabel vs Multiclass JaccardIndex", () => {
  fc.assert(
    fc.property(dataset, fc.constantFrom(0, 1), ({ C, images }, zd) => {
      const { seg, ml } = states(C, images);
      const cm = seg.confusionMatrix;
      const o = { zeroDivision: zd };
      assert.deepEqual(
        torchmetricsMultilabelJaccardPerLabelOf(ml, o),
        torchmetricsJaccardPerClass(cm, o),
      );
      for (const average of ["micro", "weighted"] as const) {
        assert.equal(
          torchmetricsMultilabelJaccard(ml, { ...o, average }),
          torchmetricsJaccardIndex(cm, { ...o, average }),
        );
      }
      const t = ml.totals();
      const allPresent = t.tp.every((v, c) => v + t.fp[c] + t.fn[c] > 0);
      const macroML = torchmetricsMultilabelJaccard(ml, o);
      const macroMC = torchmetricsJaccardIndex(cm, o);
      if (allPresent) assert.equal(macroML, macroMC);
    }),
    { numRuns: 300 },
  );
});
