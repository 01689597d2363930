import assert from "node:assert/strict";
import fc from "fast-check";
import { encode } from "fast-png";
import { decodePngMask, PngMaskError } from "../../lib/io/png.ts";

const ids8 = new Uint8Array([0, 1, 2, 255, 7, 0]); // 2 rows x 3 columns

Deno.test("png: 8-bit grayscale values are class ids", () => {
  const png = encode({ width: 3, height: 2, channels: 1, depth: 8, data: ids8 });
  const m = decodePngMask(png, "g8.png");
  assert.deepEqual(m.shape, [2, 3]);
  assert.equal(m.colorType, "grayscale");
  assert.equal(m.bitDepth, 8);
  assert.ok(m.data instanceof Uint8Array);
  assert.deepEqual([...m.data], [0, 1, 2, 255, 7, 0]);
});

Deno.test("png: 16-bit grayscale keeps ids above 255", () => {
  const data = new Uint16Array([0, 300, 65535, 1]);
  const png = encode({ width: 2, height: 2, channels: 1, depth: 16, data });
  const m = decodePngMask(png);
  assert.equal(m.bitDepth, 16);
  assert.ok(m.data instanceof Uint16Array);
  assert.deepEqual([...m.data], [0, 300, 65535, 1]);
});

Deno.test("png: palette index is the class id (VOC style), 8 and 4 bits", () => {
  // the VOC palette's first colours; the colours must not matter, only the index
  const palette = [[0, 0, 0], [128, 0, 0], [0, 128, 0], [128, 128, 0]];
  const data = new Uint8Array([3, 2, 1, 0, 0, 3]);
  const m = decodePngMask(
    encode({ width: 3, height: 2, channels: 1, depth: 8, data, palette }),
    "voc.png",
  );
  assert.equal(m.colorType, "palette");
  assert.deepEqual([...m.data], [3, 2, 1, 0, 0, 3]);
  // 4-bit palette: two indices per byte, rows padded to whole bytes (width 3 -> 2 bytes/row)
  // row 0 = 3, 2, 1 -> 0x32 0x10 ; row 1 = 0, 0, 3 -> 0x00 0x30
  const packed = new Uint8Array([0x32, 0x10, 0x00, 0x30]);
  const m4 = decodePngMask(
    encode({ width: 3, height: 2, channels: 1, depth: 4, data: packed, palette }),
  );
  assert.equal(m4.bitDepth, 4);
  assert.deepEqual([...m4.data], [3, 2, 1, 0, 0, 3]);
});

Deno.test("png: 1- and 2-bit grayscale are unpacked, not rescaled", () => {
  // width 5, 1 bit: row 0 = 1,0,1,1,0 -> 0b10110000 ; row 1 = 0,0,0,0,1 -> 0b00001000
  const m1 = decodePngMask(
    encode({ width: 5, height: 2, channels: 1, depth: 1, data: new Uint8Array([0xb0, 0x08]) }),
  );
  assert.deepEqual([...m1.data], [1, 0, 1, 1, 0, 0, 0, 0, 0, 1]);
  // width 3, 2 bits: row 0 = 3,1,2 -> 0b11011000
  const m2 = decodePngMask(
    encode({ width: 3, height: 1, channels: 1, depth: 2, data: new Uint8Array([0xd8]) }),
  );
  assert.deepEqual([...m2.data], [3, 1, 2]);
});

Deno.test("png: RGB/RGBA masks with equal channels and full opacity are read as grayscale", () => {
  const rgb = new Uint8Array([0, 0, 0, 5, 5, 5, 9, 9, 9, 1, 1, 1]);
  const m = decodePngMask(encode({ width: 2, height: 2, channels: 3, depth: 8, data: rgb }));
  assert.equal(m.colorType, "rgb-equal-channels");
  assert.deepEqual([...m.data], [0, 5, 9, 1]);
  const ga = new Uint8Array([4, 255, 2, 255]);
  const g = decodePngMask(encode({ width: 2, height: 1, channels: 2, depth: 8, data: ga }));
  assert.equal(g.colorType, "grayscale");
  assert.deepEqual([...g.data], [4, 2]);
});

Deno.test("png: colour and transparent masks are clear errors naming the pixel", () => {
  const rgb = new Uint8Array([0, 0, 0, 128, 64, 128]); // pixel (0, 1) is coloured
  assert.throws(
    () => decodePngMask(encode({ width: 2, height: 1, channels: 3, depth: 8, data: rgb }), "c.png"),
    (e: Error) =>
      e instanceof PngMaskError && e.message.startsWith("c.png: ") &&
      /grayscale or palette-indexed/.test(e.message) && /row 0, column 1/.test(e.message) &&
      /128, 64, 128/.test(e.message),
  );
  const rgba = new Uint8Array([1, 1, 1, 255, 1, 1, 1, 255, 2, 2, 2, 0]);
  assert.throws(
    () =>
      decodePngMask(encode({ width: 3, height: 1, channels: 4, depth: 8, data: rgba }), "a.png"),
    /a\.png: .*opaque.*alpha 0 at pixel \(row 0, column 2\)/,
  );
});

Deno.test("png: truncated, corrupted and non-PNG bytes are PngMaskErrors", () => {
  const good = encode({ width: 3, height: 2, channels: 1, depth: 8, data: ids8 });
  assert.throws(() => decodePngMask(new Uint8Array([1, 2, 3]), "x.png"), /x\.png: not a PNG/);
  assert.throws(() => decodePngMask(good.subarray(0, good.length - 5), "t.png"), /t\.png: trunc/);
  assert.throws(() => decodePngMask(good.subarray(0, 40), "t.png"), /truncated/);
  const flipped = good.slice();
  flipped[good.length - 20] ^= 0xff; // inside the IDAT data: CRC mismatch
  assert.throws(
    () => decodePngMask(flipped, "crc.png"),
    (e: Error) => e instanceof PngMaskError && /crc\.png: corrupt/.test(e.message),
  );
});

Deno.test("png: fuzzed bytes decode to a full mask or throw PngMaskError, never anything else", () => {
  const data = new Uint8Array(64).map((_, i) => (i * 7) % 5);
  const samples = [
    encode({ width: 8, height: 8, channels: 1, depth: 8, data }),
    encode({ width: 8, height: 8, channels: 1, depth: 8, data, palette: [[0, 0, 0], [1, 2, 3]] }),
    encode({ width: 4, height: 4, channels: 1, depth: 16, data: new Uint16Array(16).fill(3) }),
  ];
  fc.assert(
    fc.property(
      fc.nat(samples.length - 1),
      fc.array(fc.tuple(fc.nat(400), fc.nat(255)), { maxLength: 4 }),
      fc.nat(400),
      (which, flips, cut) => {
        const good = samples[which];
        const b = good.slice(0, Math.min(cut, good.length));
        for (const [i, v] of flips) if (i < b.length) b[i] = v;
        try {
          const m = decodePngMask(b, "fuzz.png");
          assert.equal(m.data.length, m.shape[0] * m.shape[1]);
        } catch (e) {
          if (!(e instanceof PngMaskError)) throw e;
        }
      },
    ),
    { numRuns: 1500 },
  );
});

Deno.test("png: absurd dimensions are refused before any allocation", () => {
  const png = encode({ width: 2, height: 1, channels: 1, depth: 8, data: new Uint8Array(2) });
  const b = png.slice();
  new DataView(b.buffer).setUint32(16, 100000); // IHDR width
  new DataView(b.buffer).setUint32(20, 100000); // IHDR height
  assert.throws(
    () => decodePngMask(b, "huge.png"),
    /huge\.png: unsupported PNG file: 100000 x 100000/,
  );
});
