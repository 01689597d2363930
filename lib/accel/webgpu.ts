/**
 * WebGPU backend: a WGSL compute shader that counts label code pairs (see `lib/accel/pair_table.ts`).
 *
 * The kernel (`lib/accel/webgpu_shaders.ts`) gives each workgroup up to 8 private histograms in
 * workgroup memory (`atomic<u32>`), reads the labels 16 bytes at a time (`vec4<u32>`: 16 byte
 * labels), walks a grid-stride range and merges its histograms into the global `u32` table with
 * one `atomicAdd` per non-zero bin; a table too large for workgroup memory is counted straight
 * into the global table.
 *
 * Exactness: one dispatch counts at most {@link WEBGPU_MAX_CHUNK} = 2^30 pixels, so no `u32`
 * counter (private or global) can reach 2^32; after each dispatch the table is read back, checked
 * to sum to the dispatch's pixel count, and added exactly on the host in float64 (the total of a
 * call is below 2^53, the length of a typed array).
 *
 * @module
 */
import type { IntegerLabels, PairCoding } from "./pair_table.ts";
import {
  WEBGPU_WORKGROUP as WORKGROUP,
  type WebGpuKernel,
  type WebGpuLabelKind,
  webGpuShader,
} from "./webgpu_shaders.ts";
export * from "./webgpu_shaders.ts";

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

function labelKind(a: IntegerLabels): WebGpuLabelKind {
  return a instanceof Uint8Array ? "u8" : a instanceof Uint16Array ? "u16" : "i32";
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
  /** The counting kernel (see `lib/accel/webgpu_shaders.ts`). */
  readonly kernel: WebGpuKernel;

  private constructor(
    device: GPUDevice,
    info: WebGpuAdapterInfo,
    chunkPixels: number,
    kernel: WebGpuKernel,
    workgroupBytes: number,
  ) {
    this.#device = device;
    this.info = info;
    this.chunkPixels = chunkPixels;
    this.kernel = kernel;
    this.#maxLocal = workgroupBytes;
  }

  /**
   * Requests an adapter and a device; returns `null` when there is no WebGPU adapter.
   * `chunkPixels` caps the pixels per dispatch (for tests; default: as large as the limits allow);
   * `kernel` picks the counting kernel (default `"private"`; `"baseline"` is the earlier one, kept
   * for `tools/gpu_check.ts`); `workgroupBytes` caps the workgroup memory of the private
   * histograms (default: the device's limit, but 2048 bytes on a software adapter, where the
   * shader's compile time grows faster than linearly with it: about 1 s for 506 bins, 140 s for
   * 4048 on llvmpipe).
   */
  static async create(
    options: { chunkPixels?: number; kernel?: WebGpuKernel; workgroupBytes?: number } = {},
  ): Promise<WebGpuCounter | null> {
    const kernel = options.kernel ?? "private";
    if (kernel !== "private" && kernel !== "baseline") {
      throw new RangeError(`Expected kernel to be "private" or "baseline", but found "${kernel}"`);
    }
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
    const limit = device.limits.maxComputeWorkgroupStorageSize;
    const wb = options.workgroupBytes ?? (info.isFallbackAdapter ? Math.min(2048, limit) : limit);
    if (!Number.isInteger(wb) || wb < 0 || wb > limit) {
      device.destroy();
      throw new RangeError(
        `Expected workgroupBytes to be an integer in [0, ${limit}], but found ${wb}`,
      );
    }
    return new WebGpuCounter(device, info, chunk, kernel, wb);
  }

  async #pipeline(coding: PairCoding, tk: WebGpuLabelKind, pk: WebGpuLabelKind) {
    const key = `${coding.numClasses}|${coding.ignore.join(",")}|${tk}|${pk}`;
    let pipe = this.#pipelines.get(key);
    if (pipe === undefined) {
      this.#device.pushErrorScope("validation");
      const module = this.#device.createShaderModule({
        code: webGpuShader(coding, tk, pk, this.#maxLocal, this.kernel),
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
      pass.dispatchWorkgroups(this.#groups(end - start, tk, pk));
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

  /** Workgroups for a dispatch of `n` pixels: about 8 loads per thread, at most 2048 groups. */
  #groups(n: number, tk: WebGpuLabelKind, pk: WebGpuLabelKind): number {
    if (this.kernel === "baseline") {
      return Math.max(1, Math.min(Math.ceil(n / WORKGROUP / 16), 4096));
    }
    const perLoad = tk === pk ? 4 * (tk === "u8" ? 4 : tk === "u16" ? 2 : 1) : 1;
    return Math.max(1, Math.min(Math.ceil(n / perLoad / WORKGROUP / 8), 2048));
  }

  /**
   * Times the kernel alone on labels already on the device: uploads `yTrue` and `yPred` (at most
   * {@link WebGpuCounter.chunkPixels} pixels) once, then runs `rounds` dispatches, each with its
   * table cleared and read back, and returns the seconds of each round (host clock, from submit
   * to the mapped table) and the table of the last round (exact, as {@link countPairs} counts it).
   */
  async timeResident(
    yTrue: IntegerLabels,
    yPred: IntegerLabels,
    coding: PairCoding,
    rounds: number,
  ): Promise<{ seconds: number[]; table: Float64Array }> {
    const n = yTrue.length;
    if (yPred.length !== n || n > this.chunkPixels || n === 0) {
      throw new RangeError(
        `Expected two label arrays of the same length in [1, ${this.chunkPixels}], but found ${n} and ${yPred.length}`,
      );
    }
    const d = this.#device;
    const tk = labelKind(yTrue), pk = labelKind(yPred);
    const pipe = await this.#pipeline(coding, tk, pk);
    const K = coding.height * coding.width;
    const tableBytes = Math.ceil(K / 4) * 16;
    const b = this.#buffersFor(0, tableBytes);
    writeLabels(d, b.t, yTrue, 0, n);
    writeLabels(d, b.p, yPred, 0, n);
    d.queue.writeBuffer(b.params, 0, new Uint32Array([n, 0, 0, 0]));
    await d.queue.onSubmittedWorkDone();
    const bind = d.createBindGroup({
      layout: pipe.getBindGroupLayout(0),
      entries: [
        { binding: 0, resource: { buffer: b.t } },
        { binding: 1, resource: { buffer: b.p } },
        { binding: 2, resource: { buffer: b.table } },
        { binding: 3, resource: { buffer: b.params } },
      ],
    });
    const seconds: number[] = [];
    const table = new Float64Array(K);
    for (let r = 0; r < rounds; r++) {
      const s = performance.now();
      const enc = d.createCommandEncoder();
      enc.clearBuffer(b.table);
      const pass = enc.beginComputePass();
      pass.setPipeline(pipe);
      pass.setBindGroup(0, bind);
      pass.dispatchWorkgroups(this.#groups(n, tk, pk));
      pass.end();
      enc.copyBufferToBuffer(b.table, 0, b.read, 0, tableBytes);
      d.queue.submit([enc.finish()]);
      await b.read.mapAsync(GPUMapMode.READ);
      const counts = new Uint32Array(b.read.getMappedRange(), 0, K);
      table.set(counts);
      b.read.unmap();
      seconds.push((performance.now() - s) / 1000);
    }
    let total = 0;
    for (let k = 0; k < K; k++) total += table[k];
    if (total !== n) {
      throw new Error(
        `WebGPU kernel returned ${total} counts for ${n} pixels; refusing a wrong result`,
      );
    }
    return { seconds, table };
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
