import { ConfusionMatrix } from "../lib/core/confusion_matrix.ts";
import { patternLabels } from "./synthetic_labels.ts";
import { SegmentationStats } from "../lib/core/segmentation_stats.ts";

const N = 2 ** 22;
const C = 21;
const { t8, p8 } = patternLabels(N, C);
const t32 = Int32Array.from(t8);
const p32 = Int32Array.from(p8);

Deno.bench("ConfusionMatrix.update uint8, 4M px, C=21", { group: "count", baseline: true }, () => {
  new ConfusionMatrix(C).update(t8, p8);
});
Deno.bench("ConfusionMatrix.update int32, 4M px, C=21", { group: "count" }, () => {
  new ConfusionMatrix(C).update(t32, p32);
});
Deno.bench("ConfusionMatrix.update uint8 + ignore 255", { group: "count" }, () => {
  new ConfusionMatrix(C, { ignoreIndex: 255 }).update(t8, p8);
});
Deno.bench("SegmentationStats.addImage, 16 images of 512x512", { group: "count" }, () => {
  const stats = new SegmentationStats(C);
  for (let k = 0; k < 16; k++) {
    stats.addImage(
      t8.subarray(k * 262144, (k + 1) * 262144),
      p8.subarray(k * 262144, (k + 1) * 262144),
    );
  }
});
