/**
 * The `deno run` entry: audits segmentation masks. With no arguments it prints every
 * definition of mean IoU side by side on the built-in demo dataset.
 *
 * Commands: `compare`, `keras`, `explain A B`, `risk`; `--help` after any of them.
 * Exit codes: 0 success, 2 bad usage or bad input (the message names the file and pixel),
 * 1 internal error. Output files (`--out`, `--save-cm`) are written only when everything
 * succeeded, through a temporary file and a rename, so a failed run leaves none behind.
 * Relative paths are relative to the folder you run it from.
 *
 * Run it as `deno run -A jsr:@segmetrics/iou/cli`, as `deno task cli` in a checkout, or install
 * it: `deno install -g -A -n segmetrics <checkout>/cli.ts`.
 * The commands live in `cli/`, one file each; the masks are read by the dataset reader of
 * `@segmetrics/iou/io`, which library users and notebooks can call directly.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { main } from "./cli.ts";
 * assert.equal(await main(["--help"]), 0); // prints the usage
 * ```
 *
 * @module
 */

/**
 * Runs the CLI on `args` (without the program name) and returns the exit code: 0 success, 2 bad
 * usage or input, 1 internal error (see `cli/main.ts`, loaded on the first call).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { main } from "./cli.ts";
 * assert.equal(await main(["risk", "--help"]), 0);
 * ```
 *
 * @param args command-line arguments
 * @returns the exit code
 */
export async function main(args: string[]): Promise<number> {
  return (await import("./cli/main.ts")).main(args);
}

/** `--jobs N` (or `--jobs=N`) on the command line, when N is an integer >= 2; else 0. */
function jobsFlag(args: string[]): number {
  for (let k = 0; k < args.length; k++) {
    const m = /^--jobs(?:=(.*))?$/.exec(args[k]);
    if (m === null) continue;
    const v = m[1] ?? args[k + 1] ?? "";
    return /^[0-9]+$/.test(v) && Number(v) >= 2 && Number(v) <= 256 ? Number(v) : 0;
  }
  return 0;
}

if (import.meta.main) {
  // --jobs N: the reader workers start first, so that they load while the commands do
  // (lib/io/parallel_reader.ts)
  const jobs = jobsFlag(Deno.args);
  if (jobs > 0) (await import("./lib/io/parallel_reader.ts")).prestartReaders(jobs);
  Deno.exit(await main(Deno.args));
}
