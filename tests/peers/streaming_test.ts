/**
 * The peers that loop over images (MONAI, smp, torchmetrics MeanIoU, mmseg) read the counts
 * image by image and keep float32 tables instead of arrays of every image's counts. These
 * properties hold them to the array form they replaced, written out again here, bit for bit
 * (`Object.is`), on weighted counts, with and without background, over batches.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { SegmentationStats } from "../../lib/core/segmentation_stats.ts";
import {
  torchColumnSums32,
  torchRowSums32,
  torchSum32,
} from "../../lib/float32/reduction_order.ts";
import { monaiMeanIoU, monaiMeanIoUPerClass } from "../../lib/peers/monai.ts";
import { mmsegPerClassIoU } from "../../lib/peers/mmseg.ts";
import { smpIoUPerImageClass, smpIoUScore, type SmpReduction } from "../../lib/peers/smp.ts";
import {
  torchmetricsIoUPerImageClass,
  torchmetricsMeanIoU,
  torchmetricsMeanIoUPerClass,
  torchmetricsMeanIoUPerImage,
} from "../../lib/peers/torchmetrics_meaniou.ts";

const f32 = Math.fround;
const C = 5;

const imageArb = fc.array(
  fc.tuple(
    fc.nat(C - 1),
    fc.nat(C - 1),
    fc.oneof(fc.constant(1), fc.double({ min: 0.01, max: 3, noNaN: true })),
  ),
  { minLength: 1, maxLength: 14 },
);
const statsArb = fc.array(imageArb, { minLength: 1, maxLength: 11 }).map((images) => {
  const stats = new SegmentationStats(C);
  for (const px of images) {
    stats.addImage(px.map(([t]) => t), px.map(([, p]) => p), px.map(([, , w]) => w));
  }
  return stats;
});

const same = (a: number[] | number, b: number[] | number) =>
  Array.isArray(a) && Array.isArray(b)
    ? a.length === b.length && a.every((v, k) => Object.is(v, b[k]))
    : Object.is(a, b);

// ---- the array forms, as they were ----

function monaiCells(stats: SegmentationStats, bg: boolean, ignoreEmpty: boolean) {
  const start = bg ? 0 : 1;
  const K = stats.numClasses - start;
  const f: number[] = [];
  for (let i = 0; i < stats.numImages; i++) {
    const { tp, fp, fn } = stats.imageCounts(i);
    for (let c = start; c < stats.numClasses; c++) {
      const inter = f32(tp[c]);
      const yo = f32(tp[c] + fn[c]);
      const union = f32(f32(yo + f32(tp[c] + fp[c])) - inter);
      if (ignoreEmpty) f.push(yo > 0 ? f32(inter / union) : NaN);
      else f.push(union > 0 ? f32(inter / union) : 1);
    }
  }
  return { f, K };
}

function oldMonai(stats: SegmentationStats, bg: boolean, ignoreEmpty: boolean): number {
  const { f, K } = monaiCells(stats, bg, ignoreEmpty);
  const N = stats.numImages;
  const counts = torchRowSums32(f.map((v) => Number.isNaN(v) ? 0 : 1), N, K);
  const sums = torchRowSums32(f.map((v) => Number.isNaN(v) ? 0 : v), N, K);
  const perImage = sums.map((s, i) => counts[i] > 0 ? f32(s / counts[i]) : 0);
  const images = counts.filter((c) => c > 0).length;
  return images > 0 ? f32(torchSum32(perImage) / images) : 0;
}

function oldMonaiPerClass(stats: SegmentationStats, bg: boolean, ignoreEmpty: boolean) {
  const { f, K } = monaiCells(stats, bg, ignoreEmpty);
  const N = stats.numImages;
  const counts = torchColumnSums32(f.map((v) => Number.isNaN(v) ? 0 : 1), N, K);
  const sums = torchColumnSums32(f.map((v) => Number.isNaN(v) ? 0 : v), N, K);
  return sums.map((s, c) => counts[c] > 0 ? f32(s / counts[c]) : 0);
}

function oldSmp(stats: SegmentationStats, reduction: SmpReduction, zd: number): number {
  const N = stats.numImages;
  const tp: number[][] = [];
  const den: number[][] = [];
  for (let i = 0; i < N; i++) {
    const c = stats.imageCounts(i);
    tp.push(Array.from(c.tp));
    den.push(Array.from({ length: C }, (_, k) => c.tp[k] + c.fp[k] + c.fn[k]));
  }
  const div = (a: number, b: number) => f32(f32(a) / f32(b));
  const fill = (v: number) => Number.isNaN(v) ? f32(zd) : v;
  if (reduction === "micro") {
    let t = 0, d = 0;
    for (let i = 0; i < N; i++) {
      for (let k = 0; k < C; k++) {
        t += tp[i][k];
        d += den[i][k];
      }
    }
    return div(t, d);
  }
  if (reduction === "macro") {
    const scores = Array.from({ length: C }, (_, k) => {
      let t = 0, d = 0;
      for (let i = 0; i < N; i++) {
        t += tp[i][k];
        d += den[i][k];
      }
      return fill(div(t, d));
    });
    return f32(torchSum32(scores) / C);
  }
  if (reduction === "micro-imagewise") {
    const scores = tp.map((row, i) =>
      fill(div(row.reduce((a, b) => a + b, 0), den[i].reduce((a, b) => a + b, 0)))
    );
    return f32(torchSum32(scores) / N);
  }
  const cells = tp.flatMap((row, i) => row.map((t, k) => fill(div(t, den[i][k]))));
  const classMeans = torchColumnSums32(cells, N, C).map((s) => f32(s / N));
  return f32(torchSum32(classMeans) / C);
}

function oldTorchmetrics(
  stats: SegmentationStats,
  bg: boolean,
  version: "1.8" | "1.5",
  batches: number[],
  perClass: boolean,
): number[] {
  const start = bg ? 0 : 1;
  const K = C - start;
  const score = new Array<number>(perClass ? K : 1).fill(0);
  const count = new Array<number>(perClass ? K : 1).fill(0);
  let updates = 0;
  let image = 0;
  for (const n of batches) {
    const cells: number[] = [];
    const valid: number[] = [];
    for (let j = 0; j < n; j++, image++) {
      const { tp, fp, fn } = stats.imageCounts(image);
      for (let c = start; c < C; c++) {
        const union = tp[c] + fp[c] + fn[c];
        const u = f32(union);
        cells.push(u !== 0 ? f32(f32(tp[c]) / u) : 0);
        valid.push(union > 0 ? 1 : 0);
      }
    }
    if (version === "1.8") {
      const masked = cells.map((v, k) => valid[k] ? v : 0);
      if (perClass) {
        const sums = torchColumnSums32(masked, n, K);
        for (let c = 0; c < K; c++) {
          score[c] = f32(score[c] + sums[c]);
          for (let j = 0; j < n; j++) count[c] += valid[j * K + c];
        }
      } else {
        score[0] = f32(score[0] + torchSum32(masked));
        count[0] += valid.reduce((a, b) => a + b, 0);
      }
    } else {
      if (perClass) {
        const sums = torchColumnSums32(cells, n, K);
        for (let c = 0; c < K; c++) score[c] = f32(score[c] + f32(sums[c] / n));
      } else {
        const imageMeans = torchRowSums32(cells, n, K).map((s) => f32(s / K));
        score[0] = f32(score[0] + f32(torchSum32(imageMeans) / n));
      }
      updates++;
    }
  }
  if (version === "1.5") return score.map((s) => f32(s / updates));
  if (perClass) return score.map((s, c) => f32(s / count[c])).map((v) => Number.isNaN(v) ? -1 : v);
  const v = f32(score[0] / count[0]);
  if (Number.isNaN(v)) return [NaN];
  return [f32(torchSum32(new Array<number>(K).fill(v)) / K)];
}

function oldMmsegPerClass(stats: SegmentationStats): number[] {
  const intersect = new Array<number>(C).fill(0);
  const union = new Array<number>(C).fill(0);
  for (let i = 0; i < stats.numImages; i++) {
    const { tp, fp, fn } = stats.imageCounts(i);
    for (let c = 0; c < C; c++) {
      const areaI = f32(tp[c]);
      const areaU = f32(f32(f32(tp[c] + fp[c]) + f32(tp[c] + fn[c])) - areaI);
      intersect[c] = f32(intersect[c] + areaI);
      union[c] = f32(union[c] + areaU);
    }
  }
  return intersect.map((v, c) => f32(v / union[c]));
}

// ---- properties ----

Deno.test("property: MONAI and mmseg read image by image equal the array form bit for bit", () => {
  fc.assert(
    fc.property(statsArb, fc.boolean(), fc.boolean(), (stats, bg, ignoreEmpty) => {
      const o = { includeBackground: bg, ignoreEmpty };
      assert.ok(same(monaiMeanIoU(stats, o), oldMonai(stats, bg, ignoreEmpty)));
      assert.ok(same(monaiMeanIoUPerClass(stats, o), oldMonaiPerClass(stats, bg, ignoreEmpty)));
      assert.ok(same(mmsegPerClassIoU(stats), oldMmsegPerClass(stats)));
    }),
    { numRuns: 200 },
  );
});

Deno.test("property: smp reductions read image by image equal the array form bit for bit", () => {
  const reductions: SmpReduction[] = ["micro", "macro", "micro-imagewise", "macro-imagewise"];
  fc.assert(
    fc.property(statsArb, fc.constantFrom(0, 1, 0.5), (stats, zd) => {
      for (const reduction of reductions) {
        const got = smpIoUScore(stats, { reduction, zeroDivision: zd });
        assert.ok(same(got, oldSmp(stats, reduction, zd)), reduction);
      }
      const table = smpIoUPerImageClass(stats, { zeroDivision: zd });
      assert.equal(table.length, stats.numImages);
      table.forEach((row, i) => {
        const { tp, fp, fn } = stats.imageCounts(i);
        const want = row.map((_, k) => {
          const v = f32(f32(tp[k]) / f32(tp[k] + fp[k] + fn[k]));
          return Number.isNaN(v) ? f32(zd) : v;
        });
        assert.ok(same(row, want));
      });
    }),
    { numRuns: 200 },
  );
});

Deno.test("property: torchmetrics MeanIoU over batches equals the array form bit for bit", () => {
  fc.assert(
    fc.property(
      statsArb,
      fc.boolean(),
      fc.constantFrom("1.8", "1.5") as fc.Arbitrary<"1.8" | "1.5">,
      fc.integer({ min: 1, max: 4 }),
      (stats, bg, version, b) => {
        const sizes: number[] = [];
        for (let left = stats.numImages; left > 0; left -= b) sizes.push(Math.min(b, left));
        const o = { includeBackground: bg, version, batches: b };
        assert.ok(
          same(torchmetricsMeanIoU(stats, o), oldTorchmetrics(stats, bg, version, sizes, false)[0]),
        );
        assert.ok(
          same(
            torchmetricsMeanIoUPerClass(stats, o),
            oldTorchmetrics(stats, bg, version, sizes, true),
          ),
        );
        // one update of every image (the default)
        const all = { includeBackground: bg, version };
        assert.ok(
          same(
            torchmetricsMeanIoU(stats, all),
            oldTorchmetrics(stats, bg, version, [stats.numImages], false)[0],
          ),
        );
        // the per-image forms: one value or row per image, from that image's counts
        assert.equal(
          torchmetricsMeanIoUPerImage(stats, { includeBackground: bg }).length,
          stats.numImages,
        );
        const rows = torchmetricsIoUPerImageClass(stats, { includeBackground: bg });
        rows.forEach((row, i) => {
          const { tp, fp, fn } = stats.imageCounts(i);
          const s = bg ? 0 : 1;
          const want = row.map((_, c) => {
            const u = tp[c + s] + fp[c + s] + fn[c + s];
            return u > 0 ? f32(f32(tp[c + s]) / f32(u)) : -1;
          });
          assert.ok(same(row, want));
        });
      },
    ),
    { numRuns: 200 },
  );
});
