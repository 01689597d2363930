/**
 * The Keras emulations a command asks for (`--keras`, `--backend`, `--compiled`, or a
 * definition name like `keras-3.7-jax-xla`) and how their results are named and explained.
 * The emulation itself (lib/keras/audit.ts) is loaded only when a run uses it.
 *
 * @module
 */

import type { KerasAudit, KerasRun, KerasSpec } from "../lib/keras/audit.ts";
import type { KerasBackend } from "../lib/keras/version.ts";
import { type Flags, InputError } from "./args.ts";
import { signed } from "./render.ts";

/**
 * The Keras configurations asked for: versions x (eager, and compiled with --compiled),
 * checked against the emulation before any file is read.
 *
 * @param v the flags
 * @param defaults the versions when `--keras` is absent ("none" for no Keras)
 * @returns the configurations, empty for none
 * @throws {InputError} for an unknown version, backend or mode
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { kerasSpecs } from "./keras_runs.ts";
 * const specs = await kerasSpecs({ keras: "3.7", compiled: true }, "none");
 * assert.deepEqual(specs.map((s) => s.compiled), [false, true]);
 * await assert.rejects(() => kerasSpecs({ keras: "9.9" }, "none"), /--keras.*9\.9/);
 * ```
 */
export async function kerasSpecs(v: Flags, defaults: string): Promise<KerasSpec[]> {
  const text = v.keras ?? defaults;
  if (text === "" || text === "none") {
    if (v.backend !== undefined || v.compiled) {
      throw new InputError("Expected --keras VERSION[,VERSION] with --backend or --compiled");
    }
    return [];
  }
  const backend = (v.backend ?? "tensorflow") as KerasBackend;
  const specs: KerasSpec[] = [];
  for (const version of text.split(",").map((x) => x.trim())) {
    specs.push({ version, backend, compiled: false });
    if (v.compiled) specs.push({ version, backend, compiled: true });
  }
  try {
    const { KerasAudit } = await import("../lib/keras/audit.ts");
    new KerasAudit(2, specs); // refuses unknown versions, backends and modes before any reading
  } catch (e) {
    throw new InputError(`--keras/--backend/--compiled: ${(e as Error).message}`);
  }
  return specs;
}

/**
 * A maker of the Keras emulations for `specs`, called once the number of classes is known.
 *
 * @param specs the configurations (none: undefined)
 * @param ignore the `--ignore` labels (Keras takes at most one)
 * @param batchSize images per `update_state` call
 * @returns the maker, or undefined without specs
 * @throws {InputError} for several ignore labels
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { kerasFactory } from "./keras_runs.ts";
 * const make = await kerasFactory([{ version: "3.15", backend: "jax", compiled: false }], [255], 8);
 * assert.equal(make!(3).batchSize, 8);
 * await assert.rejects(
 *   () => kerasFactory([{ version: "3.15", backend: "jax", compiled: false }], [0, 255], 8),
 *   /one --ignore label/,
 * );
 * ```
 */
export async function kerasFactory(
  specs: KerasSpec[],
  ignore: readonly number[],
  batchSize: number,
): Promise<((numClasses: number) => KerasAudit) | undefined> {
  if (specs.length === 0) return undefined;
  if (ignore.length > 1) {
    throw new InputError(
      `Expected one --ignore label with --keras (Keras ignore_class takes one), but found ` +
        `${ignore.length}`,
    );
  }
  const { KerasAudit } = await import("../lib/keras/audit.ts");
  return (numClasses) =>
    new KerasAudit(numClasses, specs, { batchSize, ignoreClass: ignore[0] ?? null });
}

/**
 * The name of a Keras run in tables and JSON: `keras-VERSION-BACKEND[-xla]`.
 *
 * @param r the run
 * @returns the name
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { kerasName } from "./keras_runs.ts";
 * assert.equal(kerasName({ version: "3.7.0", backend: "jax", compiled: true }), "keras-3.7.0-jax-xla");
 * ```
 */
export function kerasName(r: Pick<KerasRun, "version" | "backend" | "compiled">): string {
  return `keras-${r.version}-${r.backend}${r.compiled ? "-xla" : ""}`;
}

/**
 * Why a Keras run differs from the exact dataset mIoU: the difference split into epsilon and
 * float32 parts, and the cells of its state that are wrong.
 *
 * @param r the run
 * @returns one line
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { kerasWhy } from "./keras_runs.ts";
 * const run = { error: null, difference: -1e-7, epsilonPart: -1e-7, precisionPart: 0, changedCells: 0 };
 * assert.equal(
 *   kerasWhy(run as Parameters<typeof kerasWhy>[0]),
 *   "-1.00e-7 vs exact dataset; epsilon -1.00e-7; float32 counting and arithmetic 0",
 * );
 * ```
 */
export function kerasWhy(r: KerasRun): string {
  if (r.error !== null) return `raises ${r.error}`;
  const parts = [`${signed(r.difference!)} vs exact dataset`];
  if (r.epsilonPart !== 0) parts.push(`epsilon ${signed(r.epsilonPart!)}`);
  parts.push(`float32 counting and arithmetic ${signed(r.precisionPart!)}`);
  if (r.changedCells > 0) {
    parts.push(
      `total_cm (${r.stateDtype}) wrong in ${r.changedCells} cell(s), by up to ${r.maxCellError} ` +
        `pixels`,
    );
  }
  return parts.join("; ");
}

const KERAS_NAME = /^keras-([0-9]+\.[0-9]+(?:\.[0-9]+)?)(?:-(tensorflow|jax|torch|numpy))?(-xla)?$/;

/**
 * The Keras configuration a definition name stands for (`keras-3.7`, `keras-3.15-jax-xla`), or
 * undefined for another name; the backend defaults to `--backend`, then tensorflow.
 *
 * @param name a definition name
 * @param v the flags
 * @returns the configuration, or undefined
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseKerasName } from "./keras_runs.ts";
 * assert.deepEqual(parseKerasName("keras-3.7-jax-xla", {}), {
 *   version: "3.7",
 *   backend: "jax",
 *   compiled: true,
 * });
 * assert.equal(parseKerasName("dataset", {}), undefined);
 * ```
 */
export function parseKerasName(name: string, v: Flags): KerasSpec | undefined {
  const m = KERAS_NAME.exec(name);
  if (!m) return undefined;
  return {
    version: m[1],
    backend: (m[2] ?? v.backend ?? "tensorflow") as KerasBackend,
    compiled: m[3] !== undefined,
  };
}
