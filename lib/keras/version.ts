/**
 * Keras versions and backends as behaviour profiles for the IoU metric family.
 *
 * The behaviour changes at a few releases (docs/keras.md, summary):
 * - tf.keras 2.6-2.15: float32 state, TF asserts on out-of-range ids, no epsilon.
 * - Keras 3.0-3.7: float32 confusion matrix whatever `dtype` says, epsilon in `result()`.
 * - Keras 3.8-3.14 (PR keras-team/keras#20584): integer state (`dtype="int"`: int64 on
 *   TensorFlow, int32 elsewhere), float weights truncated with a warning.
 * - Keras 3.15+ (PR keras-team/keras#22844): out-of-range ids masked, invalid IoUs zeroed.
 *
 * @module
 */

/** The Keras 3 backends (tf.keras 2 always runs on TensorFlow). */
export type KerasBackend = "tensorflow" | "jax" | "torch" | "numpy";

/**
 * The backends, in the order the docs list them.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { KERAS_BACKENDS } from "./version.ts";
 * assert.ok(KERAS_BACKENDS.includes("jax"));
 * ```
 */
export const KERAS_BACKENDS: readonly KerasBackend[] = ["tensorflow", "jax", "torch", "numpy"];

/** The behaviour generations of the IoU family. */
export type KerasGeneration =
  | "tf.keras" // 2.6 - 2.15
  | "float32-state" // 3.0 - 3.7
  | "int-state" // 3.8 - 3.14
  | "masked"; // 3.15+

/** How `ignore_class` removes pixels. */
export type IgnoreMode = "remove" | "multiply" | "where";

/** Everything about a Keras version that the IoU emulation needs. */
export interface KerasProfile {
  /** Normalised version, `major.minor.patch`. */
  readonly version: string;
  /** Major version number. */
  readonly major: number;
  /** Minor version number. */
  readonly minor: number;
  /** Patch version number. */
  readonly patch: number;
  /** Which of the four behaviour generations the version belongs to. */
  readonly generation: KerasGeneration;
  /** tf.keras 2 and Keras 3.0-3.2 remove ignored pixels; 3.3-3.14 multiply by a mask; 3.15+ use `where`. */
  readonly ignoreMode: IgnoreMode;
  /** Keras 3 adds `epsilon()` (1e-7) to every denominator of `result()`; tf.keras 2 does not. */
  readonly epsilon: boolean;
  /** The default metric dtype: `"float32"` before 3.8, `"int"` from 3.8 on. */
  readonly defaultDtype: "float32" | "int";
  /** From 3.8 on the confusion matrix is stored in the metric dtype; before, always float32. */
  readonly stateFollowsDtype: boolean;
  /** 3.15+: out-of-range ids are masked in Keras itself, on every backend. */
  readonly masksOutOfRange: boolean;
  /** 3.15+: IoUs of classes with denominator <= 1e-9 are set to 0 before summing. */
  readonly zeroesInvalidIoU: boolean;
  /** tf.keras 2.6/2.7 only have MeanIoU; 2.8/2.9 lack ignore_class, sparse_y_* and axis. */
  readonly hasIoUFamily: boolean;
  /** tf.keras >= 2.10 and Keras 3: ignore_class, sparse_y_true, sparse_y_pred, axis. */
  readonly hasSparseOptions: boolean;
}

/**
 * The newest Keras version whose behaviour is emulated (the default).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { NEWEST_KERAS_VERSION, parseKerasVersion } from "./version.ts";
 * assert.equal(parseKerasVersion(NEWEST_KERAS_VERSION).generation, "masked");
 * ```
 */
export const NEWEST_KERAS_VERSION: string = "3.15.1";

/**
 * Parses a Keras version string ("2.15", "3.7.0", "3.8", "v3.15.1", "3.15.1rc0") into its
 * behaviour profile. Versions before tf.keras 2.6 (float64 state in TF <= 2.3, not pinned down
 * for 2.4/2.5) and majors above 3 are refused rather than guessed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseKerasVersion } from "./version.ts";
 * assert.equal(parseKerasVersion("3.7.0").generation, "float32-state");
 * assert.equal(parseKerasVersion("3.8").generation, "int-state");
 * assert.equal(parseKerasVersion("3.15.1").masksOutOfRange, true);
 * assert.equal(parseKerasVersion("2.15").epsilon, false);
 * ```
 */
export function parseKerasVersion(version: string = NEWEST_KERAS_VERSION): KerasProfile {
  const m = /^\s*v?(\d+)\.(\d+)(?:\.(\d+))?(?:[.\-+]?[A-Za-z0-9.]*)?\s*$/.exec(String(version));
  if (!m) {
    throw new RangeError(
      `Expected version to be a Keras version such as "2.15", "3.7.0" or "3.15.1", but found ${
        JSON.stringify(version)
      }`,
    );
  }
  const major = Number(m[1]);
  const minor = Number(m[2]);
  const patch = m[3] === undefined ? 0 : Number(m[3]);
  const v = `${major}.${minor}.${patch}`;
  if (major === 2) {
    if (minor < 6) {
      throw new RangeError(
        `Expected version to be tf.keras 2.6 or newer, but found ${v}: tf.keras <= 2.3 kept a ` +
          "float64 confusion matrix and 2.4/2.5 are not pinned down, so they are not emulated",
      );
    }
    if (minor > 15) {
      throw new RangeError(
        `Expected version to be a released tf.keras 2.x (2.6 to 2.15), but found ${v}`,
      );
    }
    return {
      version: v,
      major,
      minor,
      patch,
      generation: "tf.keras",
      ignoreMode: "remove",
      epsilon: false,
      defaultDtype: "float32",
      stateFollowsDtype: true,
      masksOutOfRange: false,
      zeroesInvalidIoU: false,
      hasIoUFamily: minor >= 8,
      hasSparseOptions: minor >= 10,
    };
  }
  if (major !== 3) {
    throw new RangeError(
      `Expected version to be tf.keras 2.6-2.15 or Keras 3.x, but found ${v}`,
    );
  }
  const generation: KerasGeneration = minor <= 7
    ? "float32-state"
    : minor <= 14
    ? "int-state"
    : "masked";
  return {
    version: v,
    major,
    minor,
    patch,
    generation,
    ignoreMode: minor <= 2 ? "remove" : minor <= 14 ? "multiply" : "where",
    epsilon: true,
    defaultDtype: minor <= 7 ? "float32" : "int",
    stateFollowsDtype: minor >= 8,
    masksOutOfRange: minor >= 15,
    zeroesInvalidIoU: minor >= 15,
    hasIoUFamily: true,
    hasSparseOptions: true,
  };
}

/**
 * Checks a backend name.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseKerasBackend } from "./version.ts";
 * assert.equal(parseKerasBackend("jax"), "jax");
 * assert.throws(() => parseKerasBackend("mlx"), RangeError);
 * ```
 */
export function parseKerasBackend(backend: string = "tensorflow"): KerasBackend {
  if ((KERAS_BACKENDS as readonly string[]).includes(backend)) return backend as KerasBackend;
  throw new RangeError(
    `Expected backend to be one of ${KERAS_BACKENDS.join(", ")}, but found ${
      JSON.stringify(backend)
    }`,
  );
}
