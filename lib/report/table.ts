/**
 * A small table that displays itself in Jupyter (HTML, Markdown and plain
 * text), for notebooks that compare numbers side by side.
 *
 * @module
 */
import { JUPYTER_DISPLAY } from "./display.ts";

/** One cell of a {@linkcode Table}. */
export type TableCell = string | number | boolean | null | undefined;

/** A Jupyter MIME bundle: MIME type to content. */
export type TableBundle = Record<string, string>;

/** Options of {@linkcode table}. */
export interface TableOptions {
  /** A caption shown above the table. */
  caption?: string;
  /** How numbers are written (default: integers as they are, others to 8 significant digits). */
  format?: (value: number, column: number) => string;
}

function escapeHTML(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;");
}

function defaultNumber(value: number): string {
  if (Number.isInteger(value)) return String(value);
  if (!Number.isFinite(value)) return String(value);
  return String(Number(value.toPrecision(8)));
}

/**
 * Rows of cells under named columns, displayed as an HTML table in Jupyter.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Table } from "./table.ts";
 * const t = new Table(["library", "mIoU"], [["keras 3.7", 0.5], ["<exact>", 0.75]]);
 * assert.deepEqual(t.text(), [["library", "mIoU"], ["keras 3.7", "0.5"], ["<exact>", "0.75"]]);
 * assert.ok(t.toHTML().includes("&lt;exact&gt;"));
 * ```
 */
export class Table {
  /** Column names. */
  readonly columns: readonly string[];
  /** Rows, each with one cell per column. */
  readonly rows: readonly (readonly TableCell[])[];
  /** Caption, if any. */
  readonly caption: string | undefined;
  readonly #format: (value: number, column: number) => string;

  /** Makes a table; every row must have one cell per column. */
  constructor(
    columns: readonly string[],
    rows: readonly (readonly TableCell[])[],
    options: TableOptions = {},
  ) {
    if (!Array.isArray(columns) || columns.length === 0) {
      throw new RangeError(
        `Expected columns to be a non-empty array of names, but found ${columns}`,
      );
    }
    rows.forEach((row, i) => {
      if (row.length !== columns.length) {
        throw new RangeError(
          `Expected row ${i} to have ${columns.length} cells, but found ${row.length}`,
        );
      }
    });
    this.columns = [...columns];
    this.rows = rows.map((r) => [...r]);
    this.caption = options.caption;
    this.#format = options.format ?? defaultNumber;
  }

  /** The header and the rows as text, as they are displayed. */
  text(): string[][] {
    const cell = (v: TableCell, j: number): string =>
      v === null || v === undefined ? "" : typeof v === "number" ? this.#format(v, j) : String(v);
    return [[...this.columns], ...this.rows.map((r) => r.map(cell))];
  }

  /** An HTML `<table>` (all text escaped). */
  toHTML(): string {
    const [head, ...body] = this.text();
    const caption = this.caption ? `<caption>${escapeHTML(this.caption)}</caption>` : "";
    const th = head.map((h) => `<th>${escapeHTML(h)}</th>`).join("");
    const trs = body.map((r) => `<tr>${r.map((c) => `<td>${escapeHTML(c)}</td>`).join("")}</tr>`);
    return `<table>${caption}<thead><tr>${th}</tr></thead><tbody>${trs.join("")}</tbody></table>`;
  }

  /** A Markdown table (`|` in cells escaped). */
  toMarkdown(): string {
    const [head, ...body] = this.text();
    const line = (r: string[]) => `| ${r.map((c) => c.replace(/\|/g, "\\|")).join(" | ")} |`;
    const caption = this.caption ? `**${this.caption}**\n\n` : "";
    return caption +
      [line(head), `|${head.map(() => " --- ").join("|")}|`, ...body.map(line)].join("\n");
  }

  /** Aligned plain text. */
  toString(): string {
    const all = this.text();
    const widths = this.columns.map((_, j) => Math.max(...all.map((r) => r[j].length)));
    const line = (r: string[]) => r.map((c, j) => c.padEnd(widths[j])).join("  ").trimEnd();
    const rule = widths.map((w) => "-".repeat(w)).join("  ");
    const [head, ...body] = all;
    return [this.caption ?? "", line(head), rule, ...body.map(line)].filter((l, i) =>
      i > 0 || l !== ""
    ).join("\n");
  }

  /** The Jupyter display bundle. */
  [JUPYTER_DISPLAY](): TableBundle {
    return {
      "text/html": this.toHTML(),
      "text/markdown": this.toMarkdown(),
      "text/plain": this.toString(),
    };
  }
}

/**
 * Shorthand for `new Table(columns, rows, options)`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { table } from "./table.ts";
 * assert.equal(table(["a"], [[1]]).toMarkdown(), "| a |\n| --- |\n| 1 |");
 * ```
 */
export function table(
  columns: readonly string[],
  rows: readonly (readonly TableCell[])[],
  options: TableOptions = {},
): Table {
  return new Table(columns, rows, options);
}
