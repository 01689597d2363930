import assert from "node:assert/strict";
import fc from "fast-check";
import {
  decodeNpy,
  DEFAULT_MAX_PIXELS,
  encodeNpy,
  NpyFormatError,
  parseNpyHeader,
} from "../../lib/io/npy.ts";
import { NpyFile } from "../../lib/io/npy_file.ts";

/** A .npy file written byte by byte, independently of encodeNpy. */
function npy(
  descr: string,
  shape: string,
  payload: number[],
  opts: { fortran?: boolean; version?: 1 | 2 | 3; raw?: string } = {},
): Uint8Array {
  const version = opts.version ?? 1;
  const dict = opts.raw ??
    `{'descr': '${descr}', 'fortran_order': ${
      opts.fortran ? "True" : "False"
    }, 'shape': ${shape}, }`;
  const pre = version === 1 ? 10 : 12;
  let header = dict;
  while ((pre + header.length + 1) % 64 !== 0) header += " ";
  header += "\n";
  const h = new TextEncoder().encode(header);
  const out: number[] = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0];
  if (version === 1) out.push(h.length & 0xff, h.length >> 8);
  else out.push(h.length & 0xff, (h.length >> 8) & 0xff, 0, 0);
  return new Uint8Array([...out, ...h, ...payload]);
}

Deno.test("npy: int16 little endian, C order, version 1", () => {
  const a = decodeNpy(npy("<i2", "(2, 2)", [1, 0, 2, 0, 0xff, 0xff, 0x00, 0x80]), "a.npy");
  assert.equal(a.dtype, "int16");
  assert.deepEqual(a.shape, [2, 2]);
  assert.ok(a.data instanceof Int16Array);
  assert.deepEqual([...a.data], [1, 2, -1, -32768]);
});

Deno.test("npy: big endian uint16, int32, float32, float64", () => {
  assert.deepEqual([...decodeNpy(npy(">u2", "(2,)", [1, 2, 0xff, 0xfe])).data], [258, 65534]);
  assert.deepEqual([...decodeNpy(npy(">i4", "(1,)", [0xff, 0xff, 0xff, 0xfd])).data], [-3]);
  assert.deepEqual([...decodeNpy(npy(">f4", "(1,)", [0x3f, 0xc0, 0, 0])).data], [1.5]);
  assert.deepEqual([...decodeNpy(npy("<f4", "(1,)", [0, 0, 0xc0, 0x3f])).data], [1.5]);
  assert.deepEqual(
    [...decodeNpy(npy(">f8", "(1,)", [0x40, 0x09, 0x21, 0xfb, 0x54, 0x44, 0x2d, 0x18])).data],
    [3.141592653589793],
  );
  assert.deepEqual([...decodeNpy(npy(">u4", "(1,)", [0xff, 0xff, 0xff, 0xff])).data], [
    4294967295,
  ]);
});

Deno.test("npy: bool, int8, uint8 and the '=' byte-order mark", () => {
  const b = decodeNpy(npy("|b1", "(3,)", [1, 0, 1]));
  assert.equal(b.dtype, "bool");
  assert.deepEqual([...b.data], [1, 0, 1]);
  assert.deepEqual([...decodeNpy(npy("|i1", "(2,)", [0xff, 0x7f])).data], [-1, 127]);
  assert.deepEqual([...decodeNpy(npy("|u1", "(2,)", [0xff, 7])).data], [255, 7]);
  assert.deepEqual([...decodeNpy(npy("=u2", "(1,)", [1, 1])).data], [257]);
  assert.throws(() => decodeNpy(npy("|b1", "(2,)", [1, 2]), "m.npy"), /m.npy.*bool.*found 2/);
});

Deno.test("npy: float16 values decode exactly", () => {
  // 1.0, -2.0, 65504 (max), 2^-24 (smallest subnormal), -inf, 0.333251953125 (0x3555)
  const a = decodeNpy(
    npy("<f2", "(6,)", [0x00, 0x3c, 0x00, 0xc0, 0xff, 0x7b, 0x01, 0x00, 0x00, 0xfc, 0x55, 0x35]),
  );
  assert.equal(a.dtype, "float16");
  assert.deepEqual([...a.data], [1, -2, 65504, 2 ** -24, -Infinity, 0.333251953125]);
  const nan = decodeNpy(npy(">f2", "(1,)", [0x7e, 0x00]));
  assert.ok(Number.isNaN(nan.data[0]));
});

Deno.test("npy: int64/uint64 are exact up to 2^53 - 1 and an error beyond", () => {
  const le = (v: bigint, signed = true) => {
    const b = new Uint8Array(8);
    const dv = new DataView(b.buffer);
    if (signed) dv.setBigInt64(0, v, true);
    else dv.setBigUint64(0, v, true);
    return [...b];
  };
  const max = 2n ** 53n - 1n;
  const a = decodeNpy(npy("<i8", "(4,)", [...le(-2n), ...le(max), ...le(-max), ...le(5n)]));
  assert.deepEqual([...a.data], [-2, 2 ** 53 - 1, -(2 ** 53 - 1), 5]);
  assert.ok(a.data instanceof Float64Array);
  const be = [...le(max)].reverse();
  assert.deepEqual([...decodeNpy(npy(">i8", "(1,)", be)).data], [2 ** 53 - 1]);
  assert.throws(
    () => decodeNpy(npy("<i8", "(2,)", [...le(1n), ...le(max + 1n)]), "big.npy"),
    (e: Error) =>
      e instanceof NpyFormatError && /big\.npy/.test(e.message) &&
      e.message.includes("9007199254740992") && e.message.includes("element 1"),
  );
  assert.throws(() => decodeNpy(npy("<i8", "(1,)", le(-max - 1n))), /-9007199254740992/);
  assert.throws(
    () => decodeNpy(npy("<u8", "(1,)", le(2n ** 64n - 1n, false))),
    /18446744073709551615/,
  );
  assert.deepEqual([...decodeNpy(npy("<u8", "(1,)", le(max, false))).data], [2 ** 53 - 1]);
});

Deno.test("npy: Fortran order is transposed to C order", () => {
  // 2x3 array [[0,1,2],[10,11,12]] in column-major order: 0,10,1,11,2,12 (uint8)
  const a = decodeNpy(npy("|u1", "(2, 3)", [0, 10, 1, 11, 2, 12], { fortran: true }));
  assert.deepEqual([...a.data], [0, 1, 2, 10, 11, 12]);
  // 3-d: value(i,j,k) = 100i + 10j + k, shape (2,3,4); Fortran offset = i + 2j + 6k
  const payload: number[] = new Array(24);
  for (let i = 0; i < 2; i++) {
    for (let j = 0; j < 3; j++) {
      for (let k = 0; k < 4; k++) {
        const v = 100 * i + 10 * j + k;
        payload[2 * (i + 2 * j + 6 * k)] = v & 0xff;
        payload[2 * (i + 2 * j + 6 * k) + 1] = v >> 8;
      }
    }
  }
  const b = decodeNpy(npy("<i2", "(2, 3, 4)", payload, { fortran: true }));
  const expected: number[] = [];
  for (let i = 0; i < 2; i++) {
    for (let j = 0; j < 3; j++) for (let k = 0; k < 4; k++) expected.push(100 * i + 10 * j + k);
  }
  assert.deepEqual([...b.data], expected);
});

Deno.test("npy: versions 2.0 and 3.0, scalars and empty arrays", () => {
  assert.deepEqual([...decodeNpy(npy("<u2", "(1,)", [9, 0], { version: 2 })).data], [9]);
  const v3 = decodeNpy(npy("<u2", "(1,)", [9, 0], { version: 3 }));
  assert.deepEqual(parseNpyHeader(npy("<u2", "(1,)", [9, 0], { version: 3 })).version, [3, 0]);
  assert.deepEqual([...v3.data], [9]);
  const scalar = decodeNpy(npy("<i4", "()", [7, 0, 0, 0]));
  assert.deepEqual(scalar.shape, []);
  assert.deepEqual([...scalar.data], [7]);
  const empty = decodeNpy(npy("<f8", "(0, 5)", []));
  assert.deepEqual(empty.shape, [0, 5]);
  assert.equal(empty.data.length, 0);
  // key order and quotes do not matter
  const raw = `{"shape": (2,), "fortran_order": False, "descr": "|u1"}`;
  assert.deepEqual([...decodeNpy(npy("", "", [3, 4], { raw })).data], [3, 4]);
});

Deno.test("npy: every malformed input is a NpyFormatError naming the input", () => {
  const good = npy("<u2", "(2, 2)", [1, 0, 2, 0, 3, 0, 4, 0]);
  const cases: [Uint8Array, RegExp][] = [
    [new Uint8Array([1, 2, 3]), /at least 10 bytes/],
    [new Uint8Array([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x58, 1, 0, 0, 0]), /magic/],
    [
      (() => {
        const b = good.slice();
        b[6] = 4;
        return b;
      })(),
      /version 4\.0/,
    ],
    [
      (() => {
        const b = good.slice();
        b[7] = 1;
        return b;
      })(),
      /version 1\.1/,
    ],
    [good.subarray(0, 50), /truncated \.npy header/],
    [good.subarray(0, good.length - 1), /truncated \.npy file.*8 data bytes, but only 7/],
    [new Uint8Array([...good, 0]), /9 follow the header/],
    [npy("<c8", "(1,)", []), /unsupported dtype.*'<c8'/],
    [npy("<U3", "(1,)", []), /unsupported dtype.*'<U3'/],
    [npy("|O", "(1,)", []), /unsupported dtype.*'\|O'/],
    [
      npy("", "", [], { raw: "{'descr': [('a', '<i4')], 'fortran_order': False, 'shape': (1,)}" }),
      /structured/,
    ],
    [npy("", "", [], { raw: "{'descr': '<i4', 'shape': (1,)}" }), /'fortran_order' is missing/],
    [
      npy("", "", [], { raw: "{'descr': '<i4', 'fortran_order': 0, 'shape': (1,)}" }),
      /fortran_order/,
    ],
    [npy("<i4", "(2, -1)", []), /shape/],
    [npy("<i4", "(2, 'a')", []), /shape/],
    [npy("", "", [], { raw: "{'descr': '<i4', 'fortran_order': False, 'shape': (1,)" }), /corrupt/],
    [npy("", "", [], { raw: "[1, 2]" }), /dictionary/],
    [npy("<i4", "(99999999999, 99999999999)", []), /too large/],
  ];
  for (const [bytes, re] of cases) {
    assert.throws(
      () => decodeNpy(bytes, "f.npy"),
      (e: Error) =>
        e instanceof NpyFormatError && e.message.startsWith("f.npy: ") && re.test(e.message),
      `expected ${re}`,
    );
  }
});

Deno.test("npy: fuzzed bytes either decode or throw NpyFormatError, never anything else", () => {
  const good = npy("<i4", "(3, 4)", Array.from({ length: 48 }, (_, i) => i % 7));
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.nat(good.length - 1), fc.nat(255)), { maxLength: 6 }),
      fc.nat(good.length),
      (flips, cut) => {
        const b = good.slice(0, cut);
        for (const [i, v] of flips) if (i < b.length) b[i] = v;
        try {
          const a = decodeNpy(b, "fuzz.npy");
          let n = 1;
          for (const d of a.shape) n *= d;
          assert.equal(a.data.length, n);
        } catch (e) {
          if (!(e instanceof NpyFormatError)) throw e;
        }
      },
    ),
    { numRuns: 2000 },
  );
});

Deno.test("npy: encodeNpy round-trips every dtype it writes", () => {
  const cases = [
    { dtype: "bool", data: new Uint8Array([0, 1, 1, 0]) },
    { dtype: "uint8", data: new Uint8Array([0, 255, 3, 4]) },
    { dtype: "int8", data: new Int8Array([-128, 127, 0, 1]) },
    { dtype: "int16", data: new Int16Array([-32768, 32767, 0, 1]) },
    { dtype: "uint16", data: new Uint16Array([65535, 0, 1, 2]) },
    { dtype: "int32", data: new Int32Array([-(2 ** 31), 2 ** 31 - 1, 0, 1]) },
    { dtype: "uint32", data: new Uint32Array([2 ** 32 - 1, 0, 1, 2]) },
    { dtype: "int64", data: new Float64Array([-(2 ** 53 - 1), 2 ** 53 - 1, 0, -1]) },
    { dtype: "uint64", data: new Float64Array([2 ** 53 - 1, 0, 1, 2]) },
    { dtype: "float32", data: new Float32Array([1.5, -0, Infinity, 3.25]) },
    { dtype: "float64", data: new Float64Array([Math.PI, -1e300, 5e-324, 0]) },
  ] as const;
  for (const c of cases) {
    const bytes = encodeNpy({ shape: [2, 2], data: c.data, dtype: c.dtype });
    assert.equal((10 + parseNpyHeader(bytes).dataOffset - 10) % 64, 0);
    const back = decodeNpy(bytes);
    assert.equal(back.dtype, c.dtype);
    assert.deepEqual(back.shape, [2, 2]);
    assert.deepEqual([...back.data], [...c.data]);
  }
  // the header matches what np.save writes (apart from numpy's extra growth padding)
  const text = new TextDecoder().decode(encodeNpy({ shape: [5], data: new Uint8Array(5) }));
  assert.ok(text.includes("{'descr': '|u1', 'fortran_order': False, 'shape': (5,), }"));
  assert.throws(() => encodeNpy({ shape: [3], data: new Uint8Array(2) }), /length 3/);
  assert.throws(() => encodeNpy({ shape: [1], data: new Uint8Array([2]), dtype: "bool" }), /bool/);
  assert.throws(() => encodeNpy({ shape: [1], data: new Float64Array([2 ** 53]), dtype: "int64" }));
});

Deno.test("npy: NpyFile streams slices of C- and Fortran-order files", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // (3, 2, 2) big-endian uint16 stack written by hand: value = 10 * n + position
    const payload: number[] = [];
    for (let n = 0; n < 3; n++) for (let p = 0; p < 4; p++) payload.push(0, 10 * n + p);
    await Deno.writeFile(`${dir}/c.npy`, npy(">u2", "(3, 2, 2)", payload));
    const f = await NpyFile.open(`${dir}/c.npy`);
    try {
      assert.equal(f.length, 3);
      assert.deepEqual(f.sliceShape, [2, 2]);
      assert.deepEqual([...(await f.readSlice(2))], [20, 21, 22, 23]);
      assert.deepEqual([...(await f.readSlice(0))], [0, 1, 2, 3]);
      await assert.rejects(() => f.readSlice(3), RangeError);
    } finally {
      f.close();
    }
    // Fortran order (2, 2, 2): value(i,j,k) = 4i + 2j + k at offset i + 2j + 4k
    const fp = new Array(8);
    for (let i = 0; i < 2; i++) {
      for (let j = 0; j < 2; j++) {
        for (let k = 0; k < 2; k++) fp[i + 2 * j + 4 * k] = 4 * i + 2 * j + k;
      }
    }
    await Deno.writeFile(`${dir}/f.npy`, npy("|u1", "(2, 2, 2)", fp, { fortran: true }));
    const g = await NpyFile.open(`${dir}/f.npy`);
    try {
      assert.deepEqual([...(await g.readSlice(1))], [4, 5, 6, 7]);
    } finally {
      g.close();
    }
    // a truncated file is refused when opened
    await Deno.writeFile(`${dir}/t.npy`, npy("|u1", "(2, 2, 2)", [1, 2, 3]));
    await assert.rejects(() => NpyFile.open(`${dir}/t.npy`), /t\.npy: truncated/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

const hasNumpy = (() => {
  try {
    return new Deno.Command("python3", { args: ["-c", "import numpy"], stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
})();

Deno.test({
  name: "npy: files written by numpy itself decode to numpy's own values (oracle, needs numpy)",
  ignore: !hasNumpy,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    try {
      const script = `
import numpy as np, json, sys
d = sys.argv[1]
rng = np.random.default_rng(7)
out = {}
for t in ['?', 'i1', 'u1', '<i2', '>i2', '<u2', '>u2', '<i4', '>i4', '<u4', '>u4', '<i8', '>i8',
          '<u8', '>u8', '<f2', '>f2', '<f4', '>f4', '<f8', '>f8']:
    for order in 'CF':
        k = np.dtype(t).kind
        a = (rng.integers(0, 200, size=(2, 3, 4)) - (0 if k in 'ub' else 100)).astype(t)
        if k == 'f': a = (a / 7).astype(t)
        a = np.asfortranarray(a) if order == 'F' else a
        name = f"{t.replace('<','le').replace('>','be').replace('?','b')}_{order}.npy"
        np.save(f"{d}/{name}", a)
        out[name] = [a.dtype.newbyteorder("=").name, list(a.shape), [float(x) for x in a.astype('f8').ravel(order='C')]]
np.save(f"{d}/v2.npy", np.zeros((2,), 'u1'))
with open(f"{d}/oracle.json", "w") as f: json.dump(out, f)
`;
      const r = await new Deno.Command("python3", { args: ["-c", script, dir] }).output();
      assert.ok(r.success, new TextDecoder().decode(r.stderr));
      const oracle = JSON.parse(await Deno.readTextFile(`${dir}/oracle.json`));
      const names = { bool: "bool", int8: "int8", uint8: "uint8" } as Record<string, string>;
      for (
        const [name, [dtype, shape, values]] of Object.entries(oracle) as [
          string,
          [string, number[], number[]],
        ][]
      ) {
        const a = decodeNpy(await Deno.readFile(`${dir}/${name}`), name);
        assert.equal(a.dtype, names[dtype] ?? dtype, name);
        assert.deepEqual(a.shape, shape, name);
        assert.deepEqual([...a.data], values, name);
        // and streamed slice by slice, in groups of 1 and 2 slices for the Fortran-order files
        for (const fortranGroupBytes of [1, 2 * 12 * 8]) {
          const file = await NpyFile.open(`${dir}/${name}`, { fortranGroupBytes });
          try {
            for (let i = 0; i < file.length; i++) {
              const per = values.length / file.length;
              assert.deepEqual(
                [...await file.readSlice(i)],
                values.slice(i * per, (i + 1) * per),
                `${name} slice ${i}`,
              );
            }
          } finally {
            file.close();
          }
        }
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("npy: share returns views where the bytes are the values, copies otherwise", () => {
  const le = npy("<i2", "(2,)", [1, 0, 2, 0]);
  const a = decodeNpy(le, "x", { share: true });
  assert.equal(a.data.buffer, le.buffer);
  assert.deepEqual([...a.data], [1, 2]);
  const copied = decodeNpy(le, "x");
  assert.notEqual(copied.data.buffer, le.buffer);
  const be = npy(">i2", "(2,)", [0, 1, 0, 2]);
  const b = decodeNpy(be, "x", { share: true });
  assert.notEqual(b.data.buffer, be.buffer);
  assert.deepEqual([...b.data], [1, 2]);
  // Fortran order is transposed into a new array even when shared
  const f = decodeNpy(npy("|u1", "(2, 2)", [1, 3, 2, 4], { fortran: true }), "x", { share: true });
  assert.deepEqual([...f.data], [1, 2, 3, 4]);
});

Deno.test("npy: more elements than maxPixels are refused from the header, naming --max-pixels", async () => {
  const bytes = npy("<f4", "(3, 5)", new Array(60).fill(0));
  const message =
    /^NpyLimitError: m\.npy: the array of shape \(3, 5\) holds 15 elements \(60 bytes of float32\), past the limit of 14 elements per read; raise the limit with --max-pixels/;
  assert.throws(() => decodeNpy(bytes, "m.npy", { maxPixels: 14 }), message);
  assert.throws(() => decodeNpy(bytes, "m.npy", { maxPixels: 14 }), NpyFormatError);
  assert.equal(decodeNpy(bytes, "m.npy", { maxPixels: 15 }).data.length, 15);
  assert.equal(DEFAULT_MAX_PIXELS, 2 ** 28);
  assert.throws(
    () => decodeNpy(bytes, "m.npy", { maxPixels: 0 }),
    /maxPixels to be an integer >= 1, but found 0/,
  );
  // a header alone declaring 2^28 + 1 elements: refused before the size check or any allocation
  const huge = npy("|u1", `(${2 ** 28 + 1},)`, []);
  assert.throws(
    () => decodeNpy(huge, "h.npy"),
    /h\.npy: the array of shape \(268435457,\) holds 268435457 elements/,
  );
  // NpyFile limits one slice, not the file
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeFile(`${dir}/s.npy`, bytes);
    const f = await NpyFile.open(`${dir}/s.npy`, { maxPixels: 5 });
    assert.deepEqual([...(await f.readSlice(2))], [0, 0, 0, 0, 0]);
    f.close();
    await assert.rejects(
      NpyFile.open(`${dir}/s.npy`, { maxPixels: 4 }),
      /s\.npy: one slice of shape \(3, 5\) holds 5 elements \(20 bytes of float32\), past the limit of 4/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("npy: a header declaring images of zero pixels is refused with the file and shape", async () => {
  // 128 bytes that declare 10^7 images of 0 x 0 pixels: no data needed, nothing to loop over
  const header = npy("|u1", "(10000000, 0, 0)", []);
  assert.equal(header.length, 128);
  const message =
    /z\.npy: expected images of at least one pixel, but shape \(10000000, 0, 0\) declares 10000000 image\(s\) of 0 pixels/;
  assert.throws(() => decodeNpy(header, "z.npy"), message);
  assert.throws(
    () => decodeNpy(npy("<i4", "(3, 4, 0)", []), "z.npy"),
    /shape \(3, 4, 0\) declares 3 image/,
  );
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeFile(`${dir}/z.npy`, header);
    await assert.rejects(NpyFile.open(`${dir}/z.npy`), message);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  // no images at all is still an array (of no image): (0, 5) decodes empty
  assert.equal(decodeNpy(npy("<f8", "(0, 5)", [])).data.length, 0);
});

/** A Fortran-order .npy of `shape` with the given element bytes per C-order element. */
function fortranFile(descr: string, shape: number[], cBytes: number[][]): Uint8Array {
  const n = cBytes.length;
  const rank = shape.length;
  const payload = new Array<number>(0);
  const fortran = new Array<number[]>(n);
  // C index -> Fortran offset: sum_k idx_k * prod_{m<k} shape_m
  for (let c = 0; c < n; c++) {
    let rest = c, offset = 0;
    const idx = new Array<number>(rank);
    for (let k = rank - 1; k >= 0; k--) {
      idx[k] = rest % shape[k];
      rest = Math.floor(rest / shape[k]);
    }
    let stride = 1;
    for (let k = 0; k < rank; k++) {
      offset += idx[k] * stride;
      stride *= shape[k];
    }
    fortran[offset] = cBytes[c];
  }
  for (const b of fortran) payload.push(...b);
  return npy(descr, `(${shape.join(", ")}${rank === 1 ? "," : ""})`, payload, { fortran: true });
}

Deno.test("npy: NpyFile streams Fortran-order stacks slice by slice, exactly, in any group size", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(
          ["|u1", 1],
          ["|b1", 1],
          [">i2", 2],
          ["<u4", 4],
          ["<f2", 2],
          [">f8", 8],
          ["<i8", 8],
        ) as fc.Arbitrary<[string, number]>,
        fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 2, maxLength: 4 }),
        fc.integer({ min: 1, max: 200 }),
        fc.integer(),
        async ([descr, w], shape, groupBytes, seed) => {
          const n = shape.reduce((a, b) => a * b, 1);
          let s = seed | 1;
          const cBytes = Array.from({ length: n }, () => {
            s ^= s << 13;
            s ^= s >>> 17;
            s ^= s << 5;
            const b = Array.from({ length: w }, (_, k) => (s >>> (3 * k)) & 0xff);
            if (descr === "|b1") b[0] &= 1;
            if (descr === "<i8") b[7] = b[6] = 0; // safe integers
            if (descr === ">f8") b[0] &= 0x3f; // finite
            if (descr === "<f2") b[1] &= 0x3b; // finite
            return b;
          });
          const bytes = fortranFile(descr, shape, cBytes);
          // reference: the whole file transposed at once, and the same values written in C order
          const whole = decodeNpy(bytes, "f.npy");
          const cOrder = decodeNpy(npy(descr, `(${shape.join(", ")})`, cBytes.flat()), "c.npy");
          assert.deepEqual([...whole.data], [...cOrder.data]);
          await Deno.writeFile(`${dir}/f.npy`, bytes);
          const file = await NpyFile.open(`${dir}/f.npy`, { fortranGroupBytes: groupBytes });
          try {
            const per = n / shape[0];
            // forwards, then backwards (groups are reread)
            const order = [...Array(shape[0]).keys()];
            for (const i of [...order, ...order.reverse()]) {
              const slice = await file.readSlice(i);
              assert.deepEqual([...slice], [...cOrder.data.subarray(i * per, (i + 1) * per)]);
              slice.fill(0); // the caller's array: a later read of the slice must not see this
            }
          } finally {
            file.close();
          }
        },
      ),
      { numRuns: 120 },
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

// The whole-file read used to hold the raw file, its decoded copy and the transposed copy at once.
Deno.test("npy: reading a Fortran-order stack keeps memory to a group, not the file", async () => {
  const N = 48, H = 512, W = 512; // 12 MiB of uint8
  const data = new Uint8Array(N * H * W);
  for (let k = 0; k < data.length; k++) data[k] = (k * 2654435761) >>> 24;
  // Fortran order of (N, H, W): offset = n + N h + N H w
  const fortran = new Uint8Array(data.length);
  for (let n = 0; n < N; n++) {
    for (let h = 0; h < H; h++) {
      for (let w = 0; w < W; w++) fortran[n + N * h + N * H * w] = data[(n * H + h) * W + w];
    }
  }
  const header = npy("|u1", `(${N}, ${H}, ${W})`, [], { fortran: true });
  const path = await Deno.makeTempFile({ suffix: ".npy" });
  try {
    const file = new Uint8Array(header.length + fortran.length);
    file.set(header);
    file.set(fortran, header.length);
    await Deno.writeFile(path, file);
    const f = await NpyFile.open(path, { fortranGroupBytes: 1024 * 1024 });
    let grew = 0;
    try {
      // two groups read (the first and the last): what stays allocated is bounded by a group;
      // the old whole-file read kept the file, decoded and transposed (24 MiB and more)
      const before = Deno.memoryUsage().external;
      const first = await f.readSlice(0);
      const last = await f.readSlice(N - 1);
      grew = Deno.memoryUsage().external - before;
      assert.deepEqual(first, data.subarray(0, H * W));
      assert.deepEqual(last, data.subarray((N - 1) * H * W));
      for (let n = 1; n < N - 1; n += 5) {
        assert.deepEqual(await f.readSlice(n), data.subarray(n * H * W, (n + 1) * H * W), `${n}`);
      }
    } finally {
      f.close();
    }
    // per group: 1 MiB of raw slices, a 1 MiB chunk of rows, a slice and its transpose
    // (256 KiB each); the file is 12 MiB
    assert.ok(grew < 8 * 1024 * 1024, `external memory grew by ${grew} bytes`);
  } finally {
    await Deno.remove(path);
  }
});
