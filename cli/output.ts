/**
 * The CLI's output: a command's result rendered (render.ts), printed or written to `--out`, with
 * the exact confusion matrix saved by `--save-cm` and the run state by `--save-state`. Files are
 * written only when everything succeeded (output_files.ts).
 *
 * @module
 */

import type { ConfusionMatrix } from "../lib/core/confusion_matrix.ts";
import type { RunState } from "../lib/core/run_state.ts";
import { encodeNpy } from "../lib/io/npy.ts";
import type { SkippedFile } from "../lib/io/dataset.ts";
import { InputError } from "./args.ts";
import { type OutputTargets, writeAllAtomic } from "./output_files.ts";
import { render, type Rendered } from "./render.ts";

/** A command's result: its output, and the exact confusion matrix for `--save-cm`. */
export interface CommandResult {
  /** The output. */
  rendered: Rendered;
  /** The exact matrix (absent for commands without data, e.g. `risk`). */
  cm?: ConfusionMatrix;
  /** The run's exact state for `--save-state` (`compare` on masks, `merge`). */
  state?: RunState;
  /** What the folder walk left out, printed on stderr once the output is delivered. */
  skipped?: readonly SkippedFile[];
}

/** How many skipped files the end of a run lists, one line each, before a count of the rest. */
export const SKIPPED_LISTED = 20;

/**
 * The lines that end a run whose folder walk left files out: one per file (up to
 * {@linkcode SKIPPED_LISTED}), then how many more. They go to stderr, never into the report, so
 * stdout and `--out` stay the same whatever was skipped.
 *
 * @param skipped the files and why
 * @returns the lines (none when nothing was skipped)
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { skippedLines } from "./output.ts";
 * const skipped = Array.from({ length: 22 }, (_, k) => ({ path: `gt/${k}.png`, why: "a FIFO, not read" }));
 * const lines = skippedLines(skipped);
 * assert.equal(lines.length, 21);
 * assert.equal(lines[0], "warning: skipped gt/0.png: a FIFO, not read");
 * assert.equal(lines[20], "warning: skipped 2 more files (22 in all)");
 * ```
 */
export function skippedLines(skipped: readonly SkippedFile[]): string[] {
  const lines = skipped.slice(0, SKIPPED_LISTED).map((s) => `warning: skipped ${s.path}: ${s.why}`);
  if (skipped.length > SKIPPED_LISTED) {
    lines.push(
      `warning: skipped ${skipped.length - SKIPPED_LISTED} more files (${skipped.length} in all)`,
    );
  }
  return lines;
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
  const files: { path: string; data: Uint8Array; flag: string }[] = [];
  if (targets.saveCm !== undefined) {
    if (!result.cm) {
      throw new InputError("Expected --save-cm with masks or --cm, not with 'risk'");
    }
    const cm = result.cm;
    files.push({
      flag: "--save-cm",
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
      flag: "--save-state",
      path: targets.saveState,
      data: new TextEncoder().encode(JSON.stringify(result.state) + "\n"),
    });
  }
  if (targets.out !== undefined) {
    files.push({ flag: "--out", path: targets.out, data: new TextEncoder().encode(text) });
  }
  await writeAllAtomic(files);
  if (targets.out === undefined) {
    const bytes = new TextEncoder().encode(text);
    for (let o = 0; o < bytes.length;) o += await Deno.stdout.write(bytes.subarray(o));
  }
  for (const line of skippedLines(result.skipped ?? [])) console.error(line);
}
