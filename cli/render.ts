/**
 * A command's result as text: a table, JSON, CSV or Markdown, and the number formats they share.
 *
 * @module
 */

import { type Format, InputError } from "./args.ts";

/** A table: column names and rows of cells (numbers are printed with 6 decimals). */
export interface Table {
  /** Column names. */
  columns: string[];
  /** Rows, one cell per column; null prints as empty. */
  rows: (string | number | null)[][];
}

/** What a command produced, in every output format. */
export interface Rendered {
  /** The JSON document. */
  json: unknown;
  /** Lines printed above the tables in table/markdown form. */
  header: string[];
  /** Tables; csv prints the first one. */
  tables: Table[];
  /** Lines printed below the tables. */
  footer: string[];
}

/**
 * A number for a table: integers as they are, others with `digits` decimals, NaN as "NaN".
 *
 * @param x the number (null and undefined print as NaN)
 * @param digits decimals of non-integers
 * @returns the text
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { num } from "./render.ts";
 * assert.equal(num(2), "2");
 * assert.equal(num(1 / 3), "0.333333");
 * assert.equal(num(null), "NaN");
 * ```
 */
export function num(x: number | null | undefined, digits = 6): string {
  if (x === null || x === undefined || Number.isNaN(x)) return "NaN";
  if (Number.isInteger(x)) return String(x);
  return x.toFixed(digits);
}

/**
 * A difference with its sign: "+0.012000", "-1.00e-7" (exponent below 1e-5), "0".
 *
 * @param x the difference
 * @returns the text
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { signed } from "./render.ts";
 * assert.equal(signed(0.012), "+0.012000");
 * assert.equal(signed(-1e-7), "-1.00e-7");
 * ```
 */
export function signed(x: number): string {
  if (x === 0) return "0";
  const t = Math.abs(x) < 1e-5 ? x.toExponential(2) : x.toFixed(6);
  return x > 0 ? `+${t}` : t;
}

/**
 * NaN as null (JSON has no NaN).
 *
 * @param x a number
 * @returns x, or null for NaN
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { nanOrNull } from "./render.ts";
 * assert.equal(nanOrNull(NaN), null);
 * ```
 */
export function nanOrNull(x: number): number | null {
  return Number.isNaN(x) ? null : x;
}

/**
 * The JSON document, indented by 2; without indentation when the indented text would pass the
 * longest string JavaScript can hold (about 2^29 characters: three 4096-class matrices, the
 * exact one and two Keras states, indented one number to a line). The values are the same.
 *
 * @param json the document
 * @returns the text, ending with a newline
 * @throws {InputError} when even the compact text is too long, naming the formats that fit
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { jsonText } from "./render.ts";
 * assert.equal(jsonText({ a: [1, 2] }), '{\n  "a": [\n    1,\n    2\n  ]\n}\n');
 * ```
 */
export function jsonText(json: unknown): string {
  try {
    return JSON.stringify(json, null, 2) + "\n";
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
  }
  try {
    return JSON.stringify(json) + "\n";
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    throw new InputError(
      "Expected a JSON output that fits in one string, but it is longer; use --format table " +
        "or csv, and --save-cm FILE.npy for the matrix",
    );
  }
}

/**
 * The rendered output in `format`: JSON, CSV of the first table, Markdown or aligned tables.
 *
 * @param r the output
 * @param format the format
 * @returns the text, ending with a newline
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { render } from "./render.ts";
 * const r = { json: {}, header: [], tables: [{ columns: ["a", "b"], rows: [["x, y", 0.5]] }], footer: [] };
 * assert.equal(render(r, "csv"), 'a,b\n"x, y",0.5\n');
 * assert.equal(render(r, "table"), "a     b\nx, y  0.500000\n");
 * ```
 */
export function render(r: Rendered, format: Format): string {
  if (format === "json") return jsonText(r.json);
  if (format === "csv") {
    const t = r.tables[0];
    const cell = (v: string | number | null) => {
      const s = v === null ? "" : typeof v === "number" ? (Number.isNaN(v) ? "NaN" : String(v)) : v;
      return /[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
    };
    return [t.columns, ...t.rows].map((row) => row.map(cell).join(",")).join("\n") + "\n";
  }
  const text = (v: string | number | null) => typeof v === "number" ? num(v) : v ?? "";
  const out: string[] = [...r.header];
  for (const t of r.tables) {
    if (out.length > 0) out.push("");
    if (format === "markdown") {
      out.push(`| ${t.columns.join(" | ")} |`);
      out.push(`|${t.columns.map(() => "---").join("|")}|`);
      for (const row of t.rows) {
        out.push(`| ${row.map((v) => text(v).replaceAll("|", "\\|")).join(" | ")} |`);
      }
    } else {
      const widths = t.columns.map((c, j) =>
        Math.max(c.length, ...t.rows.map((row) => text(row[j]).length))
      );
      const line = (row: string[]) =>
        row.map((v, j) => j === row.length - 1 ? v : v.padEnd(widths[j])).join("  ").trimEnd();
      out.push(line(t.columns));
      for (const row of t.rows) out.push(line(row.map(text)));
    }
  }
  if (r.footer.length > 0) out.push("", ...r.footer);
  return out.join("\n") + "\n";
}
