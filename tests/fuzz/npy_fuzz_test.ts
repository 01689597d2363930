/**
 * Fuzzing the CLI's .npy path (issue 14): real .npy files, truncated, bit-flipped or with an
 * edited header, counted by `compare` against an intact prediction. Each case must end either in
 * exit code 2 with one line on stderr that names the damaged file, no stack and no output file,
 * or in exit code 0 with exactly the confusion matrix that an independent reading of the bytes
 * (a second .npy decoder, written here from the format's description) and a plain loop give.
 * `main()` runs in this process, so a few hundred cases take a few seconds.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { encodeNpy, type NpyData } from "../../lib/io/npy.ts";
import { assertOneLineError, runMain } from "./run_main.ts";

// ---- an independent reading of a .npy file ----

/** The values of a .npy file in C order with its shape, or undefined when it is not valid. */
function oracleDecode(bytes: Uint8Array): { shape: number[]; values: number[] } | undefined {
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
  if (bytes.length < 10 || magic.some((b, i) => bytes[i] !== b)) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const major = bytes[6];
  if (major < 1 || major > 3) return undefined;
  const lenBytes = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lenBytes) return undefined;
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = 8 + lenBytes + headerLen;
  if (start > bytes.length) return undefined;
  const text = new TextDecoder("latin1").decode(bytes.subarray(8 + lenBytes, start));
  const descr = /'descr'\s*:\s*'([<>|=]?)([a-z])([0-9]+)'/.exec(text);
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text);
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(text);
  if (!descr || !fortran || !shapeText) return undefined;
  const parts = shapeText[1].split(",").map((s) => s.trim());
  if (parts.at(-1) === "") parts.pop();
  if (parts.some((p) => !/^[0-9]+$/.test(p))) return undefined;
  const shape = parts.map(Number);
  const [, order, kind, sizeText] = descr;
  const size = Number(sizeText);
  const kinds: Record<string, number[]> = {
    b: [1],
    i: [1, 2, 4, 8],
    u: [1, 2, 4, 8],
    f: [2, 4, 8],
  };
  if (!(kind in kinds) || !kinds[kind].includes(size)) return undefined;
  const little = order !== ">";
  const count = shape.reduce((a, b) => a * b, 1);
  if (count > 1e6 || bytes.length - start !== count * size) return undefined;
  const read = (k: number): number => {
    const o = start + k * size;
    if (kind === "b") return bytes[o];
    if (kind === "u") {
      if (size === 8) return Number(view.getBigUint64(o, little));
      return size === 1
        ? view.getUint8(o)
        : size === 2
        ? view.getUint16(o, little)
        : view.getUint32(o, little);
    }
    if (kind === "i") {
      if (size === 8) return Number(view.getBigInt64(o, little));
      return size === 1
        ? view.getInt8(o)
        : size === 2
        ? view.getInt16(o, little)
        : view.getInt32(o, little);
    }
    if (size === 2) return half(view.getUint16(o, little));
    return size === 4 ? view.getFloat32(o, little) : view.getFloat64(o, little);
  };
  const raw = Array.from({ length: count }, (_, k) => read(k));
  if (fortran[1] === "False" || shape.length < 2) return { shape, values: raw };
  // Fortran order: the first axis varies fastest; rewrite in C order
  const values = new Array<number>(count);
  for (let c = 0; c < count; c++) {
    let rest = c, f = 0, stride = 1;
    const index = new Array<number>(shape.length);
    for (let d = shape.length - 1; d >= 0; d--) {
      index[d] = rest % shape[d];
      rest = Math.floor(rest / shape[d]);
    }
    for (let d = 0; d < shape.length; d++) {
      f += index[d] * stride;
      stride *= shape[d];
    }
    values[c] = raw[f];
  }
  return { shape, values };
}

/** IEEE half precision to a number. */
function half(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >> 10) & 0x1f, frac = bits & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac === 0 ? sign * Infinity : NaN;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/**
 * What `compare --true t.npy --pred p.npy` must print as its confusion matrix, from the oracle's
 * reading, or undefined when the run must be refused.
 */
function expectedMatrix(
  t: { shape: number[]; values: number[] } | undefined,
  p: { shape: number[]; values: number[] },
): number[][] | undefined {
  if (t === undefined) return undefined;
  if (t.shape.length !== p.shape.length || t.shape.some((d, k) => d !== p.shape[k])) {
    return undefined;
  }
  if (t.values.length === 0) return undefined;
  let max = 1;
  for (const v of [...t.values, ...p.values]) {
    if (!Number.isSafeInteger(v) || v < 0) return undefined;
    if (v > max) max = v;
  }
  const C = max + 1;
  if (C > 4096) return undefined;
  const m = Array.from({ length: C }, () => new Array<number>(C).fill(0));
  t.values.forEach((v, k) => m[v][p.values[k]]++);
  return m;
}

// ---- the files and their damage ----

const BASES: { name: string; shape: number[]; data: NpyData }[] = [
  { name: "u1", shape: [4, 5], data: Uint8Array.from({ length: 20 }, (_, k) => (k * 7) % 5) },
  {
    name: "u2 stack",
    shape: [2, 3, 4],
    data: Uint16Array.from({ length: 24 }, (_, k) => (k * 5) % 7),
  },
  { name: "i4", shape: [3, 3], data: Int32Array.from({ length: 9 }, (_, k) => k % 4) },
  { name: "f8", shape: [2, 4], data: Float64Array.from({ length: 8 }, (_, k) => k % 3) },
];

const DESCRS = [
  "|u1",
  "|i1",
  "<u2",
  ">u2",
  "<i2",
  "<i4",
  ">i4",
  "<u4",
  "<i8",
  "<u8",
  "<f2",
  "<f4",
  ">f8",
  "|b1",
  "<c8",
  "|S1",
  "<u3",
];

/** A header edit: replaces the dictionary text, padded to the same length when it fits. */
function editHeader(bytes: Uint8Array, edit: (dict: string) => string): Uint8Array {
  const len = bytes[8] | (bytes[9] << 8);
  const text = new TextDecoder("latin1").decode(bytes.subarray(10, 10 + len));
  const dict = text.slice(0, text.indexOf("}") + 1);
  const changed = edit(dict);
  const padded = changed.length + 1 <= len ? changed.padEnd(len - 1, " ") + "\n" : changed + "\n";
  const head = new Uint8Array(10 + padded.length);
  head.set(bytes.subarray(0, 8));
  head[8] = padded.length & 0xff;
  head[9] = padded.length >> 8;
  for (let k = 0; k < padded.length; k++) head[10 + k] = padded.charCodeAt(k) & 0xff;
  const out = new Uint8Array(head.length + bytes.length - 10 - len);
  out.set(head);
  out.set(bytes.subarray(10 + len), head.length);
  return out;
}

type Damage =
  | { kind: "truncate"; at: number }
  | { kind: "flip"; at: number; bit: number }[]
  | { kind: "descr"; descr: string }
  | { kind: "fortran" }
  | { kind: "shape"; shape: number[] }
  | { kind: "length"; value: number }
  | { kind: "version"; value: number }
  | { kind: "append"; extra: number };

const damageArb: fc.Arbitrary<Damage> = fc.oneof(
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat(400) }),
  fc.array(
    fc.record({ kind: fc.constant("flip" as const), at: fc.nat(400), bit: fc.nat(7) }),
    { minLength: 1, maxLength: 3 },
  ),
  fc.record({ kind: fc.constant("descr" as const), descr: fc.constantFrom(...DESCRS) }),
  fc.record({ kind: fc.constant("fortran" as const) }),
  fc.record({
    kind: fc.constant("shape" as const),
    shape: fc.array(fc.oneof(fc.nat(30), fc.constantFrom(0, 2 ** 31, 2 ** 53, 1e6)), {
      maxLength: 4,
    }),
  }),
  fc.record({ kind: fc.constant("length" as const), value: fc.nat(0xffff) }),
  fc.record({ kind: fc.constant("version" as const), value: fc.nat(5) }),
  fc.record({ kind: fc.constant("append" as const), extra: fc.integer({ min: 1, max: 9 }) }),
);

function damage(bytes: Uint8Array, d: Damage): Uint8Array {
  if (Array.isArray(d)) {
    const out = bytes.slice();
    for (const f of d) out[f.at % out.length] ^= 1 << f.bit;
    return out;
  }
  switch (d.kind) {
    case "truncate":
      return bytes.slice(0, d.at % bytes.length);
    case "descr":
      return editHeader(bytes, (h) => h.replace(/'descr': '[^']*'/, `'descr': '${d.descr}'`));
    case "fortran":
      return editHeader(bytes, (h) => h.replace("False", "True"));
    case "shape": {
      const text = d.shape.length === 1 ? `(${d.shape[0]},)` : `(${d.shape.join(", ")})`;
      return editHeader(bytes, (h) => h.replace(/'shape': \([^)]*\)/, `'shape': ${text}`));
    }
    case "length": {
      const out = bytes.slice();
      out[8] = d.value & 0xff;
      out[9] = d.value >> 8;
      return out;
    }
    case "version": {
      const out = bytes.slice();
      out[6] = d.value;
      return out;
    }
    case "append": {
      const out = new Uint8Array(bytes.length + d.extra);
      out.set(bytes);
      return out;
    }
  }
}

Deno.test("fuzz: damaged .npy files end in exit 2 naming the file, or in the exact counts", async () => {
  const dir = await Deno.makeTempDir({ prefix: "npy_fuzz_" });
  let refused = 0, counted = 0;
  try {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...BASES), damageArb, async (base, d) => {
        const intact = encodeNpy({ shape: base.shape, data: base.data });
        const bytes = damage(intact, d);
        await Deno.writeFile(`${dir}/t.npy`, bytes);
        await Deno.writeFile(`${dir}/p.npy`, intact);
        await Deno.remove(`${dir}/out.json`).catch(() => {});
        const r = await runMain(
          [
            "compare",
            "--true",
            "t.npy",
            "--pred",
            "p.npy",
            "--format",
            "json",
            "--keras",
            "none",
            "--out",
            "out.json",
          ],
          dir,
        );
        const want = expectedMatrix(oracleDecode(bytes), oracleDecode(intact)!);
        if (r.code !== 0) {
          assertOneLineError(r, "t.npy");
          assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name).sort(), [
            "p.npy",
            "t.npy",
          ]);
          refused++;
          return;
        }
        assert.ok(want !== undefined, `accepted a file the oracle refuses: ${JSON.stringify(d)}`);
        const json = JSON.parse(await Deno.readTextFile(`${dir}/out.json`));
        assert.deepEqual(json.confusionMatrix, want, JSON.stringify(d));
        counted++;
      }),
      { numRuns: 300 },
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  // both outcomes occur, so the property is not vacuous
  assert.ok(refused > 0 && counted > 0, `${refused} refused, ${counted} counted`);
});
