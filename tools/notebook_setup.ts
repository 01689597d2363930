/**
 * Setup for the project's notebooks: loads the plotly.js library from the
 * npm package in the import map (`plotly.js-dist`), for display once per
 * notebook. Kept out of `lib/` because it reads a file.
 *
 * @module
 */
import { type PlotlyLibrary, plotlyLibrary } from "../lib/report/plot.ts";

/** The plotly.js file used: the package's minified build if it has one, else the full one. */
export async function plotlySource(): Promise<string> {
  const main = new URL(import.meta.resolve("plotly.js-dist"));
  const min = new URL("plotly.min.js", main);
  try {
    return await Deno.readTextFile(min);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
    return await Deno.readTextFile(main);
  }
}

/** A display object that puts plotly.js into the notebook page once. */
export async function loadPlotly(): Promise<PlotlyLibrary> {
  return plotlyLibrary(await plotlySource());
}
