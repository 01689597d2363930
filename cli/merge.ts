/**
 * Sharded evaluation: `compare --shard I/N` counts a deterministic subset of the file pairs,
 * `--save-state FILE` writes the run's exact state (`lib/core/run_state.ts`), and
 * `merge STATE...` combines the states and prints exactly what one `compare` over all the files
 * prints, in every format.
 *
 * A shard holds the pairs whose index in the sorted list of pairs (the order `compare` reads
 * them in) is I modulo N, 0 <= I < N: every shard lists the same folders, so the shards of one
 * N are disjoint and together hold every pair. The state names each file by its path relative to
 * `--true` without extension, the same in every shard. The merged state is the single run's
 * state, so every definition comes out identical: dataset-level ones from the summed matrix,
 * per-image ones from the per-image counts in global file order, per-batch ones and Keras
 * (fed each batch's exact matrix, as `compare` does under `--out-of-range error`) by re-batching
 * those counts in global file order.
 *
 * @module
 */

import type { ConfusionMatrix } from "../lib/core/confusion_matrix.ts";
import { mergeRunStates, RunState, type RunStateJSON } from "../lib/core/run_state.ts";
import type { MaskPair } from "../lib/io/dataset.ts";
import type { MaskImage } from "../lib/io/mask_reader.ts";
import type { KerasSpec } from "../lib/keras/audit.ts";
import type { KerasBackend } from "../lib/keras/version.ts";
import { compare } from "../lib/metrics/compare.ts";
import { type Flags, InputError } from "./args.ts";
import { comparisonOutput } from "./compare.ts";
import type { CountOptions } from "./count.ts";
import { kerasFactory } from "./keras_runs.ts";
import type { CommandResult } from "./output.ts";

/** A shard of `--shard I/N`: the pairs whose index modulo `count` is `index`. */
export interface Shard {
  /** I, in [0, N). */
  index: number;
  /** N, at least 1. */
  count: number;
}

/**
 * Parses `--shard I/N` (0 <= I < N).
 *
 * @param text the value as typed
 * @returns the shard, or undefined when the flag is absent
 * @throws {InputError} for anything else
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseShard } from "./merge.ts";
 * assert.deepEqual(parseShard("0/3"), { index: 0, count: 3 });
 * assert.throws(() => parseShard("3/3"), /--shard I\/N with 0 <= I < N, but found '3\/3'/);
 * ```
 */
export function parseShard(text: string | undefined): Shard | undefined {
  if (text === undefined) return undefined;
  const m = /^\s*([0-9]+)\s*\/\s*([0-9]+)\s*$/.exec(text);
  const index = m ? Number(m[1]) : NaN, count = m ? Number(m[2]) : NaN;
  if (!m || !Number.isSafeInteger(count) || count < 1 || !(index < count)) {
    throw new InputError(`Expected --shard I/N with 0 <= I < N, but found '${text}'`);
  }
  return { index, count };
}

/**
 * The pairs of one shard: those whose index in `pairs` (sorted, as `compare` reads them) is
 * `shard.index` modulo `shard.count`.
 *
 * @param pairs every pair, in reading order
 * @param shard the shard
 * @returns its pairs, in the same order
 * @throws {InputError} when the shard gets no pair (more shards than pairs)
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { shardPairs } from "./merge.ts";
 * assert.deepEqual(shardPairs(["a", "b", "c", "d", "e"], { index: 1, count: 3 }), ["b", "e"]);
 * ```
 */
export function shardPairs<T>(pairs: readonly T[], shard: Shard): T[] {
  const out = pairs.filter((_, k) => k % shard.count === shard.index);
  if (out.length === 0) {
    throw new InputError(
      `Expected shard ${shard.index}/${shard.count} to hold at least one of the ${pairs.length} ` +
        `file pair(s); use at most ${pairs.length} shard(s)`,
    );
  }
  return out;
}

/**
 * A file's shard-independent name: its path relative to the `--true` folder without extension
 * (how pairs are matched), or for a single file, its name without extension.
 *
 * @param truePath `--true` as typed
 * @param pair the pair
 * @returns the name
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pairName } from "./merge.ts";
 * assert.equal(pairName("gt/", { truePath: "gt/city/a.png", predPath: "pred/city/a.npy" }), "city/a");
 * assert.equal(pairName("x/y.npy", { truePath: "x/y.npy", predPath: "p.npy" }), "y");
 * ```
 */
export function pairName(truePath: string, pair: MaskPair): string {
  const root = truePath.replace(/\/+$/, "");
  const rel = pair.truePath === truePath
    ? pair.truePath.slice(pair.truePath.lastIndexOf("/") + 1)
    : pair.truePath.slice(root.length + 1);
  const dot = rel.lastIndexOf(".");
  return dot > rel.lastIndexOf("/") + 1 ? rel.slice(0, dot) : rel;
}

/** What `compare` needs for `--shard` and `--save-state`. */
export interface Sharding {
  /** Keeps the shard's pairs (all of them without `--shard`). */
  selectPairs(pairs: MaskPair[]): MaskPair[];
  /** Records one counted image into the state. */
  onImage(image: MaskImage, counts: ConfusionMatrix): void;
  /** The state, once the run is over; undefined without `--save-state`. */
  state(classesInferred: boolean): RunState | undefined;
}

/**
 * Sets up `--shard` and `--save-state` for a `compare` run on masks, or returns undefined when
 * neither is given. The state's options are the run's (classes, ignore, out-of-range, axis,
 * batch sizes, Keras), its context the `--true` and `--pred` paths as typed, so that `merge`
 * prints the input as the single run does.
 *
 * @param v the flags
 * @param o the counting options
 * @param keras the Keras configurations
 * @param batchSizes the batch sizes
 * @returns the hooks, or undefined
 * @throws {InputError} for a bad `--shard`, `--shard` without `--classes` (each shard would
 *   infer its own number of classes), or Keras with `--out-of-range drop|miss` (Keras is then fed
 *   pixels, which a state does not keep)
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sharding } from "./merge.ts";
 * const o = { numClasses: 2, ignore: [], outOfRange: "error" as const, quiet: true };
 * assert.equal(sharding({ true: "gt", pred: "pred" }, o, [], [8]), undefined);
 * const s = sharding({ true: "gt", pred: "pred", shard: "1/2", "save-state": "s.json" }, o, [], [8])!;
 * const pairs = ["a", "b", "c"].map((n) => ({ truePath: `gt/${n}.png`, predPath: `pred/${n}.png` }));
 * assert.deepEqual(s.selectPairs(pairs).map((p) => p.truePath), ["gt/b.png"]);
 * ```
 */
export function sharding(
  v: Flags,
  o: CountOptions,
  keras: readonly KerasSpec[],
  batchSizes: readonly number[],
): Sharding | undefined {
  const shard = parseShard(v.shard);
  const save = v["save-state"];
  if (shard === undefined && save === undefined) return undefined;
  if (shard !== undefined && o.numClasses === undefined && o.axis === undefined) {
    throw new InputError(
      "Expected --classes with --shard: each shard would infer its own number of classes",
    );
  }
  if (save !== undefined && keras.length > 0 && o.outOfRange !== "error") {
    throw new InputError(
      `Expected --keras none with --save-state and --out-of-range ${o.outOfRange}: Keras is then ` +
        "fed pixels, which a state does not keep",
    );
  }
  let state: RunState | undefined;
  return {
    selectPairs: (pairs) => shard === undefined ? pairs : shardPairs(pairs, shard),
    onImage(image, counts) {
      if (save === undefined) return;
      state ??= new RunState({
        numClasses: counts.numClasses,
        ignoreIndex: o.ignore,
        outOfRange: o.outOfRange,
        axis: o.axis ?? null,
        batchSizes,
        keras: keras.map(kerasSpecName),
        imageMatrices: keras.length > 0,
        context: { true: v.true ?? null, pred: v.pred ?? null },
      });
      // the image's counts from the count itself: its pixels are not counted a second time
      state.addImageMatrix(pairName(v.true!, image.pair), counts);
    },
    state(classesInferred) {
      if (state === undefined) return undefined;
      const json = state.toJSON();
      json.options.context.classesInferred = classesInferred;
      return RunState.fromJSON(json);
    },
  };
}

function kerasSpecName(s: KerasSpec): string {
  return `keras-${s.version}-${s.backend ?? "tensorflow"}${s.compiled ? "-xla" : ""}`;
}

const SPEC_NAME = /^keras-([0-9]+\.[0-9]+(?:\.[0-9]+)?)-(tensorflow|jax|torch|numpy)(-xla)?$/;

/**
 * The largest state file `merge` reads: it parses each whole, which takes a few times its size
 * in memory. A state holds a few dozen bytes per image, so this is millions of images.
 */
const MAX_STATE_FILE_BYTES = 512 * 2 ** 20;

/**
 * Reads state files and returns the merged state (see `mergeRunStates`).
 *
 * @param paths the state files
 * @returns the merged state
 * @throws {InputError} for a missing or invalid file, states made with different options, or a
 *   file counted in two states, naming the state file
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RunState } from "../lib/core/run_state.ts";
 * import { readStates } from "./merge.ts";
 * const dir = await Deno.makeTempDir();
 * const o = { numClasses: 2, context: { true: "gt", pred: "pred", classesInferred: false } };
 * await Deno.writeTextFile(`${dir}/0.json`, JSON.stringify(new RunState(o).addImage("a", [0], [0])));
 * await Deno.writeTextFile(`${dir}/1.json`, JSON.stringify(new RunState(o).addImage("b", [1], [0])));
 * const merged = await readStates([`${dir}/1.json`, `${dir}/0.json`]);
 * assert.deepEqual(merged.files.map((f) => f.name), ["a", "b"]);
 * await assert.rejects(() => readStates([`${dir}/0.json`, `${dir}/0.json`]), /'a' in .*0\.json and .*0\.json/);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function readStates(paths: readonly string[]): Promise<RunState> {
  if (paths.length === 0) {
    throw new InputError("Expected state files to merge (merge STATE.json...), but found none");
  }
  const states: RunState[] = [];
  for (const path of paths) {
    let text: string;
    try {
      const info = await Deno.stat(path);
      if (!info.isFile) {
        throw new InputError(`Expected ${path} to be a state file, but found no regular file`);
      }
      const size = info.size;
      if (size > MAX_STATE_FILE_BYTES) {
        throw new InputError(
          `Expected ${path} to be a state file of at most ${MAX_STATE_FILE_BYTES / 2 ** 20} MiB ` +
            `(merge reads each whole), but found ${size} bytes`,
        );
      }
      text = await Deno.readTextFile(path);
    } catch (e) {
      if (e instanceof InputError) throw e;
      throw new InputError(
        e instanceof Deno.errors.NotFound
          ? `${path}: no such file`
          : `${path}: cannot read (${(e as Error).message})`,
      );
    }
    try {
      states.push(RunState.fromJSON(JSON.parse(text) as RunStateJSON));
    } catch (e) {
      throw new InputError(`${path}: ${(e as Error).message}`);
    }
  }
  try {
    return mergeRunStates(states);
  } catch (e) {
    // name the files, not the positions
    const message = (e as Error).message.replace(/states\[([0-9]+)\]/g, (_, k) => paths[Number(k)]);
    throw new InputError(message);
  }
}

/**
 * Runs `merge STATE...`: merges the states of `compare --save-state` runs (the shards of one
 * evaluation) and prints what `compare` over all their files prints: the same definitions,
 * Keras runs, libraries and input description, in the chosen format.
 *
 * @param v the flags (`--format`, `--out`, `--save-cm`, `--save-state` are handled by the caller)
 * @param paths the state files
 * @returns the output, the exact matrix and the merged state
 * @throws {InputError} for bad state files or flags that counting takes
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RunState } from "../lib/core/run_state.ts";
 * import { runMerge } from "./merge.ts";
 * const dir = await Deno.makeTempDir();
 * const o = { numClasses: 2, batchSizes: [8], context: { true: "gt", pred: "pred", classesInferred: false } };
 * await Deno.writeTextFile(`${dir}/0.json`, JSON.stringify(new RunState(o).addImage("a", [0, 1], [0, 1])));
 * await Deno.writeTextFile(`${dir}/1.json`, JSON.stringify(new RunState(o).addImage("b", [1], [0])));
 * const r = await runMerge({}, [`${dir}/0.json`, `${dir}/1.json`]);
 * const json = r.rendered.json as { values: Record<string, number>; input: { files: number } };
 * assert.equal(json.values.dataset, (1 / 2 + 1 / 2) / 2);
 * assert.equal(json.input.files, 2);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function runMerge(
  v: Flags,
  paths: readonly string[],
): Promise<CommandResult & { state: RunState }> {
  for (
    const flag of [
      "true",
      "pred",
      "cm",
      "classes",
      "ignore",
      "out-of-range",
      "axis",
      "batch-size",
      "keras",
      "backend",
      "compiled",
      "shard",
    ] as const
  ) {
    if (v[flag] !== undefined) {
      throw new InputError(
        `Expected no --${flag} with 'merge': the states carry the options they were counted with`,
      );
    }
  }
  const state = await readStates(paths);
  const o = state.options;
  if (state.numImages === 0) {
    throw new InputError("Expected at least one image in the states, but found none");
  }
  const stats = state.stats;
  const c = compare(stats, { batchSizes: o.batchSizes });
  const specs = o.keras.map((name) => {
    const m = SPEC_NAME.exec(name);
    if (!m) throw new InputError(`${paths[0]}: unknown Keras configuration '${name}'`);
    return { version: m[1], backend: m[2] as KerasBackend, compiled: m[3] !== undefined };
  });
  const make = await kerasFactory(specs, o.ignoreIndex, o.batchSizes[0] ?? 8);
  const keras = make?.(o.numClasses);
  if (keras !== undefined) {
    if (o.outOfRange !== "error") {
      throw new InputError(
        `${paths[0]}: Keras with --out-of-range ${o.outOfRange} cannot be replayed from a state`,
      );
    }
    // as compare feeds Keras: each batch's exact counts, batches across file boundaries
    for (const batch of state.batchMatrices(keras.batchSize)) keras.addBatchCounts(batch.counts());
  }
  const runs = keras?.finish(stats.confusionMatrix) ?? [];
  const context = o.context;
  const rendered = comparisonOutput(
    c,
    {
      true: context.true,
      pred: context.pred,
      files: state.files.length,
      numClasses: o.numClasses,
      classesInferred: context.classesInferred,
      ignore: o.ignoreIndex,
      outOfRange: o.outOfRange,
      axis: o.axis,
      batchSizes: o.batchSizes,
    },
    undefined,
    runs,
  );
  return { rendered, cm: stats.confusionMatrix, state };
}

/**
 * The help text of `merge`, naming the program `p` as the user ran it.
 *
 * @param p the program, e.g. `"segmetrics"`
 * @returns the text
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mergeHelp } from "./merge.ts";
 * assert.match(mergeHelp("segmetrics"), /^Usage: segmetrics merge STATE.json/);
 * ```
 */
export function mergeHelp(p: string): string {
  return `Usage: ${p} merge STATE.json [STATE.json...] [--format F] [--out FILE] [--save-cm FILE.npy]
       [--save-state FILE.json]

Merges the exact states written by '${p} compare ... --shard I/N --save-state FILE' and prints
exactly what one 'compare' over all their files prints (every definition, Keras, libraries), in
any format. The states must come from runs with the same flags and the same --true and --pred
paths as typed; a file counted in two states is an error. --save-state writes the merged state,
which merges again.

Sharding: --shard I/N (0 <= I < N) counts the pairs whose index in the sorted list of pairs is I
modulo N; pass --classes with it. See docs/sharding.md.

Example:
  for i in 0 1 2; do ${p} compare --true gt/ --pred pred/ --classes 21 --ignore 255 \\
    --shard $i/3 --save-state state_$i.json --out shard_$i.txt; done
  ${p} merge state_0.json state_1.json state_2.json --format json`;
}
