/**
 * The `deno run` entry: with no arguments, every definition of mean IoU side by side on the
 * built-in demo dataset.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { compare, type Comparison } from "./lib/compare.ts";
import { demoDataset } from "./lib/demo_dataset.ts";
import { SegmentationStats } from "./lib/segmentation_stats.ts";

const HELP = `Usage: deno task cli [--format table|json] [--help]

With no arguments: builds the built-in synthetic dataset (300 images of 64x64, imbalanced
classes, a class that never occurs, an ignored border) and prints every definition of mean IoU
side by side, with one line on why each differs from the dataset mIoU.

Example:
  deno task cli --format json
`;

/** Formats a comparison as a readable table. */
export function formatTable(result: Comparison): string {
  const lines = [
    `${result.numImages} images, ${result.pixels} counted pixels, ${result.numClasses} classes; ` +
    `absent classes: ${result.absentClasses.join(", ") || "none"}; predicted-only classes: ${
      result.predictedOnlyClasses.join(", ") || "none"
    }`,
    "",
  ];
  const width = Math.max(...result.definitions.map((d) => d.name.length));
  for (const d of result.definitions) {
    const value = Number.isNaN(d.value) ? "     NaN" : d.value.toFixed(6);
    lines.push(`${d.name.padEnd(width)}  ${value}  ${d.why}`);
  }
  return lines.join("\n");
}

/** Runs the CLI on `args`; returns the exit code. */
export function main(args: string[]): number {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: {
        format: { type: "string", default: "table" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    console.error(`error: ${(error as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (parsed.values.help) {
    console.log(HELP);
    return 0;
  }
  const format = parsed.values.format;
  if (format !== "table" && format !== "json") {
    console.error(`error: Expected --format to be table or json, but found ${format}`);
    return 2;
  }
  const demo = demoDataset();
  const stats = new SegmentationStats(demo.numClasses, { ignoreIndex: demo.ignoreIndex });
  for (const image of demo.images) stats.addImage(image.yTrue, image.yPred);
  const result = compare(stats, { batchSizes: [8, 32] });
  console.log(format === "json" ? JSON.stringify(result, null, 2) : formatTable(result));
  return 0;
}

if (import.meta.main) Deno.exit(main(Deno.args));
