/**
 * WGSL sources of the WebGPU pair-counting kernels (see `lib/accel/webgpu.ts`, which runs them).
 *
 * Two kernels, both exact for at most 2^32 - 1 pixels per dispatch:
 *
 * - `"private"` (default): each workgroup keeps `copies` private histograms of all `K` bins in
 *   workgroup memory (`atomic<u32>`; several copies when the bins are few, so that the threads of
 *   a workgroup that hit the same busy bin spread over copies), reads the labels as `vec4<u32>`
 *   (16 byte labels, 8 16-bit labels or 4 int32 labels per load when both inputs have the same
 *   kind), walks a grid-stride range, adds runs of equal bins as one `atomicAdd`, then merges its
 *   copies into the global table with one `atomicAdd` per non-zero bin. A table larger than the
 *   workgroup storage adds straight into the global table (same loads);
 * - `"baseline"`: the earlier kernel (one private histogram, one label per read), kept so that
 *   `tools/gpu_check.ts` can measure the two side by side.
 *
 * @module
 */
import type { PairCoding } from "./pair_table.ts";

/**
 * Threads per workgroup of both kernels.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { WEBGPU_WORKGROUP, webGpuShader } from "./webgpu_shaders.ts";
 * import { pairCoding } from "./pair_table.ts";
 * const wgsl = webGpuShader(pairCoding(2, [])!, "u8", "u8");
 * assert.ok(wgsl.includes(`@workgroup_size(${WEBGPU_WORKGROUP})`));
 * ```
 */
export const WEBGPU_WORKGROUP: number = 256;

/** Label kinds the kernels read: `Uint8Array`, `Uint16Array`, `Int32Array`. */
export type WebGpuLabelKind = "u8" | "u16" | "i32";

/** Which counting kernel: see the module documentation. */
export type WebGpuKernel = "private" | "baseline";

/** Labels per 32-bit word for each kind. */
const PER_WORD = { u8: 4, u16: 2, i32: 1 } as const;

/**
 * Private histogram copies per workgroup for a table of `bins` bins: as many as fit in
 * `maxWorkgroupStorageBytes` (4 bytes a bin), at most 8; 0 when one copy does not fit (the kernel
 * then adds into the global table).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { webGpuHistogramCopies } from "./webgpu_shaders.ts";
 * assert.equal(webGpuHistogramCopies(4 * 3), 8); // C = 2: 12 bins, at most 8 copies
 * assert.equal(webGpuHistogramCopies(23 * 22), 8); // C = 21: 8 x 506 x 4 = 16,192 bytes
 * assert.equal(webGpuHistogramCopies(42 * 41), 2); // C = 40
 * assert.equal(webGpuHistogramCopies(66 * 65), 0); // C = 64: 17,160 bytes, global atomics
 * ```
 */
export function webGpuHistogramCopies(bins: number, maxWorkgroupStorageBytes = 16384): number {
  return Math.max(0, Math.min(8, Math.floor(maxWorkgroupStorageBytes / (4 * bins))));
}

/**
 * WGSL source of the counting kernel for one coding and one pair of label kinds (see the module
 * documentation). Bindings: 0 and 1 the labels as `array<vec4<u32>>`, 2 the `u32` table of
 * `height x width` bins, 3 a uniform whose `x` is the number of pixels of the dispatch.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { webGpuShader } from "./webgpu_shaders.ts";
 * import { pairCoding } from "./pair_table.ts";
 * const wgsl = webGpuShader(pairCoding(21, [255])!, "u8", "u8");
 * assert.ok(wgsl.includes("var<workgroup> hist: array<atomic<u32>, 4048>")); // 8 copies of 506
 * assert.ok(wgsl.includes("v == 255i")); // the ignore label
 * ```
 */
export function webGpuShader(
  coding: PairCoding,
  trueKind: WebGpuLabelKind,
  predKind: WebGpuLabelKind,
  maxWorkgroupStorageBytes = 16384,
  kernel: WebGpuKernel = "private",
): string {
  if (kernel === "baseline") {
    return baselineShader(coding, trueKind, predKind, maxWorkgroupStorageBytes);
  }
  const C = coding.numClasses, W = coding.width, K = coding.height * coding.width;
  const R = webGpuHistogramCopies(K, maxWorkgroupStorageBytes);
  const G = WEBGPU_WORKGROUP;
  const hist = R > 0 ? "hist" : "table";
  const slot = R > 1 ? ` + (li % ${R}u) * ${K}u` : "";
  // labels per vec4 load when both inputs have the same kind; mixed kinds read pixel by pixel
  const L = trueKind === predKind ? 4 * PER_WORD[trueKind] : 1;
  const scalar = (name: string, kind: WebGpuLabelKind, i: string) =>
    kind === "u8"
      ? `i32((w${name}(${i} >> 2u) >> ((${i} & 3u) * 8u)) & 0xffu)`
      : kind === "u16"
      ? `i32((w${name}(${i} >> 1u) >> ((${i} & 1u) * 16u)) & 0xffffu)`
      : `bitcast<i32>(w${name}(${i}))`;
  // one vec4 load of each input, then its L pixels, all unrolled
  const unpack = (kind: WebGpuLabelKind, w: string, j: number) =>
    kind === "u8"
      ? `i32((${w} >> ${8 * j}u) & 0xffu)`
      : kind === "u16"
      ? `i32((${w} >> ${16 * j}u) & 0xffffu)`
      : `bitcast<i32>(${w})`;
  const vecBody: string[] = [];
  if (L > 1) {
    for (let c = 0; c < 4; c++) {
      for (let j = 0; j < PER_WORD[trueKind]; j++) {
        vecBody.push(
          `add(bin(${unpack(trueKind, `a[${c}]`, j)}, ${unpack(predKind, `b[${c}]`, j)}));`,
        );
      }
    }
  }
  const ig = coding.ignore.map((v) => v < 0 ? `v == bitcast<i32>(${v >>> 0}u)` : `v == ${v}i`)
    .join(" || ");
  return `
@group(0) @binding(0) var<storage, read> yt: array<vec4<u32>>;
@group(0) @binding(1) var<storage, read> yp: array<vec4<u32>>;
@group(0) @binding(2) var<storage, read_write> table: array<atomic<u32>>;
@group(0) @binding(3) var<uniform> params: vec4<u32>; // x: pixels in this dispatch
${R > 0 ? `var<workgroup> hist: array<atomic<u32>, ${R * K}>;` : ""}
var<private> last: u32 = 0xffffffffu;
var<private> run: u32 = 0u;
var<private> base: u32 = 0u;

// 32-bit word j of each input
fn wyt(j: u32) -> u32 { return yt[j >> 2u][j & 3u]; }
fn wyp(j: u32) -> u32 { return yp[j >> 2u][j & 3u]; }
fn tcode(v: i32) -> u32 {
  ${ig === "" ? "" : `if (${ig}) { return ${C + 1}u; }`}
  if (v >= 0i && v < ${C}i) { return u32(v); }
  return ${C}u;
}
fn pcode(v: i32) -> u32 {
  if (v >= 0i && v < ${C}i) { return u32(v); }
  return ${C}u;
}
fn bin(t: i32, p: i32) -> u32 { return tcode(t) * ${W}u + pcode(p); }
// runs of equal bins along one thread's pixels go in as one atomicAdd (masks are mostly runs)
fn add(k: u32) {
  if (k == last) { run += 1u; return; }
  if (run != 0u) { atomicAdd(&${hist}[base + last], run); }
  last = k;
  run = 1u;
}

@compute @workgroup_size(${G})
fn main(@builtin(local_invocation_index) li: u32,
        @builtin(workgroup_id) wg: vec3<u32>,
        @builtin(num_workgroups) nwg: vec3<u32>) {
  ${
    R > 0
      ? `for (var k = li; k < ${R * K}u; k += ${G}u) { atomicStore(&hist[k], 0u); }
  workgroupBarrier();
  base = 0u${slot};`
      : ""
  }
  let n = params.x;
  let g = wg.x * ${G}u + li;
  let stride = nwg.x * ${G}u;
  let full = ${L > 1 ? `n / ${L}u` : "0u"};
  ${
    L > 1
      ? `for (var v = g; v < full; v += stride) {
    let a = yt[v];
    let b = yp[v];
    ${vecBody.join("\n    ")}
  }`
      : ""
  }
  // the pixels after the last whole load (all of them when the kinds differ)
  for (var i = full * ${L}u + g; i < n; i += stride) {
    add(bin(${scalar("yt", trueKind, "i")}, ${scalar("yp", predKind, "i")}));
  }
  if (run != 0u) { atomicAdd(&${hist}[base + last], run); }
  ${
    R > 0
      ? `workgroupBarrier();
  for (var k = li; k < ${K}u; k += ${G}u) {
    var c = 0u;
    for (var r = 0u; r < ${R}u; r += 1u) { c += atomicLoad(&hist[r * ${K}u + k]); }
    if (c != 0u) { atomicAdd(&table[k], c); }
  }`
      : ""
  }
}
`;
}

/** The earlier kernel, unchanged: one private histogram when it fits, one label per 32-bit read. */
function baselineShader(
  coding: PairCoding,
  trueKind: WebGpuLabelKind,
  predKind: WebGpuLabelKind,
  maxWorkgroupStorageBytes: number,
): string {
  const C = coding.numClasses, W = coding.width, K = coding.height * coding.width;
  const local = K * 4 <= maxWorkgroupStorageBytes;
  const G = WEBGPU_WORKGROUP;
  const ig = coding.ignore.map((v) => v < 0 ? `v == bitcast<i32>(${v >>> 0}u)` : `v == ${v}i`)
    .join(" || ");
  const reader = (name: string, kind: WebGpuLabelKind) =>
    kind === "u8"
      ? `i32((${name}[i >> 2u] >> ((i & 3u) * 8u)) & 0xffu)`
      : kind === "u16"
      ? `i32((${name}[i >> 1u] >> ((i & 1u) * 16u)) & 0xffffu)`
      : `bitcast<i32>(${name}[i])`;
  const hist = local ? "hist" : "table";
  return `
@group(0) @binding(0) var<storage, read> yt: array<u32>;
@group(0) @binding(1) var<storage, read> yp: array<u32>;
@group(0) @binding(2) var<storage, read_write> table: array<atomic<u32>>;
@group(0) @binding(3) var<uniform> params: vec4<u32>;
${local ? `var<workgroup> hist: array<atomic<u32>, ${K}>;` : ""}
fn tcode(v: i32) -> u32 {
  ${ig === "" ? "" : `if (${ig}) { return ${C + 1}u; }`}
  if (v >= 0i && v < ${C}i) { return u32(v); }
  return ${C}u;
}
fn pcode(v: i32) -> u32 {
  if (v >= 0i && v < ${C}i) { return u32(v); }
  return ${C}u;
}
@compute @workgroup_size(${G})
fn main(@builtin(local_invocation_index) li: u32,
        @builtin(workgroup_id) wg: vec3<u32>,
        @builtin(num_workgroups) nwg: vec3<u32>) {
  ${
    local
      ? `for (var k = li; k < ${K}u; k += ${G}u) { atomicStore(&hist[k], 0u); }
  workgroupBarrier();`
      : ""
  }
  let n = params.x;
  let stride = nwg.x * ${G}u;
  var last = 0xffffffffu;
  var run = 0u;
  for (var i = wg.x * ${G}u + li; i < n; i += stride) {
    let bin = tcode(${reader("yt", trueKind)}) * ${W}u + pcode(${reader("yp", predKind)});
    if (bin == last) {
      run += 1u;
    } else {
      if (run != 0u) { atomicAdd(&${hist}[last], run); }
      last = bin;
      run = 1u;
    }
  }
  if (run != 0u) { atomicAdd(&${hist}[last], run); }
  ${
    local
      ? `workgroupBarrier();
  for (var k = li; k < ${K}u; k += ${G}u) {
    let c = atomicLoad(&hist[k]);
    if (c != 0u) { atomicAdd(&table[k], c); }
  }`
      : ""
  }
}
`;
}
