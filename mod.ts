/**
 * Exact segmentation metrics: integer confusion matrices and per-image counts, every common
 * definition of mean IoU side by side, and emulations of what real libraries report.
 *
 * @module
 */

export * from "./lib/labels.ts";
export * from "./lib/confusion_matrix.ts";
export * from "./lib/segmentation_stats.ts";
export * from "./lib/mean_iou.ts";
export * from "./lib/dice.ts";
export * from "./lib/accuracy.ts";
export * from "./lib/compare.ts";
export * from "./lib/demo_dataset.ts";
export * from "./lib/argmax.ts";
export * from "./lib/io_npy.ts";
export * from "./lib/io_png.ts";
export * from "./lib/display.ts";
export * from "./lib/plot.ts";
export * from "./lib/table.ts";
export * from "./lib/reduction_order.ts";
export * from "./lib/profiles.ts";
export * from "./lib/profile_torchmetrics.ts";
export * from "./lib/profile_sklearn.ts";
export * from "./lib/profile_smp.ts";
export * from "./lib/profile_mmseg.ts";
export * from "./lib/profile_detectron2.ts";
export * from "./lib/profile_monai.ts";
export * from "./lib/profile_cityscapes.ts";
export * from "./lib/pair_table.ts";
export * from "./lib/backend_workers.ts";
export * from "./lib/backend_webgpu.ts";
export * from "./lib/backend_tfjs.ts";
export * from "./lib/compute_confusion_matrix.ts";
export * from "./lib/keras_tfjs.ts";
export * from "./lib/audit.ts";
export * from "./lib/explain.ts";
export * from "./lib/risk.ts";
export * from "./lib/keras_audit.ts";
export * as keras from "./lib/keras.ts";
