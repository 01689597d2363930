/**
 * Inputs: NumPy `.npy` files (read whole or streamed image by image), PNG label maps, and the
 * dataset reader that pairs folders of masks by name, as the CLI does.
 *
 * @module
 */

export * from "./npy.ts";
export * from "./png.ts";
export * from "./dataset.ts";
export * from "./demo_dataset.ts";
