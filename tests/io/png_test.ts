import assert from "node:assert/strict";
import fc from "fast-check";
import { decode, encode } from "fast-png";
import { deflateSync } from "node:zlib";
import { decodePngMask, MAX_PNG_PIXELS, PngMaskError } from "../../lib/io/png.ts";

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
    encode({ width: 5, height: 3, channels: 3, depth: 8, data: new Uint8Array(45).fill(2) }),
    encode({
      width: 5,
      height: 2,
      channels: 1,
      depth: 4,
      data: new Uint8Array(6),
      palette: [[0, 0, 0]],
    }),
    // interlaced, every filter type (rows of Sub, Up, Average, Paeth bytes)
    withIhdrByte(
      pngFile({ width: 3, height: 5 }, new Uint8Array(25).map((_, i) => (i * 7) % 5)),
      12,
      1,
    ),
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

// ---------------------------------------------------------------------------------------------
// Exactness on many generated files: every colour type and bit depth, every filter type, odd
// sizes, interlaced or not. The files are written by an independent encoder in Python (zlib +
// struct, filters applied forwards, Adam7 passes cut by numpy slicing), which Pillow must read
// back to the same samples; the decoder here must then match those samples, and fast-png too
// wherever fast-png is right.

const oraclePython = Deno.env.get("ORACLE_PYTHON") ??
  (existsSync(".venv-oracle/bin/python") ? ".venv-oracle/bin/python" : "python3");
const hasPillow = (() => {
  try {
    return new Deno.Command(oraclePython, {
      args: ["-c", "import numpy, PIL"],
      stderr: "null",
    }).outputSync().success;
  } catch {
    return false;
  }
})();

function existsSync(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

const PNG_WRITER = `
import sys, json, zlib, struct, io
import numpy as np
from PIL import Image
out, seed = sys.argv[1], int(sys.argv[2])
rng = np.random.default_rng(seed)
ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}

def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

def pack_row(row, depth):  # row: (w, c) samples -> bytes of one scanline
    flat = row.reshape(-1).astype(np.uint32)
    if depth == 16:
        return flat.astype(">u2").tobytes()
    if depth == 8:
        return flat.astype(np.uint8).tobytes()
    per = 8 // depth
    pad = (-len(flat)) % per
    flat = np.concatenate([flat, np.zeros(pad, np.uint32)]).reshape(-1, per)
    shifts = np.array([8 - depth * (k + 1) for k in range(per)], np.uint32)
    return (flat << shifts).sum(1).astype(np.uint8).tobytes()

def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else (b if pb <= pc else c)

def filter_row(kind, line, prev, bpp):
    x = [int(v) for v in line]
    up = [int(v) for v in prev]
    left = lambda i: x[i - bpp] if i >= bpp else 0
    upleft = lambda i: up[i - bpp] if i >= bpp else 0
    if kind == 0: f = x
    elif kind == 1: f = [x[i] - left(i) for i in range(len(x))]
    elif kind == 2: f = [x[i] - up[i] for i in range(len(x))]
    elif kind == 3: f = [x[i] - (left(i) + up[i]) // 2 for i in range(len(x))]
    else: f = [x[i] - paeth(left(i), up[i], upleft(i)) for i in range(len(x))]
    return bytes([kind]) + bytes([v & 255 for v in f])

def scanlines(img, depth, filters):
    h, w, c = img.shape
    bpp = max(1, depth * c // 8)
    prev = bytes(len(pack_row(img[0], depth)))
    data = b""
    for y in range(h):
        line = pack_row(img[y], depth)
        data += filter_row(filters(), line, prev, bpp)
        prev = line
    return data

def encode(img, depth, ctype, interlace, filters):
    h, w, c = img.shape
    ihdr = struct.pack(">IIBBBBB", w, h, depth, ctype, 0, 0, interlace)
    if interlace:
        raw = b""
        for x0, y0, dx, dy in ADAM7:
            sub = img[y0::dy, x0::dx]
            if sub.shape[0] and sub.shape[1]:
                raw += scanlines(sub, depth, filters)
    else:
        raw = scanlines(img, depth, filters)
    z = zlib.compress(raw, 6)
    parts = [z[k:k + 97] for k in range(0, len(z), 97)]  # several IDAT chunks, cut anywhere
    body = chunk(b"IHDR", ihdr)
    if ctype == 3:
        body += chunk(b"PLTE", bytes(rng.integers(0, 256, 3 * 2 ** depth, dtype=np.uint8)))
    for p in parts:
        body += chunk(b"IDAT", p)
    return b"\\x89PNG\\r\\n\\x1a\\n" + body + chunk(b"IEND", b"")

def pillow_samples(path, ctype, depth):  # what Pillow reads, mapped back to raw samples
    im = Image.open(path); im.load()
    a = np.asarray(im)
    if ctype in (2, 4, 6) and depth == 16:
        return None  # Pillow keeps 8 bits of 16-bit colour images: not an oracle there
    if a.dtype == bool:
        a = a.astype(np.uint32)
    a = a.astype(np.uint32)
    if ctype == 0 and depth in (2, 4):
        a = a // (255 // (2 ** depth - 1))  # Pillow scales 2/4-bit gray up to 0..255
    return a.reshape(a.shape[0], a.shape[1], -1)

cases = []
combos = [(0, d) for d in (1, 2, 4, 8, 16)] + [(3, d) for d in (1, 2, 4, 8)] + \\
    [(t, d) for t in (2, 4, 6) for d in (8, 16)]
sizes = [(1, 1), (1, 9), (5, 3), (7, 13), (17, 33), (24, 16)]
k = 0
for ctype, depth in combos:
    for interlace in (0, 1):
        for h, w in sizes:
            c = CHANNELS[ctype]
            top = 2 ** depth - 1
            smooth = (np.add.outer(np.arange(h), np.arange(w)) * rng.integers(1, 5)) % (top + 1)
            noise = rng.integers(0, top + 1, (h, w))
            gray = np.where(rng.random((h, w)) < 0.5, smooth, noise).astype(np.uint32)
            img = np.repeat(gray[:, :, None], c, 2)
            if ctype in (4, 6):
                img[:, :, -1] = top  # opaque: a label mask
            mode = k % 3  # random filters, or all Paeth, or all Average
            pick = (lambda: int(rng.integers(0, 5))) if mode == 0 else (lambda m=mode: 4 if m == 1 else 3)
            png = encode(img, depth, ctype, interlace, pick)
            name = f"case_{k:03d}.png"
            open(f"{out}/{name}", "wb").write(png)
            seen = pillow_samples(f"{out}/{name}", ctype, depth)
            if seen is not None and not np.array_equal(seen, img):
                sys.exit(f"Pillow reads {name} differently from what was encoded")
            cases.append(dict(name=name, ctype=ctype, depth=depth, interlace=interlace,
                              height=h, width=w, ids=gray.reshape(-1).tolist(),
                              pillow=seen is not None))
            k += 1
json.dump(cases, open(f"{out}/cases.json", "w"))
`;

interface GeneratedCase {
  name: string;
  ctype: number;
  depth: number;
  interlace: number;
  height: number;
  width: number;
  ids: number[];
  pillow: boolean;
}

/** fast-png's samples as class ids, or undefined where its reading is known to be wrong. */
function fastPngIds(bytes: Uint8Array, c: GeneratedCase): number[] | undefined {
  // fast-png's Adam7 reader treats 1/2/4-bit samples as whole bytes
  if (c.interlace === 1 && c.depth < 8) return undefined;
  const png = decode(bytes);
  const ids: number[] = [];
  const perLine = Math.ceil((c.width * c.depth * png.channels) / 8);
  for (let y = 0; y < c.height; y++) {
    for (let x = 0; x < c.width; x++) {
      if (c.depth < 8) {
        const bit = x * c.depth;
        const byte = png.data[y * perLine + (bit >> 3)];
        ids.push((byte >> (8 - c.depth - (bit & 7))) & ((1 << c.depth) - 1));
      } else {
        ids.push(png.data[(y * c.width + x) * png.channels]);
      }
    }
  }
  return ids;
}

Deno.test({
  name: "png: matches Pillow and fast-png on files of every colour type, bit depth and filter",
  ignore: !hasPillow,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "png_oracle_" });
    try {
      const made = await new Deno.Command(oraclePython, { args: ["-c", PNG_WRITER, dir, "7"] })
        .output();
      assert.ok(made.success, new TextDecoder().decode(made.stderr));
      const cases: GeneratedCase[] = JSON.parse(await Deno.readTextFile(`${dir}/cases.json`));
      assert.equal(cases.length, 15 * 2 * 6);
      let checkedByPillow = 0, checkedByFastPng = 0;
      for (const c of cases) {
        const bytes = await Deno.readFile(`${dir}/${c.name}`);
        const what =
          `${c.name} (colour type ${c.ctype}, ${c.depth} bits, interlace ${c.interlace})`;
        const m = decodePngMask(bytes, c.name);
        assert.deepEqual(m.shape, [c.height, c.width], what);
        assert.equal(m.bitDepth, c.depth, what);
        assert.equal(
          m.colorType,
          c.ctype === 3
            ? "palette"
            : c.ctype === 0 || c.ctype === 4
            ? "grayscale"
            : "rgb-equal-channels",
          what,
        );
        assert.ok(m.data instanceof (c.depth === 16 ? Uint16Array : Uint8Array), what);
        assert.deepEqual([...m.data], c.ids, what);
        if (c.pillow) checkedByPillow++;
        const theirs = fastPngIds(bytes, c);
        if (theirs !== undefined) {
          assert.deepEqual([...m.data], theirs, `${what} vs fast-png`);
          checkedByFastPng++;
        }
      }
      // Pillow vouches for all but the 16-bit colour files, fast-png for all but 1/2/4-bit Adam7
      assert.equal(checkedByPillow, cases.length - 3 * 2 * 6);
      assert.equal(checkedByFastPng, cases.length - 6 * 6);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

// ---------------------------------------------------------------------------------------------
// Files written here, byte by byte, to reach the checks no encoder would trigger.

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  out.set([...type].map((ch) => ch.charCodeAt(0)), 4);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/** A PNG file with the given header fields and already-filtered scanlines (or raw IDAT). */
function pngFile(
  header: { width: number; height: number; depth?: number; colorType?: number },
  scanlines: Uint8Array,
  { compressed = false } = {},
): Uint8Array {
  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, header.width);
  view.setUint32(4, header.height);
  ihdr[8] = header.depth ?? 8;
  ihdr[9] = header.colorType ?? 0;
  const parts = [
    new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", compressed ? scanlines : new Uint8Array(deflateSync(scanlines))),
    chunk("IEND", new Uint8Array(0)),
  ];
  const out = new Uint8Array(parts.reduce((sum, p) => sum + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** `rows` scanlines of a width-3 8-bit gray image: filter byte, then three samples. */
function rows3(filters: number[]): Uint8Array {
  return new Uint8Array(filters.flatMap((f, r) => [f, r, r + 1, r + 2]));
}

Deno.test("png: the hand-written files decode (so the error cases below differ by one thing)", () => {
  // filters None, Sub, Up, Average, Paeth on rows whose samples are r, r + 1, r + 2
  const m = decodePngMask(pngFile({ width: 3, height: 5 }, rows3([0, 0, 0, 0, 0])));
  assert.deepEqual([...m.data], [0, 1, 2, 1, 2, 3, 2, 3, 4, 3, 4, 5, 4, 5, 6]);
  // Sub on row [1, 2, 3] stored as [1, 1, 1]; Up on row 1 = [1,1,1] + [0,1,2] = [1,2,3]
  const sub = decodePngMask(pngFile({ width: 3, height: 1 }, new Uint8Array([1, 1, 1, 1])));
  assert.deepEqual([...sub.data], [1, 2, 3]);
  const up = decodePngMask(
    pngFile({ width: 3, height: 2 }, new Uint8Array([0, 0, 1, 2, 2, 1, 1, 1])),
  );
  assert.deepEqual([...up.data], [0, 1, 2, 1, 2, 3]);
});

Deno.test("png: image data that stops early names the row it ends after", () => {
  const three = rows3([0, 0, 0]);
  assert.throws(
    () => decodePngMask(pngFile({ width: 3, height: 5 }, three), "short.png"),
    (e: Error) =>
      e instanceof PngMaskError &&
      e.message === "short.png: image data ends after row 3 of 5 (12 of the 20 bytes the header " +
          "declares)",
  );
  // a zlib stream cut in the middle (the chunk itself intact): rows up to the cut, then the error
  // (level 0: a stored block, its data from byte 7 after the zlib and block headers)
  const z = new Uint8Array(deflateSync(rows3([0, 0, 0, 0, 0]), { level: 0 }));
  assert.throws(
    () =>
      decodePngMask(
        pngFile({ width: 3, height: 5 }, z.subarray(0, 7 + 10), { compressed: true }),
        "cut.png",
      ),
    /^PngMaskError: cut\.png: image data ends after row 2 of 5 \(10 of the 20 bytes/,
  );
  // part of a row in an interlaced file: the pass is named. 3 x 5 Adam7 has passes 1 (1 x 1),
  // 3 (1 x 1), 4 (1 x 2), 5 (2 x 1), 6 (1 x 3), 7 (3 x 2): 25 bytes with filter bytes, and the
  // third byte is in pass 3's only row
  const interlaced = withIhdrByte(pngFile({ width: 3, height: 5 }, new Uint8Array(3)), 12, 1);
  assert.throws(
    () => decodePngMask(interlaced, "adam7.png"),
    (e: Error) =>
      e.message === "adam7.png: image data ends after row 0 of 1 of interlace pass 3 (3 of the " +
          "25 bytes the header declares)",
  );
  const full = withIhdrByte(pngFile({ width: 3, height: 5 }, new Uint8Array(25)), 12, 1);
  assert.deepEqual([...decodePngMask(full).data], new Array(15).fill(0));
});

function withIhdrByte(file: Uint8Array, index: number, value: number): Uint8Array {
  const out = file.slice();
  out[16 + index] = value;
  new DataView(out.buffer).setUint32(29, crc32(out.subarray(12, 29)));
  return out;
}

Deno.test("png: more image data than the header declares is refused, not allocated", () => {
  assert.throws(
    () => decodePngMask(pngFile({ width: 3, height: 2 }, rows3([0, 0, 0])), "long.png"),
    /long\.png: corrupt PNG file: the image data inflates to more than the 8 bytes/,
  );
  // a decompression bomb: 64 MiB of zeros behind a 4 x 4 header stop after 20 bytes
  const bomb = pngFile({ width: 4, height: 4 }, new Uint8Array(2 ** 26));
  assert.ok(bomb.length < 2 ** 17);
  assert.throws(() => decodePngMask(bomb, "bomb.png"), /bomb\.png: .*more than the 20 bytes/);
});

Deno.test("png: unknown filter types, zero sizes and bad header fields name the value", () => {
  assert.throws(
    () => decodePngMask(pngFile({ width: 3, height: 3 }, rows3([0, 4, 7])), "f.png"),
    (e: Error) =>
      e instanceof PngMaskError &&
      e.message === "f.png: corrupt PNG file: expected a filter type from 0 to 4 at the start " +
          "of row 2, but found 7",
  );
  assert.throws(
    () => decodePngMask(pngFile({ width: 0, height: 3 }, new Uint8Array(3)), "z.png"),
    /z\.png: corrupt PNG file: expected a width and height >= 1, but found 0 x 3/,
  );
  assert.throws(
    () => decodePngMask(pngFile({ width: 3, height: 1, colorType: 2, depth: 4 }, rows3([0])), "d"),
    /d: corrupt PNG file: expected a bit depth of 8, 16 for colour type 2, but found 4/,
  );
  assert.throws(
    () => decodePngMask(pngFile({ width: 3, height: 1, colorType: 5 }, rows3([0])), "t"),
    /t: corrupt PNG file: expected colour type 0, 2, 3, 4 or 6, but found 5/,
  );
  const file = pngFile({ width: 3, height: 1 }, rows3([0]));
  assert.throws(
    () => decodePngMask(withIhdrByte(file, 12, 2), "i.png"),
    /i\.png: unsupported PNG file: interlace method 2/,
  );
  assert.throws(
    () => decodePngMask(withIhdrByte(file, 10, 1), "c.png"),
    /c\.png: unsupported PNG file: compression method 1/,
  );
});

Deno.test("png: the pixel limit is checked against the header before anything is decoded", () => {
  // 2^14 + 1 rows of 2^14 pixels: over MAX_PNG_PIXELS, refused though the data is 3 bytes
  const big = pngFile({ width: 2 ** 14, height: 2 ** 14 + 1 }, new Uint8Array(3));
  assert.ok((2 ** 14) * (2 ** 14 + 1) > MAX_PNG_PIXELS);
  assert.throws(
    () => decodePngMask(big, "big.png"),
    /big\.png: unsupported PNG file: 16384 x 16385 pixels is more than the limit of 268435456/,
  );
  const small = pngFile({ width: 3, height: 2 }, rows3([0, 0]));
  assert.equal(decodePngMask(small, "s.png", { maxPixels: 6 }).data.length, 6);
  assert.throws(() => decodePngMask(small, "s.png", { maxPixels: 5 }), /3 x 2 pixels is more/);
  assert.throws(
    () => decodePngMask(small, "s.png", { maxPixels: 0.5 }),
    (e: Error) =>
      e instanceof RangeError &&
      e.message === "Expected maxPixels to be an integer from 1 to 2^31, but found 0.5",
  );
});

Deno.test("png: IDAT split into many chunks decodes as one stream", () => {
  const data = new Uint8Array(40 * 7).map((_, i) => (i * 31) % 256);
  const one = encode({ width: 40, height: 7, channels: 1, depth: 8, data });
  const z = new Uint8Array(
    deflateSync(
      new Uint8Array(7 * 41).map((_, i) => i % 41 ? data[i - 1 - Math.floor(i / 41)] : 0),
    ),
  );
  const parts = [z.subarray(0, 1), z.subarray(1, 2), z.subarray(2, 50), z.subarray(50)];
  const ihdr = one.subarray(8, 8 + 25);
  const pieces = [
    one.subarray(0, 8),
    ihdr,
    ...parts.map((p) => chunk("IDAT", p)),
    chunk("IEND", new Uint8Array(0)),
  ];
  const file = new Uint8Array(pieces.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of pieces) {
    file.set(p, o);
    o += p.length;
  }
  assert.deepEqual([...decodePngMask(file, "split.png").data], [...data]);
});
