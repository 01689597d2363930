/**
 * What other libraries report on the same masks: torchmetrics, scikit-learn, smp, mmseg,
 * detectron2, MONAI and the Cityscapes scripts, each emulated from the exact state, and the
 * registry that runs them side by side.
 *
 * @module
 */

export * from "./registry.ts";
export * from "./torchmetrics.ts";
export * from "./torchmetrics_meaniou.ts";
export * from "./torchmetrics_multilabel.ts";
export * from "./torchmetrics_onehot.ts";
export * from "./sklearn.ts";
export * from "./sklearn_multilabel.ts";
export * from "./smp.ts";
export * from "./smp_metrics.ts";
export * from "./mmseg.ts";
export * from "./mmseg_metrics.ts";
export * from "./detectron2.ts";
export * from "./monai.ts";
export * from "./cityscapes.ts";
export * from "./cityscapes_categories.ts";
export * from "./torchmetrics_legacy.ts";
