// Public API of the toolkit: re-exports only.
export * from "./lib/display.ts";
export * from "./lib/plot.ts";
export * from "./lib/table.ts";
