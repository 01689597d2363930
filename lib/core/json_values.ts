/**
 * How a value read from JSON is shown in an error message, shared by the `fromJSON` readers of
 * the exact state.
 *
 * @module
 */

/**
 * A JSON value as it would be written (strings quoted, arrays and objects as JSON, long ones cut
 * at 60 characters), so that an error says exactly what the file held: `"5"` and `5` differ.
 *
 * @param value a value parsed from JSON
 * @returns its text for an error message
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { showJSONValue } from "./json_values.ts";
 * assert.equal(showJSONValue("5"), '"5"');
 * assert.equal(showJSONValue(5), "5");
 * assert.equal(showJSONValue([4, null]), "[4,null]");
 * assert.equal(showJSONValue(undefined), "undefined");
 * assert.equal(showJSONValue("x".repeat(100)).length, 60);
 * ```
 */
export function showJSONValue(value: unknown): string {
  if (typeof value === "number" || value === undefined) return String(value);
  try {
    const text = JSON.stringify(value);
    return text === undefined ? String(value) : text.length > 60 ? text.slice(0, 57) + "..." : text;
  } catch {
    return String(value);
  }
}
