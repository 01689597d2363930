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

import { main } from "./cli/main.ts";

export { main };

if (import.meta.main) Deno.exit(await main(Deno.args));
