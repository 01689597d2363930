/**
 * Reading PNG label masks: chunks parsed here, image data inflated by the runtime's native zlib
 * (`node:zlib`), scanlines un-filtered in typed-array loops (`png_scanlines.ts`).
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
 * Interlaced (Adam7) files are read like any other. The chunk structure and every CRC are
 * checked before decoding, and the image data must fill exactly the rows the header declares, so
 * a truncated or corrupted file is an error, never a mask with silently zeroed rows. The
 * decompressed data is bounded by the size the header declares (a decompression bomb stops
 * there), and a header declaring more than {@linkcode MAX_PNG_PIXELS} pixels (or the
 * `maxPixels` option) is refused before anything is allocated.
 *
 * @module
 */

import { constants as zlibConstants, inflateSync } from "node:zlib";
import { imageDataSize, scanlinesToSamples } from "./png_scanlines.ts";

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

/**
 * The error thrown for a PNG that is not a readable label mask; names the input first.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodePngMask, PngMaskError } from "./png.ts";
 * assert.throws(
 *   () => decodePngMask(new Uint8Array([1, 2, 3]), "mask.png"),
 *   (e) => e instanceof PngMaskError && e.message.startsWith("mask.png: not a PNG file"),
 * );
 * ```
 */
export class PngMaskError extends Error {
  /**
   * Makes the error.
   *
   * @param message what was expected and what was found, naming the input
   */
  constructor(message: string) {
    super(message);
    this.name = "PngMaskError";
  }
}

/**
 * The largest image (width x height, in pixels) {@linkcode decodePngMask} decodes unless told
 * otherwise: 2^28, e.g. 16384 x 16384. A header declaring more is refused before any allocation,
 * so a hostile or corrupt header cannot make the reader reserve gigabytes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MAX_PNG_PIXELS } from "./png.ts";
 * assert.equal(MAX_PNG_PIXELS, 2 ** 28);
 * ```
 */
export const MAX_PNG_PIXELS: number = 2 ** 28;

/** Options of {@linkcode decodePngMask}. */
export interface DecodePngOptions {
  /**
   * Refuse images of more than this many pixels before allocating anything (an integer from 1
   * to 2^31; default {@linkcode MAX_PNG_PIXELS}).
   */
  maxPixels?: number;
}

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Colour type -> samples per pixel. */
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
/** Colour type -> the bit depths the PNG specification allows for it. */
const DEPTHS: Record<number, number[]> = {
  0: [1, 2, 4, 8, 16],
  2: [8, 16],
  3: [1, 2, 4, 8],
  4: [8, 16],
  6: [8, 16],
};
function fail(source: string, message: string): never {
  throw new PngMaskError(`${source}: ${message}`);
}

const CRC_TABLE = (() => {
  const table = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c;
  }
  return table;
})();

/** CRC-32 of `bytes[start, end)` (the PNG/zlib polynomial). */
function crc32(bytes: Uint8Array, start: number, end: number): number {
  let c = -1;
  for (let i = start; i < end; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

interface Header {
  width: number;
  height: number;
  depth: number;
  colorType: number;
  interlaced: boolean;
}

/** The chunks a label mask needs, after the structure and every CRC were checked. */
interface Chunks {
  header: Header;
  /** Payloads of the IDAT chunks, in file order. */
  idat: Uint8Array[];
}

/** Walk the chunks: complete, IHDR first, IEND last; then every CRC; then the header fields. */
function readChunks(bytes: Uint8Array, source: string, maxPixels: number): Chunks {
  if (bytes.length < 8 || SIGNATURE.some((b, i) => bytes[i] !== b)) {
    fail(source, "not a PNG file: expected the PNG signature at the start");
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // Structure first, so that a cut file says "truncated" even where a CRC also fails.
  const found: { type: string; pos: number; length: number }[] = [];
  let pos = 8;
  for (;;) {
    if (pos + 12 > bytes.length) {
      fail(
        source,
        `truncated PNG file: expected a chunk at byte ${pos} (and an IEND chunk at the end), ` +
          `but the file ends at byte ${bytes.length}`,
      );
    }
    const length = view.getUint32(pos);
    const type = String.fromCharCode(
      bytes[pos + 4],
      bytes[pos + 5],
      bytes[pos + 6],
      bytes[pos + 7],
    );
    if (found.length === 0 && type !== "IHDR") {
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
      if (width * height > maxPixels) {
        fail(
          source,
          `unsupported PNG file: ${width} x ${height} pixels is more than the limit of ` +
            `${maxPixels} pixels (maxPixels)`,
        );
      }
    }
    found.push({ type, pos, length });
    pos += 12 + length;
    if (type === "IEND") break;
  }
  for (const { type, pos, length } of found) {
    const stored = view.getUint32(pos + 8 + length);
    const computed = crc32(bytes, pos + 4, pos + 8 + length);
    if (stored !== computed) {
      fail(
        source,
        `corrupt PNG file: CRC mismatch in chunk '${type}' at byte ${pos} (stored ` +
          `0x${stored.toString(16)}, computed 0x${computed.toString(16)})`,
      );
    }
  }
  const ihdr = found[0];
  if (ihdr.length !== 13) {
    fail(source, `corrupt PNG file: expected a 13-byte IHDR chunk, but found ${ihdr.length} bytes`);
  }
  const at = ihdr.pos + 8;
  const header: Header = {
    width: view.getUint32(at),
    height: view.getUint32(at + 4),
    depth: bytes[at + 8],
    colorType: bytes[at + 9],
    interlaced: bytes[at + 12] === 1,
  };
  const { width, height, depth, colorType } = header;
  if (width === 0 || height === 0) {
    fail(
      source,
      `corrupt PNG file: expected a width and height >= 1, but found ${width} x ${height}`,
    );
  }
  if (!(colorType in CHANNELS)) {
    fail(source, `corrupt PNG file: expected colour type 0, 2, 3, 4 or 6, but found ${colorType}`);
  }
  if (!DEPTHS[colorType].includes(depth)) {
    fail(
      source,
      `corrupt PNG file: expected a bit depth of ${DEPTHS[colorType].join(", ")} for colour type ` +
        `${colorType}, but found ${depth}`,
    );
  }
  if (bytes[at + 10] !== 0) {
    fail(source, `unsupported PNG file: compression method ${bytes[at + 10]} (expected 0)`);
  }
  if (bytes[at + 11] !== 0) {
    fail(source, `unsupported PNG file: filter method ${bytes[at + 11]} (expected 0)`);
  }
  if (bytes[at + 12] > 1) {
    fail(source, `unsupported PNG file: interlace method ${bytes[at + 12]} (expected 0 or 1)`);
  }
  const idat: Uint8Array[] = [];
  let paletteSize = -1;
  for (const { type, pos, length } of found) {
    const payload = bytes.subarray(pos + 8, pos + 8 + length);
    if (type === "IDAT") idat.push(payload);
    else if (type === "PLTE") {
      if (length % 3 !== 0) {
        fail(
          source,
          `corrupt PNG file: PLTE chunk length must be a multiple of 3, found ${length}`,
        );
      }
      paletteSize = length / 3;
    } else if (type === "tRNS" && colorType === 3 && length > paletteSize) {
      fail(
        source,
        `corrupt PNG file: tRNS chunk has ${length} alpha values for ${
          Math.max(paletteSize, 0)
        } palette colours`,
      );
    } else if (type === "tRNS" && (colorType === 4 || colorType === 6)) {
      fail(source, `corrupt PNG file: tRNS chunk is not allowed for colour type ${colorType}`);
    }
  }
  if (idat.length === 0) {
    fail(source, "corrupt PNG file: expected image data, but found no IDAT chunk");
  }
  return { header, idat };
}

/** Inflates the concatenated IDAT payloads into at most `expected` bytes. */
function inflateImageData(idat: Uint8Array[], expected: number, source: string): Uint8Array {
  let compressed = idat[0];
  if (idat.length > 1) {
    compressed = new Uint8Array(idat.reduce((sum, part) => sum + part.length, 0));
    let offset = 0;
    for (const part of idat) {
      compressed.set(part, offset);
      offset += part.length;
    }
  }
  let out;
  try {
    out = inflateSync(compressed, {
      // One output chunk one byte longer than the declared size: a well-formed file fills it
      // without a second allocation or a copy, and a longer stream (a decompression bomb) is
      // stopped as soon as that chunk is full.
      chunkSize: Math.max(64, expected + 1),
      maxOutputLength: expected,
      // A stream cut short returns what it has, so that the error can say which row it ends at.
      finishFlush: zlibConstants.Z_SYNC_FLUSH,
    });
  } catch (e) {
    if ((e as { code?: string }).code === "ERR_BUFFER_TOO_LARGE") {
      fail(
        source,
        `corrupt PNG file: the image data inflates to more than the ${expected} bytes the ` +
          `header declares`,
      );
    }
    const why = e instanceof Error ? e.message : String(e);
    fail(source, `corrupt PNG file: image data does not inflate (${why.replace(/\.$/, "")})`);
  }
  // A plain Uint8Array keeps the loops below monomorphic (inflateSync returns a Buffer).
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

/**
 * The samples of the whole image, row-major, `channels` per pixel (see
 * {@linkcode scanlinesToSamples}), from image data inflated into at most the size the header
 * declares.
 */
function decodeSamples({ header, idat }: Chunks, source: string): Uint8Array | Uint16Array {
  const layout = {
    width: header.width,
    height: header.height,
    depth: header.depth,
    channels: CHANNELS[header.colorType],
    interlaced: header.interlaced,
  };
  const raw = inflateImageData(idat, imageDataSize(layout), source);
  return scanlinesToSamples(raw, layout, (message) => fail(source, message));
}

/**
 * Decode a PNG label mask (see the module documentation for what is accepted).
 *
 * @param bytes the PNG file's bytes
 * @param source a name for the input, used in error messages
 * @param options `maxPixels`: refuse larger images before allocating (default
 *   {@linkcode MAX_PNG_PIXELS})
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
 * // a header declaring more pixels than allowed is refused before decoding
 * assert.throws(() => decodePngMask(png, "mask.png", { maxPixels: 5 }), /more than the limit/);
 * ```
 */
export function decodePngMask(
  bytes: Uint8Array,
  source = "input",
  options: DecodePngOptions = {},
): LabelMask {
  const maxPixels = options.maxPixels ?? MAX_PNG_PIXELS;
  if (!Number.isInteger(maxPixels) || maxPixels < 1 || maxPixels > 2 ** 31) {
    throw new RangeError(
      `Expected maxPixels to be an integer from 1 to 2^31, but found ${maxPixels}`,
    );
  }
  const chunks = readChunks(bytes, source, maxPixels);
  const { width, height, depth, colorType } = chunks.header;
  const channels = CHANNELS[colorType];
  const data = decodeSamples(chunks, source);
  const n = width * height;
  if (channels === 1) {
    return {
      shape: [height, width],
      data,
      // the colour type says what the samples are; a PLTE chunk in a grayscale file is only a
      // display hint (and a palette file without one is invalid anyway)
      colorType: colorType === 3 ? "palette" : "grayscale",
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
