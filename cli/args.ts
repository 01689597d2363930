/**
 * The CLI's flags: what each command accepts, the command line parsed into them, and the
 * checks every command shares. A bad flag is an {@linkcode InputError} (exit code 2), the same
 * class the dataset reader throws for bad input files.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { InputError } from "../lib/io/input_error.ts";
import { programName } from "./program.ts";

export { InputError };

/** The parsed flags, by name (every value as typed; commands check what they use). */
export type Flags = {
  true?: string;
  pred?: string;
  cm?: string;
  classes?: string;
  ignore?: string;
  "out-of-range"?: string;
  axis?: string;
  "max-pixels"?: string;
  "batch-size"?: string;
  format?: string;
  out?: string;
  "save-cm"?: string;
  quiet?: boolean;
  help?: boolean;
  keras?: string;
  backend?: string;
  compiled?: boolean;
  "image-size"?: string;
  images?: string;
  pixels?: string;
  frequencies?: string;
  accuracy?: string;
  shard?: string;
  "save-state"?: string;
  jobs?: string;
  symlinks?: string;
};

const OPTIONS = {
  true: { type: "string" },
  pred: { type: "string" },
  cm: { type: "string" },
  classes: { type: "string" },
  ignore: { type: "string" },
  "out-of-range": { type: "string" },
  axis: { type: "string" },
  "max-pixels": { type: "string" },
  "batch-size": { type: "string" },
  format: { type: "string" },
  out: { type: "string" },
  "save-cm": { type: "string" },
  quiet: { type: "boolean" },
  help: { type: "boolean", short: "h" },
  keras: { type: "string" },
  backend: { type: "string" },
  compiled: { type: "boolean" },
  "image-size": { type: "string" },
  images: { type: "string" },
  pixels: { type: "string" },
  frequencies: { type: "string" },
  accuracy: { type: "string" },
  shard: { type: "string" },
  "save-state": { type: "string" },
  jobs: { type: "string" },
  symlinks: { type: "string" },
} as const;

/**
 * Parses the flags after the command name. A negative number after a flag that takes a value
 * (`--axis -1`) is that flag's value, not a flag.
 *
 * @param args the arguments after the command
 * @returns the flags and the positional arguments
 * @throws {TypeError} for an unknown flag or a missing value (`parseArgs`' message)
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseFlags } from "./args.ts";
 * const { values, positionals } = parseFlags(["a", "--axis", "-1", "--quiet"]);
 * assert.equal(values.axis, "-1");
 * assert.equal(values.quiet, true);
 * assert.deepEqual(positionals, ["a"]);
 * ```
 */
export function parseFlags(args: readonly string[]): { values: Flags; positionals: string[] } {
  const joined: string[] = [];
  for (let k = 0; k < args.length; k++) {
    const name = args[k].startsWith("--") ? args[k].slice(2) : "";
    const opt = (OPTIONS as Record<string, { type: string }>)[name];
    if (opt?.type === "string" && /^-[0-9]/.test(args[k + 1] ?? "")) {
      joined.push(`${args[k]}=${args[k + 1]}`);
      k++;
    } else joined.push(args[k]);
  }
  const parsed = parseArgs({
    args: joined,
    options: OPTIONS,
    allowPositionals: true,
    strict: true,
  });
  return { values: parsed.values as Flags, positionals: parsed.positionals };
}

/**
 * The integer value of flag `--name`, at least `min`; undefined when the flag is absent.
 *
 * @param name the flag, without dashes
 * @param text its value as typed
 * @param min the smallest value allowed
 * @returns the integer, or undefined
 * @throws {InputError} for anything but an integer >= min
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { intFlag } from "./args.ts";
 * assert.equal(intFlag("classes", "21", 2), 21);
 * assert.throws(() => intFlag("classes", "1", 2), /--classes to be an integer >= 2, but found '1'/);
 * ```
 */
export function intFlag(name: string, text: string | undefined, min: number): number | undefined {
  if (text === undefined) return undefined;
  const v = Number(text);
  if (!/^-?[0-9]+$/.test(text.trim()) || !Number.isSafeInteger(v) || v < min) {
    throw new InputError(`Expected --${name} to be an integer >= ${min}, but found '${text}'`);
  }
  return v;
}

/**
 * The most classes a command counts into: the exact state holds a C x C float64 matrix
 * (C² × 8 bytes: 128 MiB at 4,096 classes, and counting keeps up to three such copies, for the
 * Keras batches and the report) plus C × 12 bytes per image. A class count inferred from the
 * labels above this (one stray 65535 in a 16-bit PNG would ask for a 65,536² matrix of 32 GiB)
 * is refused, and so is a larger `--classes`, before anything is read.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MAX_CLASSES } from "./args.ts";
 * assert.equal(MAX_CLASSES ** 2 * 8, 128 * 2 ** 20); // bytes of one matrix at the limit
 * ```
 */
export const MAX_CLASSES = 4096;

/**
 * The value of `--classes`: an integer in [2, {@linkcode MAX_CLASSES}], or undefined when the
 * flag is absent.
 *
 * @param text the value as typed
 * @returns the number of classes, or undefined
 * @throws {InputError} naming `--classes` for anything else
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { classesFlag } from "./args.ts";
 * assert.equal(classesFlag("19"), 19);
 * assert.throws(() => classesFlag("65536"), /--classes to be at most 4096 .*but found '65536'/);
 * ```
 */
export function classesFlag(text: string | undefined): number | undefined {
  const c = intFlag("classes", text, 2);
  if (c !== undefined && c > MAX_CLASSES) {
    throw new InputError(
      `Expected --classes to be at most ${MAX_CLASSES} (the exact state is a C x C float64 ` +
        `matrix: ${MAX_CLASSES} classes take 128 MiB, ${c} would take ${gib(c)}), but found ` +
        `'${text}'`,
    );
  }
  return c;
}

/**
 * The memory of a C x C float64 matrix, in words ("32 GiB").
 *
 * @param numClasses C
 * @returns e.g. "32 GiB" for 65,536 classes, "128 MiB" for 4,096
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { gib } from "./args.ts";
 * assert.equal(gib(65536), "32 GiB");
 * assert.equal(gib(4096), "128 MiB");
 * ```
 */
export function gib(numClasses: number): string {
  const bytes = numClasses * numClasses * 8;
  return bytes >= 2 ** 30
    ? `${+(bytes / 2 ** 30).toPrecision(3)} GiB`
    : `${+(bytes / 2 ** 20).toPrecision(3)} MiB`;
}

/**
 * The value of `--symlinks`: what the folder walk does with a symbolic link (default follow).
 *
 * @param text the value as typed
 * @returns `"follow"`, `"skip"` or `"error"`
 * @throws {InputError} for another value
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { symlinksFlag } from "./args.ts";
 * assert.equal(symlinksFlag(undefined), "follow");
 * assert.throws(() => symlinksFlag("never"), /--symlinks to be follow, skip or error/);
 * ```
 */
export function symlinksFlag(text: string | undefined): "follow" | "skip" | "error" {
  const s = text ?? "follow";
  if (s !== "follow" && s !== "skip" && s !== "error") {
    throw new InputError(`Expected --symlinks to be follow, skip or error, but found '${s}'`);
  }
  return s;
}

/** Flags only `risk` reads: the simulated dataset. */
const RISK_ONLY = ["images", "pixels", "image-size", "frequencies", "accuracy"] as const;
/** Flags that decide how masks are read and counted. */
const COUNTING = ["classes", "ignore", "out-of-range", "axis", "max-pixels", "symlinks"] as const;

/**
 * Refuses a flag that the command would ignore where ignoring it changes what the numbers mean:
 * the simulation flags of `risk` with any other command, the counting flags with a saved matrix
 * (`--cm` is counted already: `--ignore 0` cannot take class 0 out of it), and masks or counting
 * flags with `risk` (it reads no file).
 *
 * @param command the command ("demo" when none was named)
 * @param v the flags
 * @throws {InputError} naming the flag and why it would be ignored
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { refuseIgnoredFlags } from "./args.ts";
 * refuseIgnoredFlags("compare", { true: "gt", pred: "pred", ignore: "255" });
 * assert.throws(
 *   () => refuseIgnoredFlags("compare", { cm: "cm.npy", ignore: "0" }),
 *   /Expected no --ignore with --cm: a saved matrix is counted already/,
 * );
 * assert.throws(() => refuseIgnoredFlags("compare", { images: "8" }), /--images with 'risk' only/);
 * ```
 */
export function refuseIgnoredFlags(command: string, v: Flags): void {
  const given = (names: readonly string[]) =>
    names.filter((n) => (v as Record<string, unknown>)[n] !== undefined);
  const simulation = given(RISK_ONLY);
  if (command !== "risk" && simulation.length > 0) {
    throw new InputError(
      `Expected --${simulation[0]} with 'risk' only, but found it with '${command}', which ` +
        `would ignore it`,
    );
  }
  if (command === "risk") {
    const reading = given(["true", "pred", "cm", ...COUNTING.filter((n) => n !== "classes")]);
    if (reading.length > 0) {
      throw new InputError(
        `Expected no --${reading[0]} with 'risk': it simulates a dataset from --images or ` +
          `--pixels and reads no file, so --${reading[0]} would be ignored`,
      );
    }
  } else if (v.cm !== undefined) {
    const counting = given(COUNTING);
    if (counting.length > 0) {
      throw new InputError(
        `Expected no --${counting[0]} with --cm: a saved matrix is counted already, so ` +
          `--${counting[0]} would be ignored (count the masks with --true/--pred instead)`,
      );
    }
  }
}

/**
 * A comma-separated list of integers, each at least `min` (see {@linkcode intFlag}).
 *
 * @param name the flag, without dashes
 * @param text its value as typed
 * @param min the smallest value allowed
 * @returns the integers, or undefined when the flag is absent
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { intList } from "./args.ts";
 * assert.deepEqual(intList("batch-size", "8, 32", 1), [8, 32]);
 * ```
 */
export function intList(
  name: string,
  text: string | undefined,
  min: number,
): number[] | undefined {
  if (text === undefined) return undefined;
  return text.split(",").map((t) => intFlag(name, t.trim(), min)!);
}

/** An output format of `--format`. */
export type Format = "table" | "json" | "csv" | "markdown";

/**
 * The output format of `--format` (default table).
 *
 * @param text the value as typed
 * @returns the format
 * @throws {InputError} for another value
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatFlag } from "./args.ts";
 * assert.equal(formatFlag(undefined), "table");
 * assert.throws(() => formatFlag("xml"), /--format/);
 * ```
 */
export function formatFlag(text: string | undefined): Format {
  const f = text ?? "table";
  if (f !== "table" && f !== "json" && f !== "csv" && f !== "markdown") {
    throw new InputError(`Expected --format to be table, json, csv or markdown, but found '${f}'`);
  }
  return f;
}

/**
 * The `--true` and `--pred` paths a command needs.
 *
 * @param v the flags
 * @param command the command, for the message
 * @returns the two paths, as typed
 * @throws {InputError} naming the missing flag
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { requireMasks } from "./args.ts";
 * assert.deepEqual(requireMasks({ true: "gt", pred: "pred" }, "compare"), { t: "gt", p: "pred" });
 * assert.throws(() => requireMasks({ true: "gt" }, "compare"), /--pred is missing/);
 * ```
 */
export function requireMasks(v: Flags, command: string): { t: string; p: string } {
  if (v.true === undefined || v.pred === undefined) {
    throw new InputError(
      `Expected --true and --pred for '${command}', but ${
        v.true === undefined ? "--true" : "--pred"
      } is missing (see '${programName()} ${command} --help')`,
    );
  }
  return { t: v.true, p: v.pred };
}
