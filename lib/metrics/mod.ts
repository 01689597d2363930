/**
 * Definitions: pure functions of the exact state. Every mean of IoU (dataset, per image, per
 * batch; absent classes and empty ground truth; epsilon and smoothing), Dice, accuracies, the
 * side-by-side comparison and the step-by-step explanation between two definitions.
 *
 * @module
 */

export * from "./averaging.ts";
export * from "./mean_iou.ts";
export * from "./dice.ts";
export * from "./accuracy.ts";
export * from "./compare.ts";
export * from "./explain.ts";
