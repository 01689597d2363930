import assert from "node:assert/strict";
import { SegmentationStats, smpIoUPerImageClass, smpIoUScore } from "../../mod.ts";
import { near6, TOY_TABLE, toyStats } from "./toy.ts";

// smp cannot be installed here: these values are worked by hand or come from the independent
// NumPy emulation of the worked example (docs/libraries.md), not from real smp runs.

Deno.test("smp iou_score reproduces the worked example's rows", () => {
  const stats = toyStats();
  assert.ok(near6(smpIoUScore(stats, { reduction: "macro" }), TOY_TABLE.datasetMacroAbsentOne));
  assert.ok(near6(smpIoUScore(stats, { reduction: "micro" }), TOY_TABLE.micro));
  assert.ok(
    near6(smpIoUScore(stats, { reduction: "micro-imagewise" }), TOY_TABLE.smpMicroImagewise),
  );
  assert.ok(near6(smpIoUScore(stats, { reduction: "macro-imagewise" }), TOY_TABLE.monaiKeepEmpty));
  assert.ok(
    near6(
      smpIoUScore(stats, { reduction: "macro", zeroDivision: 0 }),
      TOY_TABLE.datasetMacroAbsentZero,
    ),
  );
});

Deno.test("smp weighted reductions use user weights normalised to 1", () => {
  const stats = new SegmentationStats(2).addImage([0, 0, 1, 1], [0, 1, 1, 1]);
  // IoU: class 0 = 1/2, class 1 = 2/3. Weights [3, 1] → [0.75, 0.25].
  const weighted = smpIoUScore(stats, { reduction: "weighted", classWeights: [3, 1] });
  assert.ok(Math.abs(weighted - (0.75 * 0.5 + 0.25 * (2 / 3))) < 1e-7);
  // macro with weights still divides by C.
  const macro = smpIoUScore(stats, { reduction: "macro", classWeights: [3, 1] });
  assert.ok(Math.abs(macro - (0.75 * 0.5 + 0.25 * (2 / 3)) / 2) < 1e-7);
  assert.throws(() => smpIoUScore(stats, { reduction: "weighted" }), /classWeights/);
});

Deno.test("smp: micro has no zero-division fill; per-image table fills 0/0", () => {
  const empty = new SegmentationStats(2);
  assert.ok(Number.isNaN(smpIoUScore(empty, { reduction: "micro" })));
  const stats = new SegmentationStats(3).addImage([0, 1], [0, 1]);
  assert.deepEqual(smpIoUPerImageClass(stats), [[1, 1, 1]]);
  assert.deepEqual(smpIoUPerImageClass(stats, { zeroDivision: "warn" }), [[1, 1, 0]]);
});
