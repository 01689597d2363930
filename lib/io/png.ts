/**
 * Reading PNG label masks (decoded by `fast-png`).
 *
 * A label mask is an image whose pixel values are class ids:
 * - grayscale, 1/2/4/8/16 bits: the sample value is the class id (not rescaled: a 4-bit value
 *   of 3 is class 3, a 16-bit value of 300 is class 300);
 * - palette-indexed (Pascal VOC style), 1/2/4/8 bits: the palette index is the class id and the
 *   colours are ignored;
 * - RGB, RGBA and gray+alpha are accepted only when they carry no colour and no transparency:
 *   every pixel has R = G = B (that value is the class id) and, with alpha, is fully opaque.
 *   Masks saved through an RGB pipeline keep working; a colour-coded mask (e.g. Cityscapes
 *   colour images) is an error that names the first coloured pixel, because mapping colours
 *   to classes needs a table this reader cannot guess. Transparent pixels are an error rather
 *   than silently counted.
 *
 * The chunk structure and every CRC are checked before decoding, so a truncated or corrupted
 * file is an error, never a mask with silently zeroed rows.
 *
 * @module
 */

import { decode } from "fast-png";

/** A decoded label mask, row-major. */
export interface LabelMask {
  /** `[height, width]`. */
  shape: [number, number];
  /** Class ids, row-major: `Uint8Array` for up to 8 bits, `Uint16Array` for 16 bits. */
  data: Uint8Array | Uint16Array;
  /** How the file stored the ids. */
  colorType: "grayscale" | "palette" | "rgb-equal-channels";
  /** Bits per sample in the file. */
  bitDepth: number;
}

/** The error thrown for a PNG that is not a readable label mask; names the input first. */
export class PngMaskError extends Error {
  /** @param message what was expected and what was found */
  constructor(message: string) {
    super(message);
    this.name = "PngMaskError";
  }
}

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function fail(source: string, message: string): never {
  throw new PngMaskError(`${source}: ${message}`);
}

/** Walk the chunks: complete, IHDR first, IEND last (CRCs are checked by the decoder). */
function checkChunks(bytes: Uint8Array, source: string): void {
  if (bytes.length < 8 || SIGNATURE.some((b, i) => bytes[i] !== b)) {
    fail(source, "not a PNG file: expected the PNG signature at the start");
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 8;
  let first = true;
  for (;;) {
    if (pos + 12 > bytes.length) {
      fail(
        source,
        `truncated PNG file: expected a chunk at byte ${pos} (and an IEND chunk at the end), ` +
          `but the file ends at byte ${bytes.length}`,
      );
    }
    const length = view.getUint32(pos);
    const type = String.fromCharCode(...bytes.subarray(pos + 4, pos + 8));
    if (first && type !== "IHDR") {
      fail(source, `corrupt PNG file: expected the IHDR chunk first, but found '${type}'`);
    }
    if (pos + 12 + length > bytes.length) {
      fail(
        source,
        `truncated PNG file: chunk '${type}' at byte ${pos} needs ${length} bytes, but the ` +
          `file ends at byte ${bytes.length}`,
      );
    }
    if (type === "IHDR" && length >= 8) {
      const width = view.getUint32(pos + 8), height = view.getUint32(pos + 12);
      if (width * height > 2 ** 31) {
        fail(source, `unsupported PNG file: ${width} x ${height} pixels is more than 2^31`);
      }
    }
    first = false;
    pos += 12 + length;
    if (type === "IEND") return;
  }
}

function unpackBits(
  packed: ArrayLike<number>,
  width: number,
  height: number,
  depth: number,
): Uint8Array {
  const out = new Uint8Array(width * height);
  const perLine = Math.ceil((width * depth) / 8);
  const mask = (1 << depth) - 1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const bit = x * depth;
      const byte = packed[y * perLine + (bit >> 3)];
      out[y * width + x] = (byte >> (8 - depth - (bit & 7))) & mask;
    }
  }
  return out;
}

/**
 * Decode a PNG label mask (see the module documentation for what is accepted).
 *
 * @param bytes the PNG file's bytes
 * @param source a name for the input, used in error messages
 * @returns the class ids, row-major, with the mask's shape
 * @throws {PngMaskError} for a truncated or corrupt file, or a colour/transparent image
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encode } from "fast-png";
 * import { decodePngMask } from "./png.ts";
 * // a 2x3 palette-indexed mask (VOC style): the palette index is the class id
 * const png = encode({
 *   width: 3, height: 2, channels: 1, depth: 8,
 *   data: new Uint8Array([0, 1, 2, 2, 1, 0]),
 *   palette: [[0, 0, 0], [128, 0, 0], [0, 128, 0]],
 * });
 * const mask = decodePngMask(png, "mask.png");
 * assert.deepEqual(mask.shape, [2, 3]);
 * assert.equal(mask.colorType, "palette");
 * assert.deepEqual([...mask.data], [0, 1, 2, 2, 1, 0]);
 * ```
 */
export function decodePngMask(bytes: Uint8Array, source = "input"): LabelMask {
  checkChunks(bytes, source);
  let png;
  try {
    png = decode(bytes, { checkCrc: true });
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    fail(source, `corrupt PNG file: ${why.replace(/\.$/, "")}`);
  }
  const { width, height, depth, channels } = png;
  const n = width * height;
  const data = png.data;
  const expected = depth < 8 ? Math.ceil((width * depth) / 8) * height : n * channels;
  if (data.length < expected) {
    fail(source, `corrupt PNG file: expected ${expected} decoded samples, found ${data.length}`);
  }
  const palette = png.palette !== undefined && channels === 1;
  if (channels === 1) {
    const ids = depth < 8
      ? unpackBits(data, width, height, depth)
      : depth === 16
      ? new Uint16Array(data.buffer, data.byteOffset, n)
      : new Uint8Array(data.buffer, data.byteOffset, n);
    return {
      shape: [height, width],
      data: ids,
      colorType: palette ? "palette" : "grayscale",
      bitDepth: depth,
    };
  }
  // gray+alpha (2), RGB (3), RGBA (4): only colourless, opaque images are label masks
  const hasAlpha = channels === 2 || channels === 4;
  const colours = hasAlpha ? channels - 1 : channels;
  const opaque = depth === 16 ? 65535 : 255;
  const out = depth === 16 ? new Uint16Array(n) : new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const o = i * channels;
    const v = data[o];
    for (let c = 1; c < colours; c++) {
      if (data[o + c] !== v) {
        const rgb = Array.from(data.subarray(o, o + colours)).join(", ");
        fail(
          source,
          `expected a label mask (grayscale or palette-indexed PNG, or RGB with R = G = B), ` +
            `but found the colour (${rgb}) at pixel (row ${Math.floor(i / width)}, column ${
              i % width
            }); map colours to class ids before auditing`,
        );
      }
    }
    if (hasAlpha && data[o + channels - 1] !== opaque) {
      fail(
        source,
        `expected a fully opaque label mask, but found alpha ${
          data[o + channels - 1]
        } at pixel (row ${Math.floor(i / width)}, column ${i % width})`,
      );
    }
    out[i] = v;
  }
  return {
    shape: [height, width],
    data: out,
    colorType: colours === 1 ? "grayscale" : "rgb-equal-channels",
    bitDepth: depth,
  };
}
