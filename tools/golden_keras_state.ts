/**
 * Replay of the Keras state golden files (`golden/keras-state/`, written by
 * `tools/keras_state_oracle.py` from real Keras): each case builds the same metrics with the
 * emulation of the file's Keras version and backend, runs the same steps (`update_state`,
 * `reset_state`, `reset_states`, `merge_state`, `total_cm.assign`, the Keras 3 merge idiom
 * `total_cm.assign(total_cm + other.total_cm)`) and compares after every step `total_cm` (values
 * and dtype), `result()` (same float64 bits), the error (class and message, where Keras raises)
 * and the warnings. Registered in `tools/golden_replays.ts` under `library: "keras-state"`.
 *
 * @module
 */

import { KerasError } from "../lib/keras/error.ts";
import { BinaryIoU, IoU, MeanIoU, OneHotIoU, OneHotMeanIoU } from "../lib/keras/iou_metrics.ts";
import type { KerasInput } from "../lib/keras/tensor.ts";
import type { KerasBackend } from "../lib/keras/version.ts";
import type { PeerReplay } from "./golden_peers.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

const JAX_F64_WARNING = /^Explicitly requested dtype float64 requested in \w+ is not available/;

/** Nested Python lists as NumPy arrays them: int64 when every value is an integer, else float64. */
function npArray(v: Json): KerasInput {
  const shape: number[] = [];
  let x = v;
  while (Array.isArray(x)) {
    shape.push(x.length);
    x = x[0];
  }
  const data = (Array.isArray(v) ? v.flat(Infinity) : [v]) as number[];
  const dtype = data.every((d) => Number.isInteger(d)) ? "int64" : "float64";
  return { data, shape, dtype };
}

function makeMetric(d: Json, version: string, backend: KerasBackend): IoU {
  const k = d.kwargs ?? {};
  const common = { version, backend, ...(k.dtype ? { dtype: k.dtype } : {}) };
  switch (d.class) {
    case "MeanIoU":
      return new MeanIoU({ ...common, numClasses: k.num_classes });
    case "IoU":
      return new IoU({ ...common, numClasses: k.num_classes, targetClassIds: k.target_class_ids });
    case "BinaryIoU":
      return new BinaryIoU({
        ...common,
        targetClassIds: k.target_class_ids,
        threshold: k.threshold,
      });
    case "OneHotIoU":
      return new OneHotIoU({
        ...common,
        numClasses: k.num_classes,
        targetClassIds: k.target_class_ids,
      });
    case "OneHotMeanIoU":
      return new OneHotMeanIoU({ ...common, numClasses: k.num_classes });
    default:
      throw new RangeError(`Expected a Keras IoU class, but found ${JSON.stringify(d.class)}`);
  }
}

function runOp(metrics: IoU[], op: Json): void {
  const m = metrics[op.m];
  switch (op.op) {
    case "update":
      m.updateState(
        npArray(op.y_true),
        npArray(op.y_pred),
        op.sample_weight === undefined ? undefined : npArray(op.sample_weight),
      );
      return;
    case "reset_state":
      m.resetState();
      return;
    case "reset_states":
      m.resetStates();
      return;
    case "merge_state":
      m.mergeState((op.others as number[]).map((i) => metrics[i]));
      return;
    case "assign":
      m.assignTotalCm(op.value);
      return;
    case "sum":
      for (const i of op.others as number[]) m.sumState([metrics[i]]);
      return;
    default:
      throw new RangeError(`Expected a known op, but found ${JSON.stringify(op.op)}`);
  }
}

function sameCm(a: number[][], b: number[][]): boolean {
  return a.length === b.length &&
    a.every((r, i) => r.length === b[i].length && r.every((v, j) => Object.is(v, b[i][j])));
}

/**
 * Replays one parsed keras-state golden file; never throws (a case it cannot run is a failure
 * with its reason). One record (one step of one case) is one passed or failed check.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { replayKerasStateGolden } from "./golden_keras_state.ts";
 * const file = {
 *   library: "keras-state", keras_state_version: "3.15.1", backend: "jax",
 *   cases: [{
 *     name: "merge", metrics: [{ class: "MeanIoU", kwargs: { num_classes: 2 } }],
 *     ops: [{ op: "merge_state", m: 0, others: [0] }],
 *     records: [{
 *       error: "AttributeError: 'MeanIoU' object has no attribute 'merge_state'",
 *       total_cm: [[0, 0], [0, 0]], total_cm_dtype: "int32", result: "0.0",
 *     }],
 *   }],
 * };
 * // one check per step, and one for the case's warnings
 * assert.deepEqual(replayKerasStateGolden(file), { passed: 2, failed: 0, lines: [] });
 * ```
 */
export function replayKerasStateGolden(file: unknown): PeerReplay {
  const out: PeerReplay = { passed: 0, failed: 0, lines: [] };
  const f = file as Json;
  const version = String(f?.keras_state_version);
  const backend = f?.backend as KerasBackend;
  for (const c of (f?.cases ?? []) as Json[]) {
    let metrics: IoU[];
    try {
      metrics = (c.metrics as Json[]).map((d) => makeMetric(d, version, backend));
    } catch (e) {
      out.failed += (c.records as Json[]).length;
      out.lines.push(`${c.name}: cannot build the metrics (${(e as Error).message})`);
      continue;
    }
    const seenWarnings: string[] = [];
    (c.ops as Json[]).forEach((op, k) => {
      const rec = c.records[k];
      const where = `${c.name} step ${k} (${op.op} on metric ${op.m})`;
      const problems: string[] = [];
      let thrown: unknown = null;
      try {
        runOp(metrics, op);
      } catch (e) {
        thrown = e;
      }
      if (rec.error !== undefined) {
        if (thrown instanceof KerasError) {
          if (thrown.kerasError !== rec.error) {
            problems.push(
              `error ${JSON.stringify(thrown.kerasError)}, Keras ${JSON.stringify(rec.error)}`,
            );
          }
        } else if (!(thrown instanceof RangeError) || op.op !== "sum") {
          // the Keras 3 merge idiom on mismatched shapes raises backend errors that are not
          // emulated: a RangeError there is the documented answer; anything else is a miss
          problems.push(`no Keras error (got ${String(thrown)}), Keras ${rec.error}`);
        }
      } else if (thrown !== null) {
        problems.push(`threw ${(thrown as Error).message ?? String(thrown)}, Keras did not`);
      }
      const m = metrics[op.m];
      if (!sameCm(m.totalCm, rec.total_cm)) {
        problems.push(
          `total_cm ${JSON.stringify(m.totalCm)}, Keras ${JSON.stringify(rec.total_cm)}`,
        );
      }
      if (m.stateDtype !== rec.total_cm_dtype) {
        problems.push(`dtype ${m.stateDtype}, Keras ${rec.total_cm_dtype}`);
      }
      let r: number | string;
      try {
        r = m.result();
      } catch (e) {
        r = `threw ${(e as Error).message}`;
      }
      if (!Object.is(r, Number(rec.result))) problems.push(`result ${r}, Keras ${rec.result}`);
      for (const w of (rec.warnings ?? []) as string[]) {
        // JAX without x64 warns on every op of a dtype="float64" metric (asarray, zeros); the
        // emulation models the float32 state this gives, not the warning (docs/keras.md)
        if (JAX_F64_WARNING.test(w)) continue;
        if (!seenWarnings.includes(w)) seenWarnings.push(w);
      }
      if (problems.length === 0) out.passed++;
      else {
        out.failed++;
        out.lines.push(`${where}: ${problems.join("; ")}`);
      }
    });
    // warnings: Keras's (first lines) and the emulation's, per case (the emulation keeps each once)
    const ours = new Set<string>();
    for (const m of metrics) for (const w of m.warnings) ours.add(w);
    const missing = seenWarnings.filter((w) =>
      ![...ours].some((o) => w.startsWith(o.slice(0, 60)))
    );
    const extra = [...ours].filter((o) => !seenWarnings.some((w) => w.startsWith(o.slice(0, 60))));
    if (missing.length > 0 || extra.length > 0) {
      out.failed++;
      out.lines.push(
        `${c.name}: warnings differ (missing ${JSON.stringify(missing)}, extra ${
          JSON.stringify(extra)
        })`,
      );
    } else out.passed++;
  }
  return out;
}
