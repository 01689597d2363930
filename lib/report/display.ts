/**
 * The Jupyter display protocol of Deno's kernel, without touching
 * `Deno.jupyter` (which throws outside a kernel): an object with a
 * `[JUPYTER_DISPLAY]()` method returning a MIME bundle is displayed with that
 * bundle when it is the last expression of a notebook cell.
 *
 * @module
 */

/**
 * `Symbol.for("Jupyter.display")`, typed as a unique symbol so that classes
 * can declare `[JUPYTER_DISPLAY](): DisplayBundle` and callers can index it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { JUPYTER_DISPLAY } from "./display.ts";
 * assert.equal(JUPYTER_DISPLAY, Symbol.for("Jupyter.display"));
 * ```
 */
export const JUPYTER_DISPLAY: unique symbol = Symbol.for("Jupyter.display") as never;

/** A Jupyter MIME bundle: MIME type to content (e.g. `"text/html"` to a string). */
export type DisplayBundle = Record<string, unknown>;
