/**
 * The CLI's output: a command's result rendered as a table, JSON, CSV or Markdown, printed or
 * written to `--out`, with the exact confusion matrix saved by `--save-cm`. Files are written
 * only when everything succeeded, through temporary files and renames.
 *
 * @module
 */

import type { ConfusionMatrix } from "../lib/core/confusion_matrix.ts";
import type { RunState } from "../lib/core/run_state.ts";
import { encodeNpy } from "../lib/io/npy.ts";
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

/** A command's result: its output, and the exact confusion matrix for `--save-cm`. */
export interface CommandResult {
  /** The output. */
  rendered: Rendered;
  /** The exact matrix (absent for commands without data, e.g. `risk`). */
  cm?: ConfusionMatrix;
  /** The run's exact state for `--save-state` (`compare` on masks, `merge`). */
  state?: RunState;
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
 * import { num } from "./output.ts";
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
 * import { signed } from "./output.ts";
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
 * import { nanOrNull } from "./output.ts";
 * assert.equal(nanOrNull(NaN), null);
 * ```
 */
export function nanOrNull(x: number): number | null {
  return Number.isNaN(x) ? null : x;
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
 * import { render } from "./output.ts";
 * const r = { json: {}, header: [], tables: [{ columns: ["a", "b"], rows: [["x, y", 0.5]] }], footer: [] };
 * assert.equal(render(r, "csv"), 'a,b\n"x, y",0.5\n');
 * assert.equal(render(r, "table"), "a     b\nx, y  0.500000\n");
 * ```
 */
export function render(r: Rendered, format: Format): string {
  if (format === "json") return JSON.stringify(r.json, null, 2) + "\n";
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

/**
 * Writes every file to a temporary name beside it first, and renames them into place only when
 * all were written: a failed run leaves neither a partial file nor half of the outputs.
 *
 * @param files paths and their bytes
 * @throws {InputError} naming the file that cannot be written
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { writeAllAtomic } from "./output.ts";
 * const dir = await Deno.makeTempDir();
 * const ok = { path: `${dir}/a.txt`, data: new TextEncoder().encode("a") };
 * await assert.rejects(() => writeAllAtomic([ok, { path: `${dir}/no/b.txt`, data: new Uint8Array() }]));
 * assert.deepEqual([...Deno.readDirSync(dir)], []); // neither file, nor a temporary one
 * await writeAllAtomic([ok]);
 * assert.equal(await Deno.readTextFile(`${dir}/a.txt`), "a");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeAllAtomic(files: { path: string; data: Uint8Array }[]): Promise<void> {
  const tmps: string[] = [];
  try {
    for (const { path, data } of files) {
      const dir = path.includes("/") ? path.slice(0, path.lastIndexOf("/")) || "/" : ".";
      const tmp = `${dir}/.${path.slice(path.lastIndexOf("/") + 1)}.tmp-${Deno.pid}`;
      tmps.push(tmp);
      try {
        await Deno.writeFile(tmp, data);
      } catch (e) {
        throw new InputError(`${path}: cannot write (${(e as Error).message})`);
      }
    }
    for (let k = 0; k < files.length; k++) await Deno.rename(tmps[k], files[k].path);
  } catch (e) {
    for (const tmp of tmps) await Deno.remove(tmp).catch(() => {});
    throw e instanceof InputError ? e : new InputError(`cannot write (${(e as Error).message})`);
  }
}

/** Where a command's output goes: `--out`, `--save-cm`, and the format. */
export interface OutputTargets {
  /** `--out FILE`, instead of stdout. */
  out?: string;
  /** `--save-cm FILE.npy`: the exact confusion matrix as int64 (float64 when weighted). */
  saveCm?: string;
  /** `--save-state FILE.json`: the run's exact state (see cli/merge.ts). */
  saveState?: string;
  /** The output format. */
  format: Format;
}

/**
 * Renders `result` and delivers it: the files of `--save-cm` and `--out` written together
 * (or neither), then stdout when there is no `--out`.
 *
 * @param result the command's result
 * @param targets `--out`, `--save-cm`, the format
 * @throws {InputError} for `--save-cm` without a matrix, or a file that cannot be written
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { emit } from "./output.ts";
 * const dir = await Deno.makeTempDir();
 * const rendered = { json: { answer: 42 }, header: [], tables: [], footer: [] };
 * await emit({ rendered }, { out: `${dir}/r.json`, format: "json" });
 * assert.deepEqual(JSON.parse(await Deno.readTextFile(`${dir}/r.json`)), { answer: 42 });
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function emit(result: CommandResult, targets: OutputTargets): Promise<void> {
  const text = render(result.rendered, targets.format);
  const files: { path: string; data: Uint8Array }[] = [];
  if (targets.saveCm !== undefined) {
    if (!result.cm) {
      throw new InputError("Expected --save-cm with masks or --cm, not with 'risk'");
    }
    const cm = result.cm;
    files.push({
      path: targets.saveCm,
      data: encodeNpy({
        shape: [cm.numClasses, cm.numClasses],
        data: cm.counts(),
        dtype: cm.weighted ? "float64" : "int64",
      }),
    });
  }
  if (targets.saveState !== undefined) {
    if (!result.state) {
      throw new InputError("Expected --save-state with 'compare' on masks or with 'merge'");
    }
    files.push({
      path: targets.saveState,
      data: new TextEncoder().encode(JSON.stringify(result.state) + "\n"),
    });
  }
  if (targets.out !== undefined) {
    files.push({ path: targets.out, data: new TextEncoder().encode(text) });
  }
  await writeAllAtomic(files);
  if (targets.out === undefined) {
    const bytes = new TextEncoder().encode(text);
    for (let o = 0; o < bytes.length;) o += await Deno.stdout.write(bytes.subarray(o));
  }
}
