/**
 * PNG scanlines to samples: the un-filtering (None, Sub, Up, Average, Paeth) of inflated image
 * data, the Adam7 passes of interlaced images, and 1/2/4/16-bit samples to one value each.
 * Used by `png.ts`, which parses the chunks and inflates the data.
 *
 * @module
 */

/** How the samples of an image are laid out in its scanlines (from the PNG header). */
export interface ScanlineLayout {
  /** Pixels per row. */
  width: number;
  /** Rows. */
  height: number;
  /** Bits per sample: 1, 2, 4, 8 or 16. */
  depth: number;
  /** Samples per pixel: 1 (gray, palette), 2 (gray + alpha), 3 (RGB), 4 (RGBA). */
  channels: number;
  /** Adam7 interlaced. */
  interlaced: boolean;
}

/** Adam7 passes: first column, first row, column step, row step. */
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
];

/** The passes as [first column, first row, column step, row step, columns, rows, number]. */
function passesOf({ width, height, interlaced }: ScanlineLayout): number[][] {
  // a pass with no pixels has no scanlines, not even filter bytes
  return interlaced
    ? ADAM7.map(([x0, y0, dx, dy], k) => [
      x0,
      y0,
      dx,
      dy,
      Math.ceil(Math.max(0, width - x0) / dx),
      Math.ceil(Math.max(0, height - y0) / dy),
      k + 1,
    ]).filter(([, , , , w, h]) => w > 0 && h > 0)
    : [[0, 0, 1, 1, width, height, 0]];
}

/** Bytes of a row of `w` pixels, without its filter byte. */
function strideOf(layout: ScanlineLayout, w: number): number {
  return Math.ceil((w * layout.depth * layout.channels) / 8);
}

/**
 * The size of the inflated image data the header declares: every scanline of every pass with
 * its filter byte.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { imageDataSize } from "./png_scanlines.ts";
 * const layout = { width: 3, height: 5, depth: 8, channels: 1, interlaced: false };
 * assert.equal(imageDataSize(layout), 5 * (1 + 3));
 * // Adam7 on 3 x 5: passes of 1x1, 1x1, 1x2, 2x1, 1x3 and 3x2 pixels (pass 2 is empty)
 * assert.equal(imageDataSize({ ...layout, interlaced: true }), 25);
 * ```
 *
 * @param layout the header's fields
 * @returns the number of bytes
 */
export function imageDataSize(layout: ScanlineLayout): number {
  let size = 0;
  for (const [, , , , w, h] of passesOf(layout)) size += h * (strideOf(layout, w) + 1);
  return size;
}

/**
 * Un-filters `rows` scanlines of `stride` bytes each from `raw` (each preceded by its filter
 * byte, starting at `rawStart`) into `dst` (rows `stride` apart, starting at `dstStart`).
 * `bpp` is the byte distance to the "left" sample: bytes per pixel, at least 1. `dst` may be
 * `raw` itself when `dstStart <= rawStart`: byte i of row r is written at or before the place
 * it is read from, after everything it depends on.
 */
function unfilter(
  raw: Uint8Array,
  rawStart: number,
  dst: Uint8Array,
  dstStart: number,
  rows: number,
  stride: number,
  bpp: number,
  fail: (message: string) => never,
  where: (row: number) => string,
): void {
  const zero = new Uint8Array(stride);
  // Word view for the Up filter in place, where every row starts on a 4-byte boundary.
  const words = dst === raw && stride % 4 === 0 && (dst.byteOffset + dstStart) % 4 === 0
    ? new Int32Array(dst.buffer, 0, (dst.byteOffset + dst.length) >> 2)
    : undefined;
  for (let r = 0; r < rows; r++) {
    const s = rawStart + r * (stride + 1) + 1;
    const d = dstStart + r * stride;
    const filter = raw[s - 1];
    // the row above, or a row of zeros for the first one (as the specification says)
    const up = r === 0 ? zero : dst;
    const u = r === 0 ? 0 : d - stride;
    switch (filter) {
      case 0:
        if (dst === raw) raw.copyWithin(d, s, s + stride);
        else dst.set(raw.subarray(s, s + stride), d);
        break;
      case 1:
        for (let i = 0; i < bpp; i++) dst[d + i] = raw[s + i];
        for (let i = bpp; i < stride; i++) dst[d + i] = (raw[s + i] + dst[d + i - bpp]) & 0xff;
        break;
      case 2:
        if (words !== undefined && r > 0) {
          // Move the row into place, then add the row above four bytes at a time (a carry-less
          // add per byte: low seven bits added, top bits xor-ed in), on aligned words.
          raw.copyWithin(d, s, s + stride);
          const w = (dst.byteOffset + d) >> 2, above = w - (stride >> 2);
          for (let k = 0; k < stride >> 2; k++) {
            const a = words[w + k], b = words[above + k];
            words[w + k] = ((a & 0x7f7f7f7f) + (b & 0x7f7f7f7f)) ^ ((a ^ b) & 0x80808080);
          }
        } else {
          for (let i = 0; i < stride; i++) dst[d + i] = (raw[s + i] + up[u + i]) & 0xff;
        }
        break;
      case 3:
        for (let i = 0; i < bpp; i++) dst[d + i] = (raw[s + i] + (up[u + i] >> 1)) & 0xff;
        for (let i = bpp; i < stride; i++) {
          dst[d + i] = (raw[s + i] + ((dst[d + i - bpp] + up[u + i]) >> 1)) & 0xff;
        }
        break;
      case 4:
        paeth(raw, s, dst, d, up, u, stride, bpp);
        break;
      default:
        fail(
          `corrupt PNG file: expected a filter type from 0 to 4 at the start of ${where(r)}, ` +
            `but found ${filter}`,
        );
    }
  }
}

function paeth(
  raw: Uint8Array,
  s: number,
  dst: Uint8Array,
  d: number,
  up: Uint8Array,
  u: number,
  stride: number,
  bpp: number,
): void {
  // the first pixel has no left neighbours: Paeth picks the byte above
  for (let i = 0; i < bpp; i++) dst[d + i] = (raw[s + i] + up[u + i]) & 0xff;
  for (let i = bpp; i < stride; i++) {
    const a = dst[d + i - bpp], b = up[u + i], c = up[u + i - bpp];
    const pa = Math.abs(b - c), pb = Math.abs(a - c), pc = Math.abs(a + b - 2 * c);
    const predictor = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    dst[d + i] = (raw[s + i] + predictor) & 0xff;
  }
}

/** Unpacks rows of 1/2/4-bit samples (each row padded to whole bytes) into one byte each. */
function unpackBits(
  packed: Uint8Array,
  width: number,
  height: number,
  depth: number,
  out: Uint8Array,
): Uint8Array {
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

/** Big-endian byte pairs -> 16-bit samples. */
function samples16(bytes: Uint8Array, count: number): Uint16Array {
  const out = new Uint16Array(count);
  for (let i = 0; i < count; i++) out[i] = (bytes[2 * i] << 8) | bytes[2 * i + 1];
  return out;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * The 16-bit samples of `bytes` (big-endian, as PNG stores them) as a Uint16Array over the same
 * memory: on a little-endian machine the two bytes of each sample are swapped in place, two
 * samples per 32-bit word. No second image-sized array, and a fifth of `samples16`'s time.
 * Needs `bytes` 4-byte aligned (else it copies, through `samples16`).
 */
function samples16InPlace(bytes: Uint8Array, count: number): Uint16Array {
  if (bytes.byteOffset % 4 !== 0) return samples16(bytes, count);
  const out = new Uint16Array(bytes.buffer, bytes.byteOffset, count);
  if (!LITTLE_ENDIAN) return out;
  const words = new Uint32Array(bytes.buffer, bytes.byteOffset, count >> 1);
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    words[i] = ((w >>> 8) & 0x00ff00ff) | ((w & 0x00ff00ff) << 8);
  }
  if (count % 2 === 1) out[count - 1] = (bytes[2 * count - 2] << 8) | bytes[2 * count - 1];
  return out;
}

/**
 * The samples of the whole image, row-major, `channels` per pixel: one byte per sample for up to
 * 8 bits (1/2/4-bit samples unpacked, not rescaled), 16-bit values for 16 bits. `raw` (the
 * inflated image data) is un-filtered in place when the image is not interlaced, so the usual
 * 8-bit single-channel result is a view of it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { scanlinesToSamples } from "./png_scanlines.ts";
 * const layout = { width: 3, height: 2, depth: 8, channels: 1, interlaced: false };
 * const fail = (message: string): never => {
 *   throw new Error(message);
 * };
 * // row 0 with filter None: 1 2 3; row 1 with filter Up (2): adds the row above to 1 1 1
 * const raw = new Uint8Array([0, 1, 2, 3, 2, 1, 1, 1]);
 * assert.deepEqual([...scanlinesToSamples(raw, layout, fail)], [1, 2, 3, 2, 3, 4]);
 * assert.throws(
 *   () => scanlinesToSamples(new Uint8Array([0, 1, 2, 3, 2, 1]), layout, fail),
 *   /image data ends after row 1 of 2/,
 * );
 * ```
 *
 * @param raw the inflated image data (at most {@linkcode imageDataSize} bytes)
 * @param layout the header's fields
 * @param fail called with the message when the data is short or a filter type is unknown
 * @returns the samples
 */
export function scanlinesToSamples(
  raw: Uint8Array,
  layout: ScanlineLayout,
  fail: (message: string) => never,
): Uint8Array | Uint16Array {
  const { width, height, depth, channels, interlaced } = layout;
  const bpp = Math.max(1, (depth * channels) >> 3);
  const stride = (w: number) => strideOf(layout, w);
  const passes = passesOf(layout);
  const expected = imageDataSize(layout);
  // Where the data ends, in the rows of the pass it ends in.
  if (raw.length < expected) {
    let start = 0;
    for (const [, , , , w, h, number] of passes) {
      const size = h * (stride(w) + 1);
      if (start + size > raw.length) {
        const rows = Math.floor((raw.length - start) / (stride(w) + 1));
        const pass = interlaced ? ` of interlace pass ${number}` : "";
        fail(
          `image data ends after row ${rows} of ${h}${pass} (${raw.length} of the ${expected} ` +
            `bytes the header declares)`,
        );
      }
      start += size;
    }
  }
  const n = width * height;
  if (!interlaced) {
    const lineBytes = stride(width);
    // Un-filtered in place: row r moves from byte r * (stride + 1) + 1 down to r * stride, and
    // every byte is written only after the bytes it overwrites were read. No second image-sized
    // allocation (and its page faults) for the usual 8-bit single-channel mask.
    unfilter(raw, 0, raw, 0, height, lineBytes, bpp, fail, (r) => `row ${r}`);
    const lines = raw.subarray(0, lineBytes * height);
    if (depth === 16) return samples16InPlace(lines, n * channels);
    if (depth < 8) return unpackBits(lines, width, height, depth, new Uint8Array(n));
    return lines;
  }
  const out = depth === 16 ? new Uint16Array(n * channels) : new Uint8Array(n * channels);
  let start = 0;
  for (const [x0, y0, dx, dy, w, h, pass] of passes) {
    const lineBytes = stride(w);
    const lines = new Uint8Array(lineBytes * h);
    const where = (r: number) => `row ${r} of interlace pass ${pass}`;
    unfilter(raw, start, lines, 0, h, lineBytes, bpp, fail, where);
    start += h * (lineBytes + 1);
    const samples = depth === 16
      ? samples16(lines, w * h * channels)
      : depth < 8
      ? unpackBits(lines, w, h, depth, new Uint8Array(w * h))
      : lines;
    for (let r = 0; r < h; r++) {
      for (let c = 0; c < w; c++) {
        const to = ((y0 + r * dy) * width + x0 + c * dx) * channels;
        const from = (r * w + c) * channels;
        for (let k = 0; k < channels; k++) out[to + k] = samples[from + k];
      }
    }
  }
  return out;
}
