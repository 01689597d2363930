/**
 * A built-in synthetic segmentation dataset, deterministic, for demos, docs and the CLI default.
 *
 * @module
 */

/** One image of the demo dataset: flat row-major label maps. */
export interface DemoImage {
  /** True class ids, `height * width` of them (255 on the ignored border). */
  yTrue: Uint8Array;
  /** Predicted class ids, `height * width` of them. */
  yPred: Uint8Array;
}

/** The demo dataset and how it was made. */
export interface DemoDataset {
  /** Number of classes; labels are class ids in `[0, numClasses)` or `ignoreIndex`. */
  numClasses: number;
  /** Label of the ignored border pixels. */
  ignoreIndex: number;
  /** Image height in pixels. */
  height: number;
  /** Image width in pixels. */
  width: number;
  /** Class names, index = class id. */
  classNames: string[];
  /** The images, in generation order. */
  images: DemoImage[];
}

/** Options of {@linkcode demoDataset}. */
export interface DemoDatasetOptions {
  /** Number of images (default 300). */
  images?: number;
  /** Image height and width in pixels (default 64). */
  size?: number;
  /** Seed of the generator (default 20574, after keras-team/keras#20574). */
  seed?: number;
}

/**
 * Builds a synthetic dataset with what makes mean IoU definitions disagree: a dominant
 * background, a large class, a medium class, a small rare class, a tiny class present in few
 * images but sometimes predicted elsewhere (false positives in images without it), a class
 * that never occurs (absent), a class that is predicted but never true, and an ignored border
 * (label 255).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { demoDataset } from "./demo_dataset.ts";
 *
 * const demo = demoDataset({ images: 4, size: 16 });
 * assert.equal(demo.images.length, 4);
 * assert.equal(demo.images[0].yTrue.length, 16 * 16);
 * assert.equal(demo.images[0].yTrue[0], 255); // the ignored border
 * ```
 *
 * @param options Size and seed.
 * @returns The dataset.
 */
export function demoDataset(options: DemoDatasetOptions = {}): DemoDataset {
  const count = options.images ?? 300;
  const size = options.size ?? 64;
  if (!Number.isInteger(count) || count < 1) {
    throw new RangeError(`Expected images to be an integer >= 1, but found ${count}`);
  }
  if (!Number.isInteger(size) || size < 8) {
    throw new RangeError(`Expected size to be an integer >= 8, but found ${size}`);
  }
  let state = (options.seed ?? 20574) >>> 0 || 1;
  const random = () => { // xorshift32: small, deterministic, good enough for shapes
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 4294967296;
  };
  const images: DemoImage[] = [];
  for (let n = 0; n < count; n++) {
    const yTrue = new Uint8Array(size * size);
    const yPred = new Uint8Array(size * size);
    const disc = (map: Uint8Array, cls: number, cy: number, cx: number, r: number) => {
      for (let y = 0; y < size; y++) {
        for (let x = 0; x < size; x++) {
          if ((y - cy) ** 2 + (x - cx) ** 2 <= r * r) map[y * size + x] = cls;
        }
      }
    };
    // Class 1 ("road"): a band across the lower part, predicted with a shifted edge.
    const top = Math.floor(size * (0.55 + 0.2 * random()));
    const shift = Math.round((random() - 0.5) * size * 0.1);
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        if (y >= top) yTrue[y * size + x] = 1;
        if (y >= top + shift) yPred[y * size + x] = 1;
      }
    }
    // Class 2 ("car"): one or two medium discs, predicted slightly smaller or larger.
    for (let k = random() < 0.5 ? 1 : 2; k > 0; k--) {
      const cy = size * (0.3 + 0.4 * random()),
        cx = size * random(),
        r = size * 0.08 + 4 * random();
      disc(yTrue, 2, cy, cx, r);
      disc(yPred, 2, cy + 1, cx, r + (random() - 0.5) * 3);
    }
    // Class 3 ("person"): a small disc in 40% of images, often confused with class 2.
    if (random() < 0.4) {
      const cy = size * (0.2 + 0.5 * random()), cx = size * random(), r = 2 + 2 * random();
      disc(yTrue, 3, cy, cx, r);
      disc(yPred, random() < 0.3 ? 2 : 3, cy, cx + 1, r);
    }
    // Class 4 ("sign"): tiny, in 10% of images; predicted by mistake in another 10%.
    const u = random();
    if (u < 0.1) {
      const cy = size * 0.2 * random() + 3, cx = size * random();
      disc(yTrue, 4, cy, cx, 1.5);
      if (random() < 0.7) disc(yPred, 4, cy, cx, 1.5);
    } else if (u < 0.2) {
      disc(yPred, 4, size * 0.2 * random() + 3, size * random(), 1.5);
    } else if (u < 0.25) {
      // Class 6 ("train") is never true but sometimes predicted: a predicted-only class.
      disc(yPred, 6, size * 0.3, size * random(), 2.5);
    }
    // Class 5 never occurs. The one-pixel border is ignored (label 255) in the ground truth.
    for (let k = 0; k < size; k++) {
      yTrue[k] =
        yTrue[(size - 1) * size + k] =
        yTrue[k * size] =
        yTrue[k * size + size - 1] =
          255;
    }
    images.push({ yTrue, yPred });
  }
  return {
    numClasses: 7,
    ignoreIndex: 255,
    height: size,
    width: size,
    classNames: [
      "background",
      "road",
      "car",
      "person",
      "sign",
      "boat (never present)",
      "train (never true)",
    ],
    images,
  };
}
