/**
 * The uint8 pair histogram under the counting kernel: `(yTrue[i] << 8) | yPred[i]` counted into
 * 65,536 bins, by a small WebAssembly SIMD module (written out below, instruction by
 * instruction) where the runtime has WebAssembly SIMD, by a JavaScript loop elsewhere. Both are
 * exact; `tests/core/pair_counts_test.ts` checks them against a plain loop.
 *
 * @module
 */

/**
 * Adds the raw pairs `(yTrue[i] << 8) | yPred[i]` for i in [start, end) to a 65,536-bin
 * histogram. Shared with the accelerated backends (`pair_table.ts`). Bins are u32: callers keep
 * `end - start` below 2^32.
 *
 * From 4,096 pixels on, the pixels are counted by a small WebAssembly SIMD kernel (see
 * {@linkcode wasmKernel}) into four sub-histograms, then summed into `hist`; where WebAssembly
 * SIMD is missing, and for fewer pixels, a JavaScript loop reads four labels per 32-bit load.
 * Both are exact; `tests/core/pair_counts_test.ts` checks them against a plain loop.
 *
 * The kernel also keeps the largest true and predicted label it counted, and folds only the bins
 * below them: for a small image (65,536 pixels of 19 classes, say) that is a few thousand bins
 * instead of 65,536, which cost more than counting the pixels. The return value passes these
 * bounds on, so that the caller reads only those bins too: every pair counted in this call has
 * `yTrue[i] <= ret >> 8` and `yPred[i] <= (ret & 255)`. The JavaScript kernel returns 65535
 * (no bound).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { histogramUint8 } from "./uint8_histogram.ts";
 * const n = 10000;
 * const yTrue = new Uint8Array(n).map((_, i) => i % 3);
 * const yPred = new Uint8Array(n).map((_, i) => (i % 3 === 2 ? 1 : i % 3));
 * const hist = new Uint32Array(65536);
 * const bounds = histogramUint8(yTrue, yPred, 0, n, hist);
 * assert.equal(hist[(0 << 8) | 0], 3334);
 * assert.equal(hist[(1 << 8) | 1], 3333);
 * assert.equal(hist[(2 << 8) | 1], 3333);
 * assert.equal(hist.reduce((a, b) => a + b), n);
 * assert.equal(bounds, (2 << 8) | 1); // the largest labels: true 2, predicted 1
 * ```
 *
 * @param yTrue True labels.
 * @param yPred Predicted labels, same length.
 * @param start First index.
 * @param end One past the last index.
 * @param hist The histogram to add to.
 * @returns `(largest true label << 8) | largest predicted label` among the pairs counted, or
 *   65535 where not tracked (the JavaScript kernel)
 */
export function histogramUint8(
  yTrue: Uint8Array,
  yPred: Uint8Array,
  start: number,
  end: number,
  hist: Uint32Array,
): number {
  const kernel = end - start >= WASM_MIN_PIXELS ? wasmKernel() : null;
  if (kernel === null) {
    histogramUint8Js(yTrue, yPred, start, end, hist);
    return 65535;
  }
  const { countRuns, countPlain, fold, bytes, plane0 } = kernel;
  bytes.fill(0, WASM_MAX_AT, WASM_MAX_AT + 32);
  let i = start;
  // Copy blocks into the module's memory (cheap next to counting: a tenth of the time), count
  // whole 16-pixel groups there, and the last few pixels here. Label maps are mostly runs, and
  // counting 16 equal pairs at once makes them three times faster; where a block has few runs
  // (noise-like labels), the next 15 blocks skip the test for them.
  let plainBlocks = 0;
  while (end - i >= 16) {
    // (`& ~15` only below 2^31: past that it would give a negative int32)
    const len = end - i >= WASM_BLOCK ? WASM_BLOCK : (end - i) & ~15;
    bytes.set(yTrue.subarray(i, i + len), WASM_TRUE_AT);
    bytes.set(yPred.subarray(i, i + len), WASM_PRED_AT);
    if (plainBlocks > 0) {
      countPlain(WASM_TRUE_AT, WASM_PRED_AT, len);
      plainBlocks--;
    } else if (countRuns(WASM_TRUE_AT, WASM_PRED_AT, len) * 16 * 4 < len) {
      plainBlocks = 15; // under a quarter of the pixels were in runs
    }
    i += len;
  }
  // the largest labels the kernel saw: 16 lanes each, kept in its memory
  let maxTrue = 0;
  let maxPred = 0;
  for (let k = 0; k < 16; k++) {
    if (bytes[WASM_MAX_AT + k] > maxTrue) maxTrue = bytes[WASM_MAX_AT + k];
    if (bytes[WASM_MAX_AT + 16 + k] > maxPred) maxPred = bytes[WASM_MAX_AT + 16 + k];
  }
  // the bins they span (the tail's pixels below are added to `hist` directly)
  const rows = maxTrue + 1;
  const columns = maxPred + 1;
  for (; i < end; i++) {
    const t = yTrue[i];
    const p = yPred[i];
    hist[(t << 8) | p]++;
    if (t > maxTrue) maxTrue = t;
    if (p > maxPred) maxPred = p;
  }
  fold(rows, columns);
  // Leaves the module's histogram all zero for the next call: no bin outside these rows and
  // columns was touched.
  for (let t = 0; t < rows; t++) {
    for (let k = t << 8, last = k + columns; k < last; k++) {
      const n = plane0[k];
      if (n !== 0) {
        hist[k] += n;
        plane0[k] = 0;
      }
    }
  }
  return (maxTrue << 8) | maxPred;
}

/**
 * Which kernel {@linkcode histogramUint8} uses from 4,096 pixels on: `"wasm-simd"`, or
 * `"javascript"` where the runtime has no WebAssembly SIMD. For benches and reports.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { uint8Kernel } from "./uint8_histogram.ts";
 * assert.equal(uint8Kernel(), "wasm-simd"); // Deno, Node and current browsers have it
 * ```
 *
 * @returns the kernel's name
 */
export function uint8Kernel(): "wasm-simd" | "javascript" {
  return wasmKernel() === null ? "javascript" : "wasm-simd";
}

/** The JavaScript kernel: four labels per 32-bit load where both arrays share an alignment. */
function histogramUint8Js(
  yTrue: Uint8Array,
  yPred: Uint8Array,
  start: number,
  end: number,
  hist: Uint32Array,
): void {
  let i = start;
  // Word loads need both arrays at the same alignment; otherwise count byte by byte.
  if (((yTrue.byteOffset + i) & 3) === ((yPred.byteOffset + i) & 3)) {
    while (i < end && ((yTrue.byteOffset + i) & 3) !== 0) {
      hist[(yTrue[i] << 8) | yPred[i]]++;
      i++;
    }
    const words = (end - i) >>> 2;
    if (words > 0) {
      const t32 = new Uint32Array(yTrue.buffer, yTrue.byteOffset + i, words);
      const p32 = new Uint32Array(yPred.buffer, yPred.byteOffset + i, words);
      // Byte k of both words is the same pixel whatever the platform's endianness.
      for (let j = 0; j < words; j++) {
        const a = t32[j];
        const b = p32[j];
        hist[((a & 0xff) << 8) | (b & 0xff)]++;
        hist[(a & 0xff00) | ((b >>> 8) & 0xff)]++;
        hist[((a >>> 8) & 0xff00) | ((b >>> 16) & 0xff)]++;
        hist[((a >>> 16) & 0xff00) | (b >>> 24)]++;
      }
      // not `words << 2`: from 2^29 words on that wraps to a negative int32 and the tail loop
      // below would count the whole range again
      i += words * 4;
    }
  }
  for (; i < end; i++) hist[(yTrue[i] << 8) | yPred[i]]++;
}

// ---------------------------------------------------------------------------------------------
// The WebAssembly kernel. Memory layout (bytes):
//   [0, 4 * PLANE)          four u32 sub-histograms of 65,536 bins, PLANE bytes apart;
//   [TRUE_AT, +BLOCK)       a block of true labels;  [PRED_AT, +BLOCK) the predicted labels;
//   [MAX_AT, +32)           the lane-wise largest true labels (16 bytes), then predicted ones.
// Pixel j of each group of four goes to sub-histogram j, so that runs of one pair (the common
// case in label maps) do not make every increment wait for the store of the one before. The
// planes are 256 KiB plus 1,088 bytes apart: at exactly 256 KiB the four counters of a bin would
// share their low 12 address bits, and the CPU's store-to-load check (which compares those bits
// only) would serialise them again.

const WASM_MIN_PIXELS = 4096;
const WASM_PLANE = 262144 + 1088;
const WASM_BLOCK = 65536;
const WASM_TRUE_AT = 4 * WASM_PLANE;
const WASM_PRED_AT = WASM_TRUE_AT + WASM_BLOCK;
const WASM_MAX_AT = WASM_PRED_AT + WASM_BLOCK;
const WASM_PAGES = Math.ceil((WASM_MAX_AT + 32) / 65536);

interface WasmKernel {
  /**
   * Counts `n` (a multiple of 16) pairs from `t` and `p` into the sub-histograms; a group of 16
   * equal pairs is one addition of 16. Returns how many groups were such runs. Keeps the
   * lane-wise largest labels at `MAX_AT`.
   */
  countRuns: (t: number, p: number, n: number) => number;
  /** The same without looking for runs (a tenth faster where there are none). */
  countPlain: (t: number, p: number, n: number) => number;
  /**
   * Sums the four sub-histograms into the first over the bins of true labels below `rows` and
   * predicted labels below `columns`, and zeroes those bins of the other three.
   */
  fold: (rows: number, columns: number) => void;
  bytes: Uint8Array;
  /** The first sub-histogram, where `fold` leaves the sums. */
  plane0: Uint32Array;
}

let wasm: WasmKernel | null | undefined;

/** The kernel, compiled on first use; null where WebAssembly SIMD is not available. */
function wasmKernel(): WasmKernel | null {
  if (wasm !== undefined) return wasm;
  wasm = null;
  try {
    const code = wasmModuleBytes();
    if (typeof WebAssembly === "undefined" || !WebAssembly.validate(code)) return null;
    const exports = new WebAssembly.Instance(new WebAssembly.Module(code)).exports as {
      memory: WebAssembly.Memory;
      countRuns: WasmKernel["countRuns"];
      countPlain: WasmKernel["countPlain"];
      fold: WasmKernel["fold"];
    };
    const buffer = exports.memory.buffer;
    wasm = {
      countRuns: exports.countRuns,
      countPlain: exports.countPlain,
      fold: exports.fold,
      bytes: new Uint8Array(buffer),
      plane0: new Uint32Array(buffer, 0, 65536),
    };
  } catch {
    wasm = null;
  }
  return wasm;
}

/** Unsigned and signed LEB128, as the WebAssembly binary format writes integers. */
function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}
function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

/**
 * The module, written out instruction by instruction (the text format in the comments). About
 * 700 bytes; built once.
 */
function wasmModuleBytes(): Uint8Array<ArrayBuffer> {
  const I32 = 0x7f, V128 = 0x7b;
  const vec = (items: number[][]) => [...uleb(items.length), ...items.flat()];
  const section = (id: number, body: number[]) => [id, ...uleb(body.length), ...body];
  const name = (s: string) => [...uleb(s.length), ...[...s].map((c) => c.charCodeAt(0))];
  const get = (i: number) => [0x20, ...uleb(i)]; // local.get
  const set = (i: number) => [0x21, ...uleb(i)]; // local.set
  const tee = (i: number) => [0x22, ...uleb(i)]; // local.tee
  const i32 = (v: number) => [0x41, ...sleb(v)]; // i32.const
  const simd = (op: number, ...immediates: number[]) => [0xfd, ...uleb(op), ...immediates];
  const ADD = 0x6a, SHL = 0x74, OR = 0x72, GE_U = 0x4f;
  const load = (offset: number) => [0x28, 2, ...uleb(offset)]; // i32.load align=4
  const store = (offset: number) => [0x36, 2, ...uleb(offset)]; // i32.store align=4
  const v128Load = (offset: number) => simd(0x00, 0, ...uleb(offset));
  const v128Store = (offset: number) => simd(0x0b, 0, ...uleb(offset));
  const V128_ZERO = simd(0x0c, ...new Array(16).fill(0)); // v128.const 0
  const shuffle = (lanes: number[]) => simd(0x0d, ...lanes); // i8x16.shuffle
  const EXTEND_LOW_U16 = simd(0xa9), EXTEND_HIGH_U16 = simd(0xaa); // i32x4.extend_*_i16x8_u
  const I32X4_SHL = simd(0xab), I32X4_ADD = simd(0xae), I8X16_EQ = simd(0x23);
  const V128_AND = simd(0x4e), ALL_TRUE = simd(0x63), MAX_U8 = simd(0x79); // i8x16.max_u
  const extract32 = (lane: number) => simd(0x1b, lane); // i32x4.extract_lane
  const extract8 = (lane: number) => simd(0x16, lane); // i8x16.extract_lane_u
  const BLOCK = [0x02, 0x40], LOOP = [0x03, 0x40], IF = [0x04, 0x40], ELSE = 0x05, END = 0x0b;
  const BR = 0x0c, BR_IF = 0x0d;

  // count(t, p, n); locals: 3 i, 4 vt, 5 vp, 6 lo, 7 hi, 8 addresses, 9 address, 10 runs,
  // 11 and 12 the lane-wise largest true and predicted labels
  const [T, P, N, I, VT, VP, LO, HI, W, A, R, MT, MP] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
  // mem[address + offset] += 1 for lane `lane` of the four addresses in W
  const increment = (lane: number) => [
    ...get(W),
    ...extract32(lane),
    ...tee(A),
    ...get(A),
    ...load(lane * WASM_PLANE),
    ...i32(1),
    ADD,
    ...store(lane * WASM_PLANE),
  ];
  // four pixels: their u16 pairs (t << 8 | p) widened to u32 and times 4 = byte addresses
  const four = (source: number, high: boolean) => [
    ...get(source),
    ...(high ? EXTEND_HIGH_U16 : EXTEND_LOW_U16),
    ...i32(2),
    ...I32X4_SHL,
    ...set(W),
    ...increment(0),
    ...increment(1),
    ...increment(2),
    ...increment(3),
  ];
  const broadcast0 = shuffle(new Array(16).fill(0));
  // the 16 pixels of vt and vp when they are not one run
  // deno-fmt-ignore
  const sixteen = [
    // lo = u16 lanes (t << 8 | p) of pixels 0..7 (little-endian: p is the low byte), hi: 8..15
    ...get(VP), ...get(VT), ...shuffle([0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23]),
    ...set(LO),
    ...get(VP), ...get(VT), ...shuffle([8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31]),
    ...set(HI),
    ...four(LO, false), ...four(LO, true), ...four(HI, false), ...four(HI, true),
  ];
  // count(t, p, n) -> groups counted as runs; with `runs` false the run test is left out
  // deno-fmt-ignore
  const count = (runs: boolean) => [
    ...i32(0), ...v128Load(WASM_MAX_AT), ...set(MT), // the largest labels so far
    ...i32(0), ...v128Load(WASM_MAX_AT + 16), ...set(MP),
    ...BLOCK,
    ...LOOP,
    ...get(I), ...get(N), GE_U, BR_IF, 1, // while (i < n) {
    ...get(P), ...get(I), ADD, ...v128Load(0), ...tee(VP), // vp = p[i .. i + 16)
    ...get(MP), ...MAX_U8, ...set(MP),
    ...get(T), ...get(I), ADD, ...v128Load(0), ...tee(VT), // vt = t[i .. i + 16)
    ...get(MT), ...MAX_U8, ...set(MT),
    ...(runs ? [
      // if all 16 true labels are equal and all 16 predictions too (a run): one += 16
      ...get(VT), ...get(VT), ...get(VT), ...broadcast0, ...I8X16_EQ, // vt == splat(vt[0])
      ...get(VP), ...get(VP), ...get(VP), ...broadcast0, ...I8X16_EQ, // vp == splat(vp[0])
      ...V128_AND, ...ALL_TRUE,
      ...IF,
      ...get(VT), ...extract8(0), ...i32(8), SHL, ...get(VP), ...extract8(0), OR, ...i32(2), SHL,
      ...tee(A), ...get(A), ...load(0), ...i32(16), ADD, ...store(0),
      ...get(R), ...i32(1), ADD, ...set(R),
      ELSE,
      ...sixteen,
      END,
    ] : sixteen),
    ...get(I), ...i32(16), ADD, ...set(I), BR, 0, // i += 16 }
    END,
    END,
    ...i32(0), ...get(MT), ...v128Store(WASM_MAX_AT),
    ...i32(0), ...get(MP), ...v128Store(WASM_MAX_AT + 16),
    ...get(R),
    END,
  ];
  // fold(rows, columns); locals: 2 t, 3 k (byte address of a bin), 4 the row's end. For each
  // true label t < rows: plane0[t][0 .. columns) += the other planes' bins, 4 bins at a time (up
  // to 3 bins past `columns`, all zero), which are then zeroed
  const [ROWS, COLUMNS, TL, K, ROW_END] = [0, 1, 2, 3, 4];
  // deno-fmt-ignore
  const fold = [
    ...BLOCK,
    ...LOOP,
    ...get(TL), ...get(ROWS), GE_U, BR_IF, 1, // for (t = 0; t < rows; t++) {
    ...get(TL), ...i32(10), SHL, ...tee(K), ...get(COLUMNS), ...i32(2), SHL, ADD, ...set(ROW_END),
    ...BLOCK,
    ...LOOP,
    ...get(K), ...get(ROW_END), GE_U, BR_IF, 1, // for (k = t * 1024; k < end; k += 16) {
    ...get(K),
    ...get(K), ...v128Load(0),
    ...get(K), ...v128Load(WASM_PLANE), ...I32X4_ADD,
    ...get(K), ...v128Load(2 * WASM_PLANE), ...I32X4_ADD,
    ...get(K), ...v128Load(3 * WASM_PLANE), ...I32X4_ADD,
    ...v128Store(0),
    ...get(K), ...V128_ZERO, ...v128Store(WASM_PLANE),
    ...get(K), ...V128_ZERO, ...v128Store(2 * WASM_PLANE),
    ...get(K), ...V128_ZERO, ...v128Store(3 * WASM_PLANE),
    ...get(K), ...i32(16), ADD, ...set(K), BR, 0, // }
    END,
    END,
    ...get(TL), ...i32(1), ADD, ...set(TL), BR, 0, // }
    END,
    END,
    END,
  ];
  const body = (locals: number[][], code: number[]) => {
    const b = [...vec(locals.map(([n, type]) => [...uleb(n), type])), ...code];
    return [...uleb(b.length), ...b];
  };
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0], // "\0asm", version 1
    // types: (i32 i32 i32) -> i32, (i32 i32) -> ()
    ...section(1, vec([[0x60, 3, I32, I32, I32, 1, I32], [0x60, 2, I32, I32, 0]])),
    ...section(3, vec([[0], [0], [1]])), // functions: countRuns, countPlain, fold
    ...section(5, vec([[0, ...uleb(WASM_PAGES)]])), // memory
    ...section(
      7,
      vec([
        [...name("memory"), 2, 0],
        [...name("countRuns"), 0, 0],
        [...name("countPlain"), 0, 1],
        [...name("fold"), 0, 2],
      ]),
    ),
    ...section(
      10,
      vec([
        body([[1, I32], [5, V128], [2, I32], [2, V128]], count(true)),
        body([[1, I32], [5, V128], [2, I32], [2, V128]], count(false)),
        body([[3, I32]], fold),
      ]),
    ),
  ]);
}
