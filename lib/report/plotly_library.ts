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
 * Reads plotly.js and returns it as a display object: the last expression of
 * a notebook cell, `await loadPlotly()`, puts the library into the page once
 * (about 11 MB, shown as a one-line note), for every figure of the notebook.
 * Needs read access to the package's file (Deno's Jupyter kernel has it).
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
  return new PlotlyLibrary(await Deno.readTextFile(plotlyScriptUrl()));
}
