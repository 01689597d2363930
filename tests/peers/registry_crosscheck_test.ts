// The registry's smp, mmseg and MONAI rows call the small mean-IoU functions of smp.ts, mmseg.ts
// and monai.ts; the golden replays check the libraries' full metric functions (smp_metrics.ts,
// mmseg_metrics.ts, monai.ts's monaiMetric) against the real code. These tests tie the two
// together on random per-image states, bit for bit, so that a registry row marked "real library
// runs" is checked against those runs through the function it calls.
import assert from "node:assert/strict";
import {
  cityscapesMeanIoU,
  mmsegComputeMetrics,
  mmsegMeanIoU,
  mmsegPerClassIoU,
  mmsegTotalAreaToMetrics,
  monaiMetric,
  runProfiles,
  SegmentationStats,
  smpIoUScore,
  smpMetric,
  type SmpReduction,
} from "../../mod.ts";
import { percent2 } from "../../lib/peers/_mmseg_shared.ts";

/** Random per-image states: some classes absent, some predicted only, some pixels ignored. */
function randomStats(seed: number): SegmentationStats {
  let x = seed >>> 0;
  const rnd = (n: number) => (x = (x * 1103515245 + 12345) >>> 0) % n;
  const C = 2 + rnd(6);
  const stats = new SegmentationStats(C, { ignoreIndex: 255 });
  const images = 1 + rnd(7);
  for (let i = 0; i < images; i++) {
    const n = 1 + rnd(60);
    // classes this image may hold: a random subset, so that (image, class) cells are empty
    const present = Array.from({ length: C }, (_, c) => c).filter(() => rnd(3) > 0);
    if (present.length === 0) present.push(rnd(C));
    const t = Array.from({ length: n }, () => rnd(10) === 0 ? 255 : present[rnd(present.length)]);
    const p = t.map((v) => (rnd(4) === 0 || v === 255 ? rnd(C) : v));
    stats.addImage(t, p);
  }
  return stats;
}

const SEEDS = Array.from({ length: 300 }, (_, k) => 1 + k * 7919);

Deno.test("smpIoUScore equals smpMetric('iou_score') (the golden-checked smp code) bit for bit", () => {
  const reductions: SmpReduction[] = ["macro", "micro", "micro-imagewise", "macro-imagewise"];
  for (const seed of SEEDS) {
    const stats = randomStats(seed);
    for (const reduction of reductions) {
      for (const zeroDivision of [1, 0, "warn"] as const) {
        const got = smpIoUScore(stats, { reduction, zeroDivision });
        const want = smpMetric(stats, "iou_score", { reduction, zeroDivision }) as number;
        assert.ok(
          Object.is(got, want),
          `seed ${seed}, ${reduction}, ${zeroDivision}: ${got} vs ${want}`,
        );
      }
    }
    const classWeights = Array.from({ length: stats.numClasses }, (_, c) => 1 + (c * seed) % 5);
    for (const reduction of ["weighted", "weighted-imagewise"] as const) {
      const got = smpIoUScore(stats, { reduction, classWeights });
      const want = smpMetric(stats, "iou_score", { reduction, classWeights }) as number;
      assert.ok(Object.is(got, want), `seed ${seed}, ${reduction}: ${got} vs ${want}`);
    }
  }
});

Deno.test("mmsegMeanIoU is the mIoU of mmsegComputeMetrics (the golden-checked mmseg code)", () => {
  for (const seed of SEEDS) {
    const stats = randomStats(seed);
    for (const nanToNum of [undefined, 0, 1]) {
      // the per-class IoU the mean is taken of is the golden-checked one, bit for bit
      assert.deepEqual(
        mmsegPerClassIoU(stats, { nanToNum }),
        mmsegTotalAreaToMetrics(stats, { nanToNum }).IoU,
      );
      // and the report's mIoU, golden-checked after its x 100 and rounding, is this mean's
      const mean = mmsegMeanIoU(stats, { nanToNum });
      const summary = mmsegComputeMetrics(stats, { nanToNum }).summary.mIoU;
      if (Number.isNaN(mean)) assert.ok(Number.isNaN(summary), `seed ${seed}`);
      else assert.equal(percent2(mean), summary, `seed ${seed}, nanToNum ${nanToNum}`);
    }
  }
});

Deno.test("the registry's smp, mmseg, MONAI and Cityscapes rows are those functions", () => {
  for (const seed of SEEDS.slice(0, 50)) {
    const stats = randomStats(seed);
    const rows = new Map(runProfiles(stats).map((r) => [r.name, r.value]));
    const same = (name: string, want: number) =>
      assert.ok(
        Object.is(rows.get(name), want),
        `seed ${seed}, ${name}: ${rows.get(name)} vs ${want}`,
      );
    same("smp-macro", smpMetric(stats, "iou_score", { reduction: "macro" }) as number);
    same("smp-micro", smpMetric(stats, "iou_score", { reduction: "micro" }) as number);
    same("mmseg-iou-metric", mmsegMeanIoU(stats));
    same("monai-meaniou", monaiMetric(stats, { reduction: "mean" }).value as number);
    same(
      "monai-meaniou-keep-empty",
      monaiMetric(stats, { reduction: "mean", ignoreEmpty: false }).value as number,
    );
    const all = Array.from({ length: stats.numClasses }, (_, c) => c);
    same("cityscapes", cityscapesMeanIoU(stats.confusionMatrix, { evalLabels: all }));
  }
});
