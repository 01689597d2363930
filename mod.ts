// Public API of the toolkit: re-exports only.
export * from "./lib/argmax.ts";
export * from "./lib/io_npy.ts";
export * from "./lib/io_png.ts";
