import assert from "node:assert/strict";
import fc from "fast-check";
import { decodeNpy, encodeNpy, NpyFile, NpyFormatError, parseNpyHeader } from "../../lib/io/npy.ts";

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
