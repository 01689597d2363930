/**
 * The error thrown where the emulated Keras raises.
 *
 * @module
 */

/**
 * Thrown where the emulated Keras version and backend raise. `kerasError` is the Python
 * exception Keras raises (e.g. `"IndexError: index 3 is out of bounds for axis 1 with size 3"`);
 * the message also says which version and backend behaviour it mirrors. State is never changed by
 * a call that throws (Keras leaves `total_cm` unchanged too).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { KerasError } from "./error.ts";
 * const e = new KerasError("IndexError: index 3 is out of bounds for axis 1 with size 3", "Keras 3.7.0 on numpy");
 * assert.equal(e.kerasErrorType, "IndexError");
 * assert.match(e.message, /mirrors Keras 3.7.0 on numpy/);
 * ```
 */
export class KerasError extends Error {
  /** The exception text as Keras prints it (`Type: message`). */
  readonly kerasError: string;
  /** The Python exception class (`IndexError`, `InvalidArgumentError`, `ValueError`, ...). */
  readonly kerasErrorType: string;
  /** The behaviour mirrored, e.g. `"Keras 3.7.0 on numpy (eager)"`. */
  readonly mirrors: string;

  /**
   * Builds the error from Keras's exception text and the behaviour mirrored.
   *
   * @param kerasError The exception as Keras prints it (`Type: message`).
   * @param mirrors The version, backend and mode whose behaviour is mirrored.
   */
  constructor(kerasError: string, mirrors: string) {
    super(`${kerasError} (mirrors ${mirrors}, which raises here)`);
    this.name = "KerasError";
    this.kerasError = kerasError;
    this.kerasErrorType = kerasError.split(":")[0].trim();
    this.mirrors = mirrors;
  }
}
