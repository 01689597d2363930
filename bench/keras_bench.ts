// Emulated Keras updateState against the exact ConfusionMatrix.update on the same data.
// `deno bench -A bench/keras_bench.ts` (the ratio is read off the "count" groups' baselines).
import { patternLabels } from "./synthetic_labels.ts";
import { ConfusionMatrix } from "../lib/core/confusion_matrix.ts";
import { MeanIoU } from "../lib/keras/iou_metrics.ts";

const N = 2 ** 22;
const C = 21;
const { t8, p8 } = patternLabels(N, C);
const t32 = Int32Array.from(t8);
const p32 = Int32Array.from(p8);
const w = new Float32Array(N).fill(0.5);

Deno.bench("exact ConfusionMatrix.update, uint8 4M px", { group: "uint8", baseline: true }, () => {
  new ConfusionMatrix(C).update(t8, p8);
});
Deno.bench("keras 3.7.0 MeanIoU.updateState (float32 state)", { group: "uint8" }, () => {
  new MeanIoU({ numClasses: C, version: "3.7.0" }).updateState(t8, p8);
});
Deno.bench("keras 3.15.1 MeanIoU.updateState (int64 state)", { group: "uint8" }, () => {
  new MeanIoU({ numClasses: C, version: "3.15.1" }).updateState(t8, p8);
});
Deno.bench("keras 3.7.0 jax compiled, ignore 255", { group: "uint8" }, () => {
  new MeanIoU({
    numClasses: C,
    version: "3.7.0",
    backend: "jax",
    compiled: "xla",
    ignoreClass: 255,
  })
    .updateState(t8, p8);
});

Deno.bench("exact ConfusionMatrix.update, int32 4M px", { group: "int32", baseline: true }, () => {
  new ConfusionMatrix(C).update(t32, p32);
});
Deno.bench("keras 3.7.0 MeanIoU.updateState, int32", { group: "int32" }, () => {
  new MeanIoU({ numClasses: C, version: "3.7.0" }).updateState(t32, p32);
});

Deno.bench(
  "exact ConfusionMatrix.update, float weights",
  { group: "weighted", baseline: true },
  () => {
    new ConfusionMatrix(C).update(t8, p8, w);
  },
);
Deno.bench(
  "keras 3.7.0 updateState, float weights (ordered float32 path)",
  { group: "weighted" },
  () => {
    new MeanIoU({ numClasses: C, version: "3.7.0" }).updateState(t8, p8, w);
  },
);
