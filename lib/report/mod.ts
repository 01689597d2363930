/**
 * Surfaces for people: tables and plotly figures that render as text, HTML or Jupyter output.
 *
 * @module
 */

export * from "./display.ts";
export * from "./table.ts";
export * from "./plot.ts";
export * from "./charts.ts";
export * from "./plotly_library.ts";
