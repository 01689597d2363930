// Side by side: emulated Keras updateState against the exact ConfusionMatrix.update on the same
// data, interleaved run by run (robust to a busy machine). Prints the median throughput ratio
// (emulated / exact; >= 1 means the emulation is at least as fast).
// deno run -A bench/keras_ratio.ts [runs]
import { patternLabels } from "./synthetic_labels.ts";
import { ConfusionMatrix } from "../lib/core/confusion_matrix.ts";
import { MeanIoU } from "../lib/keras/iou_metrics.ts";

const runs = Number(Deno.args[0] ?? 15);
const N = 2 ** 22;
const C = 21;
const { t8, p8 } = patternLabels(N, C);
const t32 = Int32Array.from(t8);
const p32 = Int32Array.from(p8);
const w = new Float32Array(N).fill(0.5);

function time(f: () => void): number {
  const t0 = performance.now();
  f();
  return performance.now() - t0;
}

function ratio(name: string, exact: () => void, keras: () => void): void {
  exact();
  keras();
  const r: number[] = [];
  for (let k = 0; k < runs; k++) {
    const a = time(exact);
    const b = time(keras);
    r.push(a / b);
  }
  r.sort((x, y) => x - y);
  console.log(`${name}: emulated/exact throughput ${r[Math.floor(r.length / 2)].toFixed(2)}x`);
}

ratio("uint8, 4M px, C=21, Keras 3.7.0 (float32 state)", () => {
  new ConfusionMatrix(C).update(t8, p8);
}, () => {
  new MeanIoU({ numClasses: C, version: "3.7.0" }).updateState(t8, p8);
});
ratio("uint8, Keras 3.15.1 jax compiled", () => {
  new ConfusionMatrix(C).update(t8, p8);
}, () => {
  new MeanIoU({ numClasses: C, version: "3.15.1", backend: "jax", compiled: "xla" }).updateState(
    t8,
    p8,
  );
});
ratio("int32, Keras 3.7.0", () => {
  new ConfusionMatrix(C).update(t32, p32);
}, () => {
  new MeanIoU({ numClasses: C, version: "3.7.0" }).updateState(t32, p32);
});
ratio("uint8 + float weights, Keras 3.7.0 (ordered float32 path)", () => {
  new ConfusionMatrix(C).update(t8, p8, w);
}, () => {
  new MeanIoU({ numClasses: C, version: "3.7.0" }).updateState(t8, p8, w);
});
