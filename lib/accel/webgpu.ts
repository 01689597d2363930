/**
 * WebGPU backend: a WGSL compute shader that counts label code pairs (see `lib/accel/pair_table.ts`).
 *
 * Each workgroup builds its own histogram in workgroup memory with `atomicAdd` (when the table
 * fits, otherwise it adds straight into the global table), then adds its non-zero bins to the
 * global `u32` table with atomics. Inputs are processed in chunks of at most 2^30 pixels, so no
 * `u32` count can overflow; after each chunk the table is read back and added exactly on the host
 * (float64). Byte labels are read four to a 32-bit word, 16-bit labels two to a word.
 *
 * @module
 */
import type { IntegerLabels, PairCoding } from "./pair_table.ts";

/**
 * Largest number of pixels counted by one dispatch, so that no `u32` cell of the table can
 * overflow before the host adds it, exactly, to its float64 total.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { WEBGPU_MAX_CHUNK } from "./webgpu.ts";
 * // Even if every pixel of a chunk lands in one cell, the u32 holds the count.
 * assert.equal(Uint32Array.of(WEBGPU_MAX_CHUNK)[0], WEBGPU_MAX_CHUNK);
 * ```
 */
export const WEBGPU_MAX_CHUNK: number = 2 ** 30;

const WORKGROUP = 256;

/** Information about the adapter a {@link WebGpuCounter} runs on. */
export interface WebGpuAdapterInfo {
  /** Adapter description, e.g. "llvmpipe (LLVM 15.0.6, 256 bits)" or a GPU name. */
  description: string;
  /** Vendor string. */
  vendor: string;
  /** True for a software (fallback) adapter. */
  isFallbackAdapter: boolean;
}

/**
 * Requests a WebGPU adapter; returns `null` when the runtime has no WebGPU or no adapter.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { requestWebGpuAdapter } from "./webgpu.ts";
 * const adapter = await requestWebGpuAdapter();
 * if (adapter !== null) {
 *   // WebGPU guarantees storage bindings of at least 128 MiB, software adapters included.
 *   assert.ok(adapter.limits.maxStorageBufferBindingSize >= 2 ** 27);
 * }
 * ```
 */
export async function requestWebGpuAdapter(): Promise<GPUAdapter | null> {
  const gpu = (globalThis.navigator as { gpu?: GPU } | undefined)?.gpu;
  if (gpu === undefined) return null;
  try {
    return await gpu.requestAdapter({ powerPreference: "high-performance" });
  } catch {
    return null;
  }
}

function labelKind(a: IntegerLabels): "u8" | "u16" | "i32" {
  return a instanceof Uint8Array ? "u8" : a instanceof Uint16Array ? "u16" : "i32";
}

/**
 * WGSL source of the counting kernel for one coding and one pair of label kinds. The table lives
 * in workgroup memory when it fits in `maxWorkgroupStorageBytes`, otherwise every thread adds
 * straight into the global table.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { webGpuShader } from "./webgpu.ts";
 * import { pairCoding } from "./pair_table.ts";
 * const wgsl = webGpuShader(pairCoding(21, [255])!, "u8", "u8");
 * assert.ok(wgsl.includes("var<workgroup> hist: array<atomic<u32>, 506>"));
 * assert.ok(wgsl.includes("v == 255i")); // the ignore label
 * ```
 */
export function webGpuShader(
  coding: PairCoding,
  trueKind: "u8" | "u16" | "i32",
  predKind: "u8" | "u16" | "i32",
  maxWorkgroupStorageBytes = 16384,
): string {
  const C = coding.numClasses, W = coding.width, K = coding.height * coding.width;
  const local = K * 4 <= maxWorkgroupStorageBytes;
  // -2^31 has no WGSL i32 literal: spell every ignore value as the bits of a u32 literal
  const ig = coding.ignore.map((v) => v < 0 ? `v == bitcast<i32>(${v >>> 0}u)` : `v == ${v}i`)
    .join(" || ");
  // Reads element i of a label array of the given kind as i32.
  const reader = (name: string, kind: "u8" | "u16" | "i32") =>
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
@group(0) @binding(3) var<uniform> params: vec4<u32>; // x: pixels in this chunk
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

@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(local_invocation_index) li: u32,
        @builtin(workgroup_id) wg: vec3<u32>,
        @builtin(num_workgroups) nwg: vec3<u32>) {
  ${
    local
      ? `for (var k = li; k < ${K}u; k += ${WORKGROUP}u) { atomicStore(&hist[k], 0u); }
  workgroupBarrier();`
      : ""
  }
  let n = params.x;
  let stride = nwg.x * ${WORKGROUP}u;
  // each thread adds runs of equal bins along its own sequence as one atomicAdd
  var last = 0xffffffffu;
  var run = 0u;
  for (var i = wg.x * ${WORKGROUP}u + li; i < n; i += stride) {
    let t = ${reader("yt", trueKind)};
    let p = ${reader("yp", predKind)};
    let bin = tcode(t) * ${W}u + pcode(p);
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
  for (var k = li; k < ${K}u; k += ${WORKGROUP}u) {
    let c = atomicLoad(&hist[k]);
    if (c != 0u) { atomicAdd(&table[k], c); }
  }`
      : ""
  }
}
`;
}

/**
 * Counts label code pairs on a WebGPU device. Create it once with {@link WebGpuCounter.create}
 * and reuse it: pipelines are cached per coding and label kinds; buffers grow as needed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { WebGpuCounter } from "./webgpu.ts";
 * import { pairCoding } from "./pair_table.ts";
 * const gpu = await WebGpuCounter.create();
 * if (gpu === null) {
 *   console.log("no WebGPU adapter: skipped");
 * } else {
 *   const coding = pairCoding(2, [])!;
 *   const table = await gpu.countPairs(new Uint8Array([0, 1, 1]), new Uint8Array([0, 1, 0]), coding);
 *   assert.deepEqual([...table.subarray(0, 6)], [1, 0, 0, 1, 1, 0]);
 *   gpu.destroy();
 * }
 * ```
 */
export class WebGpuCounter {
  /** The adapter's description. */
  readonly info: WebGpuAdapterInfo;
  /** Pixels per dispatch (<= {@link WEBGPU_MAX_CHUNK}, limited by the storage binding size). */
  readonly chunkPixels: number;
  #device: GPUDevice;
  #pipelines = new Map<string, GPUComputePipeline>();
  #buffers: { t: GPUBuffer; p: GPUBuffer; table: GPUBuffer; read: GPUBuffer; params: GPUBuffer }[] =
    [];
  #maxLocal: number;

  private constructor(device: GPUDevice, info: WebGpuAdapterInfo, chunkPixels: number) {
    this.#device = device;
    this.info = info;
    this.chunkPixels = chunkPixels;
    this.#maxLocal = device.limits.maxComputeWorkgroupStorageSize;
  }

  /**
   * Requests an adapter and a device; returns `null` when there is no WebGPU adapter.
   * `chunkPixels` caps the pixels per dispatch (for tests; default: as large as the limits allow).
   */
  static async create(options: { chunkPixels?: number } = {}): Promise<WebGpuCounter | null> {
    const adapter = await requestWebGpuAdapter();
    if (adapter === null) return null;
    const limits = adapter.limits;
    const device = await adapter.requestDevice({
      requiredLimits: {
        maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
        maxBufferSize: limits.maxBufferSize,
      },
    });
    // an i32 chunk of n pixels needs 4n bytes per binding; keep chunks a multiple of 4 pixels
    const byBinding = Math.floor(
      Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize) / 4 / 4,
    ) * 4;
    let chunk = Math.min(WEBGPU_MAX_CHUNK, byBinding, 2 ** 26);
    if (options.chunkPixels !== undefined) {
      const c = options.chunkPixels;
      if (!Number.isInteger(c) || c < 4 || c % 4 !== 0 || c > chunk) {
        throw new RangeError(
          `Expected chunkPixels to be a multiple of 4 in [4, ${chunk}], but found ${c}`,
        );
      }
      chunk = c;
    }
    const ai = (adapter as { info?: Partial<WebGpuAdapterInfo> }).info ?? {};
    const info: WebGpuAdapterInfo = {
      description: ai.description ?? "",
      vendor: ai.vendor ?? "",
      isFallbackAdapter: ai.isFallbackAdapter ??
        (adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter ?? false,
    };
    return new WebGpuCounter(device, info, chunk);
  }

  async #pipeline(coding: PairCoding, tk: "u8" | "u16" | "i32", pk: "u8" | "u16" | "i32") {
    const key = `${coding.numClasses}|${coding.ignore.join(",")}|${tk}|${pk}`;
    let pipe = this.#pipelines.get(key);
    if (pipe === undefined) {
      this.#device.pushErrorScope("validation");
      const module = this.#device.createShaderModule({
        code: webGpuShader(coding, tk, pk, this.#maxLocal),
      });
      pipe = this.#device.createComputePipeline({
        layout: "auto",
        compute: { module, entryPoint: "main" },
      });
      const error = await this.#device.popErrorScope();
      if (error !== null) {
        throw new Error(`The WebGPU counting shader failed to build: ${error.message}`);
      }
      this.#pipelines.set(key, pipe);
    }
    return pipe;
  }

  #buffersFor(slot: number, tableBytes: number) {
    const d = this.#device;
    const have = this.#buffers[slot];
    if (have !== undefined && have.table.size === tableBytes) return have;
    have?.table.destroy();
    have?.read.destroy();
    const inBytes = this.chunkPixels * 4;
    const b = {
      t: have?.t ??
        d.createBuffer({ size: inBytes, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST }),
      p: have?.p ??
        d.createBuffer({ size: inBytes, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST }),
      table: d.createBuffer({
        size: tableBytes,
        usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
      }),
      read: d.createBuffer({
        size: tableBytes,
        usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
      }),
      params: have?.params ??
        d.createBuffer({ size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST }),
    };
    this.#buffers[slot] = b;
    return b;
  }

  /**
   * Counts the code pairs of `yTrue` and `yPred` (see `lib/accel/pair_table.ts`) and returns the exact
   * table (float64). Two chunks are kept in flight so uploads overlap counting.
   */
  async countPairs(
    yTrue: IntegerLabels,
    yPred: IntegerLabels,
    coding: PairCoding,
  ): Promise<Float64Array> {
    if (yTrue.length !== yPred.length) {
      throw new RangeError(
        `Expected yPred to have the length of yTrue (${yTrue.length}), but found ${yPred.length}`,
      );
    }
    const d = this.#device;
    const tk = labelKind(yTrue), pk = labelKind(yPred);
    const pipe = await this.#pipeline(coding, tk, pk);
    const K = coding.height * coding.width;
    const tableBytes = Math.ceil(K / 4) * 16;
    const sum = new Float64Array(K);
    const n = yTrue.length;
    // in-flight chunks resolve to an error message or null (never reject while another waits)
    const inFlight: Promise<string | null>[] = [];
    const failed = (e: unknown) => String(e);
    let slot = 0;
    for (let start = 0; start < n || (n === 0 && start === 0); start += this.chunkPixels) {
      const end = Math.min(n, start + this.chunkPixels);
      if (inFlight[slot] !== undefined) {
        const error = await inFlight[slot];
        if (error !== null) {
          await Promise.all(inFlight);
          throw new Error(error);
        }
      }
      const b = this.#buffersFor(slot, tableBytes);
      writeLabels(d, b.t, yTrue, start, end);
      writeLabels(d, b.p, yPred, start, end);
      d.queue.writeBuffer(b.params, 0, new Uint32Array([end - start, 0, 0, 0]));
      const enc = d.createCommandEncoder();
      enc.clearBuffer(b.table);
      const pass = enc.beginComputePass();
      pass.setPipeline(pipe);
      pass.setBindGroup(
        0,
        d.createBindGroup({
          layout: pipe.getBindGroupLayout(0),
          entries: [
            { binding: 0, resource: { buffer: b.t } },
            { binding: 1, resource: { buffer: b.p } },
            { binding: 2, resource: { buffer: b.table } },
            { binding: 3, resource: { buffer: b.params } },
          ],
        }),
      );
      const groups = Math.max(1, Math.min(Math.ceil((end - start) / WORKGROUP / 16), 4096));
      pass.dispatchWorkgroups(groups);
      pass.end();
      enc.copyBufferToBuffer(b.table, 0, b.read, 0, tableBytes);
      d.queue.submit([enc.finish()]);
      const chunkPixels = end - start;
      inFlight[slot] = b.read.mapAsync(GPUMapMode.READ).then(() => {
        const counts = new Uint32Array(b.read.getMappedRange(), 0, K);
        let total = 0;
        for (let k = 0; k < K; k++) {
          sum[k] += counts[k];
          total += counts[k];
        }
        b.read.unmap();
        return total === chunkPixels
          ? null
          : `WebGPU kernel returned ${total} counts for a chunk of ${chunkPixels} pixels; refusing a wrong result`;
      }).catch(failed);
      slot = 1 - slot;
      if (n === 0) break;
    }
    for (const error of await Promise.all(inFlight)) if (error !== null) throw new Error(error);
    return sum;
  }

  /** Releases the device. */
  destroy(): void {
    for (const b of this.#buffers) {
      for (const buf of [b.t, b.p, b.table, b.read, b.params]) buf.destroy();
    }
    this.#buffers = [];
    this.#device.destroy();
  }
}

/** Uploads labels[start..end) to `buffer` as whole 32-bit words (the tail word zero-padded). */
function writeLabels(
  d: GPUDevice,
  buffer: GPUBuffer,
  labels: IntegerLabels,
  start: number,
  end: number,
): void {
  const bpe = labels.BYTES_PER_ELEMENT;
  const bytes = (end - start) * bpe;
  const whole = Math.floor(bytes / 4) * 4;
  const src = new Uint8Array(labels.buffer, labels.byteOffset + start * bpe, bytes);
  if (whole > 0) {
    if ((src.byteOffset & 3) === 0 && src.buffer instanceof ArrayBuffer) {
      d.queue.writeBuffer(buffer, 0, src.buffer, src.byteOffset, whole);
    } else {
      d.queue.writeBuffer(buffer, 0, src.slice(0, whole));
    }
  }
  if (whole < bytes) {
    const tail = new Uint8Array(4);
    tail.set(src.subarray(whole));
    d.queue.writeBuffer(buffer, whole, tail);
  }
}
