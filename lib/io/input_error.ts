/**
 * The error of the dataset reader for bad input files.
 *
 * @module
 */

/**
 * A problem with an input file or folder (missing, unreadable, malformed, unpaired, of the
 * wrong shape): the message names the input, what was expected and what was found, on one line,
 * so that a command-line tool can print it as is, without a stack.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { InputError } from "./input_error.ts";
 * import { pairMasks } from "./dataset.ts";
 * await assert.rejects(
 *   () => pairMasks("no/such/gt", "no/such/pred"),
 *   (e) => e instanceof InputError && e.message === "no/such/gt: no such file or folder",
 * );
 * ```
 */
export class InputError extends Error {
  /**
   * Makes the error.
   *
   * @param message what was expected and what was found, naming the input
   */
  constructor(message: string) {
    super(message);
    this.name = "InputError";
  }
}
