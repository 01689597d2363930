/**
 * Loads plotly.js for a notebook: `await loadPlotly()` as the last expression
 * of the first cell puts the library into the page once, and every figure
 * after it draws with that copy, also in exported HTML and offline.
 *
 * The library comes from the npm package `plotly.js-dist` that this module
 * depends on, read from wherever Deno installed it: `node_modules/` in a
 * project with a `node_modules` folder, Deno's cache otherwise. The package
 * is imported statically (its `package.json`), so that Deno installs it with
 * this module and `import.meta.resolve` gives its local file, both inside the
 * repository and in a project that imports `jsr:@segmetrics/iou/plot`; a
 * specifier that is only resolved, never imported, resolves to an `npm:`
 * URL that cannot be read.
 *
 * @module
 */
import plotlyPackage from "plotly.js-dist/package.json" with { type: "json" };
import { PlotlyLibrary } from "./plot.ts";

/**
 * The version of plotly.js that {@linkcode loadPlotly} loads (the version of
 * the `plotly.js-dist` package this module depends on).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PLOTLY_VERSION } from "./plotly_library.ts";
 * assert.match(PLOTLY_VERSION, /^\d+\.\d+\.\d+$/);
 * ```
 */
export const PLOTLY_VERSION: string = plotlyPackage.version;

/**
 * The local file of the plotly.js bundle: the `main` file of the installed
 * `plotly.js-dist` package. Throws when the package resolves to something
 * other than a local file.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { plotlyScriptUrl } from "./plotly_library.ts";
 * const url = plotlyScriptUrl();
 * assert.equal(url.protocol, "file:");
 * assert.ok(url.pathname.endsWith("/plotly.js"));
 * ```
 */
export function plotlyScriptUrl(): URL {
  const packageJson = import.meta.resolve("plotly.js-dist/package.json");
  if (!packageJson.startsWith("file:")) {
    throw new Error(
      `Expected the npm package plotly.js-dist to be installed as local files, but it resolves to ${packageJson}`,
    );
  }
  return new URL(plotlyPackage.main ?? "index.js", packageJson);
}

/**
 * A display object that sends the given plotly.js source gzip-compressed and
 * base64-encoded (about 4.5 MB instead of 11 MB for plotly.js 3.7); the page
 * inflates it with `DecompressionStream` (every current browser has it).
 *
 * Why compressed: besides a smaller notebook file, Deno 2.9's Jupyter kernel
 * can write its `status: idle` message into the middle of a cell's result
 * while it is still sending a large one, which breaks the kernel's output
 * stream for the rest of the session; the smaller the message, the shorter
 * that window.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { compressedPlotlyLibrary } from "./plotly_library.ts";
 * import { JUPYTER_DISPLAY } from "./display.ts";
 * const source = "window.Plotly = { newPlot() {} };".repeat(1000);
 * const library = await compressedPlotlyLibrary(source);
 * assert.equal(library.source, source);
 * const html = String(library[JUPYTER_DISPLAY]()["text/html"]);
 * assert.ok(html.includes("DecompressionStream"));
 * assert.ok(html.length < source.length / 10);
 * ```
 */
export async function compressedPlotlyLibrary(source: string): Promise<PlotlyLibrary> {
  const stream = new Blob([source]).stream().pipeThrough(new CompressionStream("gzip"));
  const gzip = new Uint8Array(await new Response(stream).arrayBuffer());
  let binary = "";
  for (let i = 0; i < gzip.length; i += 0x8000) {
    binary += String.fromCharCode(...gzip.subarray(i, i + 0x8000));
  }
  return new PlotlyLibrary(source, btoa(binary));
}

/**
 * Reads plotly.js and returns it as a display object: the last expression of
 * a notebook cell, `await loadPlotly()`, puts the library into the page once
 * (gzip-compressed, see {@linkcode compressedPlotlyLibrary}; shown as a
 * one-line note), for every figure of the notebook. Needs read access to the
 * package's file (Deno's Jupyter kernel has it).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadPlotly, PLOTLY_VERSION } from "./plotly_library.ts";
 * import { JUPYTER_DISPLAY } from "./display.ts";
 * const plotly = await loadPlotly();
 * const bundle = plotly[JUPYTER_DISPLAY]();
 * assert.ok(String(bundle["text/plain"]).startsWith(`plotly.js ${PLOTLY_VERSION} `));
 * assert.ok(String(bundle["text/html"]).startsWith("<script"));
 * ```
 */
export async function loadPlotly(): Promise<PlotlyLibrary> {
  return await compressedPlotlyLibrary(await Deno.readTextFile(plotlyScriptUrl()));
}
