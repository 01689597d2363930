/**
 * The options of the Keras IoU metrics: which Keras to emulate (version, backend, compiled mode,
 * NumPy version) and each metric's own (classes, targets, dtype, ignored class, sparse inputs,
 * axis, threshold), as the Keras constructors take them.
 *
 * @module
 */

import type { KerasBackend } from "./version.ts";

/** How the metric update runs: eagerly, or compiled by XLA (TF `jit_compile=True` or `jax.jit`). */
export type KerasCompiled = "xla";

/** Options shared by every metric: which Keras to emulate. */
export interface KerasEmulationOptions {
  /** Keras version ("2.15", "3.7.0", "3.8", "3.15.1"); default: the newest emulated (3.15.1). */
  version?: string;
  /** Keras 3 backend; default "tensorflow". tf.keras 2 only runs on "tensorflow". */
  backend?: KerasBackend;
  /**
   * Compiled metric update, as in `model.fit` / `evaluate` with XLA: `"xla"` (also accepted:
   * `"jit"`, `"jax.jit"`, `"tf.function(jit_compile=True)"`). Default: eager (`false`).
   */
  compiled?: KerasCompiled | "jit" | "jax.jit" | "tf.function(jit_compile=True)" | false | null;
  /** NumPy version for the numpy backend (default "2"): NumPy 1 makes Keras 3.0-3.14 return float64. */
  numpyVersion?: string;
  /**
   * Also keep an exact float64 confusion matrix of the same data (ignored and out-of-range pixels
   * dropped, weights untouched) for `explain()`. Costs a second count; default false.
   */
  trackExact?: boolean;
}

/** Options of {@link MeanIoU}. */
export interface MeanIoUOptions extends KerasEmulationOptions {
  /** Number of classes C (the matrix is C x C). */
  numClasses: number;
  /** Metric name (Keras default: the snake_case class name). */
  name?: string;
  /** Metric dtype as in Keras ("float32", "float64", "int", "int32", "int64"). */
  dtype?: string;
  /** A true label whose pixels are not counted (Keras `ignore_class`), or null. */
  ignoreClass?: number | null;
  /** False: y_true holds scores or one-hot vectors, reduced with argmax over `axis`. */
  sparseYTrue?: boolean;
  /** False: y_pred holds scores, reduced with argmax over `axis`. */
  sparseYPred?: boolean;
  /** The class axis for argmax (default -1; Keras 3 `result()` fails for axis other than -1 or 0). */
  axis?: number;
}

/** Options of {@link IoU}: those of {@link MeanIoU} and the classes to average. */
export interface IoUOptions extends MeanIoUOptions {
  /** Classes whose IoU is averaged (Keras `target_class_ids`). */
  targetClassIds: readonly number[];
}

/** Options of {@link BinaryIoU}. */
export interface BinaryIoUOptions extends KerasEmulationOptions {
  /** Classes whose IoU is averaged (default [0, 1]). */
  targetClassIds?: readonly number[];
  /** y_pred >= threshold (compared in float32) is class 1 (default 0.5). */
  threshold?: number;
  /** Metric name (Keras default: the snake_case class name). */
  name?: string;
  /** Metric dtype as in Keras ("float32", "float64", "int", "int32", "int64"). */
  dtype?: string;
}

/** Options of {@link OneHotIoU}. */
export interface OneHotIoUOptions extends KerasEmulationOptions {
  /** Number of classes C (the matrix is C x C). */
  numClasses: number;
  /** Classes whose IoU is averaged (Keras `target_class_ids`). */
  targetClassIds: readonly number[];
  /** Metric name (Keras default: the snake_case class name). */
  name?: string;
  /** Metric dtype as in Keras ("float32", "float64", "int", "int32", "int64"). */
  dtype?: string;
  /** A true label whose pixels are not counted (Keras `ignore_class`), or null. */
  ignoreClass?: number | null;
  /** False: y_pred holds scores, reduced with argmax over `axis`. */
  sparseYPred?: boolean;
  /** The class axis for argmax (default -1; Keras 3 `result()` fails for axis other than -1 or 0). */
  axis?: number;
}

/** Options of {@link OneHotMeanIoU}. */
export interface OneHotMeanIoUOptions extends KerasEmulationOptions {
  /** Number of classes C (the matrix is C x C). */
  numClasses: number;
  /** Metric name (Keras default: the snake_case class name). */
  name?: string;
  /** Metric dtype as in Keras ("float32", "float64", "int", "int32", "int64"). */
  dtype?: string;
  /** A true label whose pixels are not counted (Keras `ignore_class`), or null. */
  ignoreClass?: number | null;
  /** False: y_pred holds scores, reduced with argmax over `axis`. */
  sparseYPred?: boolean;
  /** The class axis for argmax (default -1; Keras 3 `result()` fails for axis other than -1 or 0). */
  axis?: number;
}

/** The dtype of the stored confusion matrix. */
export type KerasStateDtype = "float32" | "float64" | "int32" | "int64";
