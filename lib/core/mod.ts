/**
 * The exact state: integer confusion matrices and per-image counts, the label rules that feed
 * them (ignored labels, out-of-range policies), and argmax over class scores.
 *
 * @module
 */

export * from "./labels.ts";
export * from "./confusion_matrix.ts";
export * from "./segmentation_stats.ts";
export * from "./multilabel_stats.ts";
export * from "./multilabel_inputs.ts";
export * from "./argmax.ts";
export * from "./run_state.ts";
