/**
 * What Keras `MeanIoU` would report for a stream of images, next to the exact counts: the
 * emulations of `keras_iou_metrics.ts` fed batch by batch (one `update_state` per batch of
 * consecutive images, as `evaluate` does), and the gap to the exact dataset mIoU split into its
 * parts (epsilon, float32 counting and arithmetic).
 *
 * Pure: no I/O. The audit CLI feeds it image by image.
 *
 * @module
 */

import type { ConfusionMatrix } from "../core/confusion_matrix.ts";
import { KerasError } from "./error.ts";
import { MeanIoU } from "./iou_metrics.ts";
import type { KerasBackend } from "./version.ts";
import type { LabelArray } from "../core/labels.ts";
import { meanIoU } from "../metrics/mean_iou.ts";

/** One Keras configuration to emulate. */
export interface KerasSpec {
  /** Keras version, e.g. `"3.7"`, `"3.15.1"`, `"2.15"`. */
  version: string;
  /** Backend (default `"tensorflow"`). */
  backend?: KerasBackend;
  /** Compiled (XLA) metric update, as in `fit`/`evaluate` with `jit_compile`. Default false. */
  compiled?: boolean;
}

/** What one emulated Keras reports, and how far it is from exact. */
export interface KerasRun {
  /** Keras version as normalised by the emulation (e.g. `"3.7.0"`). */
  version: string;
  /** Backend. */
  backend: KerasBackend;
  /** Whether the update was compiled (XLA). */
  compiled: boolean;
  /** Images per `update_state` call. */
  batchSize: number;
  /** Number of `update_state` calls. */
  batches: number;
  /** dtype of Keras's `total_cm`. */
  stateDtype: string;
  /** `result()`, or null when this Keras raises on these masks (see `error`). */
  value: number | null;
  /** The exception this Keras raises (`"InvalidArgumentError: ..."`), or null. */
  error: string | null;
  /** Keras's `total_cm` after the last batch (null after an error). */
  totalCm: number[][] | null;
  /** The exact dataset mIoU of the same pixels (absent classes excluded, as Keras does). */
  exact: number;
  /** value - exact (null after an error). */
  difference: number | null;
  /** The part of the difference due to Keras 3's epsilon 1e-7 in each denominator. */
  epsilonPart: number | null;
  /** The rest: float32 counting and float32 arithmetic (value - exact - epsilonPart). */
  precisionPart: number | null;
  /** Cells where `total_cm` differs from the exact matrix. */
  changedCells: number;
  /** Largest |total_cm - exact| over the cells. */
  maxCellError: number;
  /** Σ (exact - total_cm) over the cells: pixels Keras lost (negative: gained). */
  lostPixels: number;
  /** Warnings Keras would print. */
  warnings: string[];
  /** Where the emulation is not pinned down by real-Keras runs. */
  caveats: string[];
}

/**
 * Feeds several Keras `MeanIoU` emulations image by image, one `update_state` per batch of
 * `batchSize` consecutive images (the last batch may be smaller).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ConfusionMatrix } from "../core/confusion_matrix.ts";
 * import { KerasAudit } from "./audit.ts";
 * const audit = new KerasAudit(2, [{ version: "2.15" }, { version: "3.15" }], { batchSize: 2 });
 * const exact = new ConfusionMatrix(2);
 * for (const [t, p] of [[[0, 0, 1, 1], [0, 1, 1, 1]], [[1, 1], [1, 0]]]) {
 *   audit.addImage(Uint8Array.from(t), Uint8Array.from(p));
 *   exact.update(t, p);
 * }
 * const [k2, k3] = audit.finish(exact);
 * // IoU class 0: 1/3, class 1: 3/5 (no float32 damage at this size)
 * assert.equal(k2.value, Math.fround(Math.fround(Math.fround(1 / 3) + Math.fround(3 / 5)) / 2));
 * assert.equal(k3.epsilonPart! < 0, true); // Keras 3 divides by U + 1e-7
 * assert.equal(k3.changedCells, 0);
 * ```
 */
export class KerasAudit {
  /** Number of classes. */
  readonly numClasses: number;
  /** Images per `update_state`. */
  readonly batchSize: number;
  #metrics: MeanIoU[];
  #specs: KerasSpec[];
  #errors: (string | null)[];
  #pending: LabelArray[][] = [[], []];
  #batches = 0;

  /**
   * Starts an audit with no image seen; one Keras `MeanIoU` emulation per spec.
   *
   * @param numClasses number of classes
   * @param specs the Keras configurations to emulate
   * @param options `batchSize` (images per update, default 8) and `ignoreClass` (one label)
   * @throws {RangeError} for a version, backend or mode the emulation refuses
   */
  constructor(
    numClasses: number,
    specs: readonly KerasSpec[],
    options: { batchSize?: number; ignoreClass?: number | null } = {},
  ) {
    this.numClasses = numClasses;
    this.batchSize = options.batchSize ?? 8;
    if (!Number.isInteger(this.batchSize) || this.batchSize < 1) {
      throw new RangeError(`Expected batchSize to be an integer >= 1, but found ${this.batchSize}`);
    }
    this.#specs = specs.map((s) => ({ ...s }));
    this.#metrics = specs.map((s) =>
      new MeanIoU({
        numClasses,
        version: s.version,
        backend: s.backend ?? "tensorflow",
        compiled: s.compiled ? "xla" : false,
        ignoreClass: options.ignoreClass ?? null,
      })
    );
    this.#errors = specs.map(() => null);
  }

  /**
   * Adds one image (flat labels); a full batch is passed to every emulation.
   *
   * @param yTrue true labels
   * @param yPred predicted labels
   */
  addImage(yTrue: LabelArray, yPred: LabelArray): void {
    this.#pending[0].push(yTrue);
    this.#pending[1].push(yPred);
    if (this.#pending[0].length >= this.batchSize) this.#flush();
  }

  #flush(): void {
    const [ts, ps] = this.#pending;
    if (ts.length === 0) return;
    const t = concat(ts), p = concat(ps);
    this.#pending = [[], []];
    this.#batches++;
    this.#metrics.forEach((m, k) => {
      if (this.#errors[k] !== null) return;
      try {
        m.updateState(t, p);
      } catch (e) {
        if (!(e instanceof KerasError)) throw e;
        this.#errors[k] = `${e.kerasError} (in batch ${this.#batches})`;
      }
    });
  }

  /**
   * Adds one whole batch given as its exact pair counts (row-major C x C, unit weights, every
   * pixel in range, ignored pixels left out): with unit weights every Keras variant is a
   * function of these counts (`MeanIoU.updateStateFromCounts`), so this equals feeding the
   * pixels, without counting them again. Do not mix with a batch half-filled by `addImage`.
   *
   * @param counts the batch's exact confusion matrix
   */
  addBatchCounts(counts: ArrayLike<number>): void {
    if (this.#pending[0].length > 0) {
      throw new RangeError("Expected no pending images when adding a batch by its counts");
    }
    this.#batches++;
    this.#metrics.forEach((m, k) => {
      if (this.#errors[k] !== null) return;
      try {
        m.updateStateFromCounts(counts);
      } catch (e) {
        if (!(e instanceof KerasError)) throw e;
        this.#errors[k] = `${e.kerasError} (in batch ${this.#batches})`;
      }
    });
  }

  /**
   * Flushes the last (partial) batch and reports every emulation against the exact matrix.
   *
   * @param exact the exact confusion matrix of the same images and ignore label
   * @returns one report per spec, in order
   */
  finish(exact: ConfusionMatrix): KerasRun[] {
    this.#flush();
    const exactValue = meanIoU(exact);
    const exactCells = exact.counts();
    const C = this.numClasses;
    return this.#metrics.map((m, k) => {
      let value: number | null = null;
      let error = this.#errors[k];
      if (error === null) {
        try {
          value = m.result();
        } catch (e) {
          if (!(e instanceof KerasError)) throw e;
          error = e.kerasError;
        }
      }
      const totalCm = error === null ? m.totalCm : null;
      let changed = 0, maxErr = 0, lost = 0;
      if (totalCm) {
        for (let i = 0; i < C; i++) {
          for (let j = 0; j < C; j++) {
            const d = exactCells[i * C + j] - totalCm[i][j];
            if (d !== 0) changed++;
            maxErr = Math.max(maxErr, Math.abs(d));
            lost += d;
          }
        }
      }
      const withEps = m.profile.epsilon ? meanIoU(exact, { epsilon: 1e-7 }) : exactValue;
      const epsilonPart = value === null ? null : withEps - exactValue;
      return {
        version: m.profile.version,
        backend: m.backend,
        compiled: m.compiled,
        batchSize: this.batchSize,
        batches: this.#batches,
        stateDtype: m.stateDtype,
        value,
        error,
        totalCm,
        exact: exactValue,
        difference: value === null ? null : value - exactValue,
        epsilonPart,
        precisionPart: value === null ? null : value - withEps,
        changedCells: changed,
        maxCellError: maxErr,
        lostPixels: lost,
        warnings: [...m.warnings],
        caveats: [...m.caveats],
      };
    });
  }
}

function concat(parts: LabelArray[]): LabelArray {
  if (parts.length === 1) return parts[0];
  const n = parts.reduce((s, a) => s + a.length, 0);
  const first = parts[0];
  const Ctor = Array.isArray(first) ? Float64Array : (first as Uint8Array).constructor as new (
    n: number,
  ) => Uint8Array | Uint16Array | Int32Array | Float32Array | Float64Array;
  const same = parts.every((a) => !Array.isArray(a) && a.constructor === Ctor);
  const out = same ? new Ctor(n) : new Float64Array(n);
  let o = 0;
  for (const a of parts) {
    if (Array.isArray(a)) { for (let i = 0; i < a.length; i++) out[o + i] = a[i]; }
    else out.set(a as ArrayLike<number>, o);
    o += a.length;
  }
  return out;
}

/**
 * What Keras `MeanIoU.result()` returns when its `total_cm` holds `counts`: the matrix is loaded
 * into the emulation by one `update_state` with one pair per cell weighted by the cell's value
 * (each cell gets exactly one addition, so a float32 or integer state holds the values as
 * stored). Use it to check a saved `total_cm` against the value Keras logged.
 *
 * @param counts row-major C x C cells (finite, >= 0)
 * @param numClasses C
 * @param version Keras version, e.g. `"3.7"`
 * @param backend backend (default `"tensorflow"`)
 * @returns `result()`, or the exception text where that Keras raises
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { kerasResultOnMatrix } from "./audit.ts";
 * // tf.keras 2.15 (no epsilon): IoU 2/3 and 1/2 -> mean in float32
 * const r = kerasResultOnMatrix([2, 1, 0, 1], 2, "2.15");
 * const f = Math.fround;
 * assert.equal(r.value, f(f(f(2 / 3) + f(1 / 2)) / 2));
 * ```
 */
export function kerasResultOnMatrix(
  counts: ArrayLike<number>,
  numClasses: number,
  version: string,
  backend: KerasBackend = "tensorflow",
): { version: string; backend: KerasBackend; value: number | null; error: string | null } {
  const C = numClasses;
  const m = new MeanIoU({ numClasses: C, version, backend });
  const t = new Int32Array(C * C), p = new Int32Array(C * C);
  let ints = true;
  for (let k = 0; k < C * C; k++) {
    t[k] = Math.floor(k / C);
    p[k] = k % C;
    const v = counts[k];
    if (!(v >= 0 && v < Infinity)) {
      throw new RangeError(`Expected cells >= 0 and finite, but found ${v} at cell ${k}`);
    }
    if (!Number.isInteger(v) || v > 2147483647) ints = false;
  }
  const w = m.stateDtype.startsWith("int") && ints
    ? Int32Array.from(counts)
    : m.stateDtype === "float32"
    ? Float32Array.from(counts)
    : Float64Array.from(counts);
  try {
    m.updateState(t, p, w);
    return { version: m.profile.version, backend: m.backend, value: m.result(), error: null };
  } catch (e) {
    if (!(e instanceof KerasError)) throw e;
    return { version: m.profile.version, backend: m.backend, value: null, error: e.kerasError };
  }
}
