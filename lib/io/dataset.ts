/**
 * The dataset reader's first half: finding mask files in folders and pairing ground truth with
 * predictions by name, plus the helpers that turn decoded arrays into label arrays and name a
 * pixel in messages. Reading the paired files image by image is in `mask_reader.ts`; opening
 * one file is in `mask_source.ts`.
 *
 * Every problem with the user's files is an {@linkcode InputError} whose one-line message names
 * the file, what was expected and what was found. Nothing here prints.
 *
 * @module
 */

import type { LabelArray } from "../core/labels.ts";
import type { NpyData } from "./npy.ts";
import { InputError } from "./input_error.ts";
import { fileError, fileKind, regularFileOrFail } from "./_files.ts";

/** A ground-truth file and the prediction file with the same name. */
export interface FilePair {
  /** The shared name (path without its extension). */
  name: string;
  /** Path of the ground-truth file. */
  truePath: string;
  /** Path of the prediction file. */
  predPath: string;
}

/** The result of {@linkcode pairByName}. */
export interface Pairing {
  /** Pairs, sorted by name. */
  pairs: FilePair[];
  /** Ground-truth files without a prediction. */
  unpairedTrue: string[];
  /** Prediction files without a ground truth. */
  unpairedPred: string[];
}

function stem(path: string): string {
  const slash = path.lastIndexOf("/");
  const dot = path.lastIndexOf(".");
  return dot > slash + 1 ? path.slice(0, dot) : path;
}

/**
 * Pairs ground-truth and prediction files by path without extension, so `a.png` pairs with
 * `a.png` or `a.npy`, and `city/a.png` with `city/a.npy` (pass paths relative to each side's
 * folder). Two files with the same name in one folder (`a.png` and `a.npy`) are an error,
 * because the pairing would be a guess.
 *
 * @param trueFiles paths of the ground-truth files
 * @param predFiles paths of the prediction files
 * @returns the pairs (sorted by name) and the files left without a partner
 * @throws {RangeError} when one side holds two files with the same name
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pairByName } from "./dataset.ts";
 * const p = pairByName(["a.png", "x/b.png", "c.png"], ["x/b.npy", "a.png", "d.png"]);
 * assert.deepEqual(p.pairs.map((x) => [x.truePath, x.predPath]), [
 *   ["a.png", "a.png"],
 *   ["x/b.png", "x/b.npy"],
 * ]);
 * assert.deepEqual(p.unpairedTrue, ["c.png"]);
 * assert.deepEqual(p.unpairedPred, ["d.png"]);
 * ```
 */
export function pairByName(trueFiles: readonly string[], predFiles: readonly string[]): Pairing {
  const index = (files: readonly string[], side: string) => {
    const map = new Map<string, string>();
    for (const f of files) {
      const s = stem(f);
      const other = map.get(s);
      if (other !== undefined) {
        throw new RangeError(
          `Expected one ${side} file per name, but found both ${other} and ${f} for '${s}'`,
        );
      }
      map.set(s, f);
    }
    return map;
  };
  const t = index(trueFiles, "ground-truth");
  const p = index(predFiles, "prediction");
  const names = [...t.keys()].filter((k) => p.has(k)).sort();
  return {
    pairs: names.map((name) => ({ name, truePath: t.get(name)!, predPath: p.get(name)! })),
    unpairedTrue: [...t.keys()].filter((k) => !p.has(k)).sort().map((k) => t.get(k)!),
    unpairedPred: [...p.keys()].filter((k) => !t.has(k)).sort().map((k) => p.get(k)!),
  };
}

/**
 * Converts any decoded integer or float typed array to a label array the counters accept,
 * without changing a value: `Int8Array`/`Int16Array` -> `Int32Array`, `Uint32Array` ->
 * `Float64Array`; the accepted types pass through unchanged.
 *
 * @param data decoded values
 * @returns the same values as a `LabelArray`
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { toLabelArray } from "./dataset.ts";
 * const labels = toLabelArray(new Int8Array([-1, 2]));
 * assert.ok(labels instanceof Int32Array);
 * assert.deepEqual([...labels], [-1, 2]);
 * ```
 */
export function toLabelArray(data: NpyData): LabelArray {
  if (data instanceof Int8Array || data instanceof Int16Array) return Int32Array.from(data);
  if (data instanceof Uint32Array) return Float64Array.from(data);
  return data;
}

/**
 * Describes flat index `index` of an array of `shape` as a pixel position, e.g.
 * `"pixel (row 3, column 7)"` for an (H, W) image.
 *
 * @param index flat C-order index
 * @param shape the image's shape
 * @returns a readable position
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pixelPosition } from "./dataset.ts";
 * assert.equal(pixelPosition(7, [2, 5]), "pixel (row 1, column 2)");
 * ```
 */
export function pixelPosition(index: number, shape: readonly number[]): string {
  if (shape.length === 2) {
    return `pixel (row ${Math.floor(index / shape[1])}, column ${index % shape[1]})`;
  }
  const idx: number[] = [];
  let r = index;
  for (let d = shape.length - 1; d >= 0; d--) {
    idx.unshift(r % shape[d]);
    r = Math.floor(r / shape[d]);
  }
  return `element (${idx.join(", ")})`;
}

/** What the folder walk does with a symbolic link (the CLI's `--symlinks`). */
export type SymlinkPolicy = "follow" | "skip" | "error";

/** A file or link the folder walk did not use, and why. */
export interface SkippedFile {
  /** The path, starting with the folder as given. */
  path: string;
  /** Why it was left out, in words. */
  why: string;
}

/** Options of {@linkcode findMasks} and {@linkcode pairMasks}. */
export interface FindMasksOptions {
  /**
   * `"follow"` (default): links to files and folders are followed, a link that leads back to a
   * folder being walked is walked once; `"skip"`: links are not followed (and are listed as
   * skipped); `"error"`: a link is an error naming it.
   */
  symlinks?: SymlinkPolicy;
}

/** What {@linkcode findMasks} found. */
export interface FoundMasks {
  /** The mask files, relative to the folder with `/` separators, sorted. */
  files: string[];
  /**
   * Entries that looked like masks but were not used (a link to nothing, a FIFO named
   * `a.png`), and links that were not followed (a loop, or `symlinks: "skip"`), in walk order.
   */
  skipped: SkippedFile[];
}

function looksLikeMask(name: string): boolean {
  const lower = name.toLowerCase();
  return lower.endsWith(".npy") || lower.endsWith(".png");
}

/**
 * Finds the mask files (`.npy` and `.png`, any letter case) under `dir` at any depth, as paths
 * relative to `dir` with `/` separators, sorted, with the entries it left out and why.
 * Symbolic links are followed by default; a link that leads back to a folder being walked
 * (a loop, told by the folder's real path) is not walked again, so every folder of a cycle is
 * walked once. Files that are not masks are neither listed nor reported.
 *
 * @param dir the folder to search
 * @param options `symlinks`: follow (default), skip or error
 * @returns the files and the skipped entries
 * @throws {InputError} when `dir` or a folder below it cannot be read, or for a link under
 *   `symlinks: "error"`
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { findMasks } from "./dataset.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.mkdir(`${dir}/a`);
 * await Deno.writeFile(`${dir}/a/x.png`, new Uint8Array());
 * await Deno.symlink(dir, `${dir}/a/up`); // a loop back to the top
 * await Deno.symlink("gone.png", `${dir}/y.png`); // a link to nothing
 * const found = await findMasks(dir);
 * assert.deepEqual(found.files, ["a/x.png"]);
 * assert.deepEqual(found.skipped.map((s) => s.path), [`${dir}/a/up`, `${dir}/y.png`].sort());
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function findMasks(dir: string, options: FindMasksOptions = {}): Promise<FoundMasks> {
  try {
    return Promise.resolve(walkMasks(dir, options.symlinks ?? "follow"));
  } catch (e) {
    return Promise.reject(e);
  }
}

function walkMasks(dir: string, symlinks: SymlinkPolicy): FoundMasks {
  if (symlinks !== "follow" && symlinks !== "skip" && symlinks !== "error") {
    throw new InputError(
      `Expected --symlinks to be follow, skip or error, but found '${symlinks as string}'`,
    );
  }
  const files: string[] = [];
  const skipped: SkippedFile[] = [];
  const realOf = (path: string) => {
    try {
      return Deno.realPathSync(path);
    } catch (e) {
      throw fileError(path, e);
    }
  };
  // depth-first with an explicit stack (no depth limit, no recursion): a folder's real path is
  // on `walking` while its subfolders are walked, so a link back to it is a loop
  const walking = new Set<string>();
  type Step = { rel: string; real: string } | { leave: string };
  const stack: Step[] = [{ rel: "", real: realOf(dir) }];
  while (stack.length > 0) {
    const step = stack.pop()!;
    if ("leave" in step) {
      walking.delete(step.leave);
      continue;
    }
    const { rel, real } = step;
    walking.add(real);
    stack.push({ leave: real });
    const here = rel === "" ? dir : `${dir}/${rel}`;
    let entries: Deno.DirEntry[];
    try {
      entries = [...Deno.readDirSync(here)];
    } catch (e) {
      throw fileError(here, e);
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const below: Step[] = []; // subfolders, pushed last so they are walked in name order
    for (const entry of entries) {
      const path = rel === "" ? entry.name : `${rel}/${entry.name}`;
      const full = `${dir}/${path}`;
      const mask = looksLikeMask(entry.name);
      if (entry.isDirectory) {
        below.push({ rel: path, real: realOf(full) });
        continue;
      }
      if (entry.isFile) {
        if (mask) files.push(path);
        continue;
      }
      if (!entry.isSymlink) {
        if (mask) skipped.push({ path: full, why: `${fileKind(Deno.lstatSync(full))}, not read` });
        continue;
      }
      let target = "?";
      try {
        target = Deno.readLinkSync(full);
      } catch { /* shown as ? */ }
      let info: Deno.FileInfo | undefined;
      try {
        info = Deno.statSync(full); // follows the link
      } catch { /* a link to nothing */ }
      if (info === undefined ? !mask : !info.isDirectory && !mask) continue; // never a mask
      if (symlinks === "error") {
        throw new InputError(
          `${full}: Expected no symbolic links (--symlinks error), but found one to ${target}`,
        );
      }
      if (info === undefined) {
        skipped.push({ path: full, why: `a symbolic link to nothing (${target})` });
        continue;
      }
      if (symlinks === "skip") {
        skipped.push({
          path: full,
          why: `a symbolic link to ${target}, not followed (--symlinks skip)`,
        });
        continue;
      }
      if (info.isDirectory) {
        const linked = realOf(full);
        if (walking.has(linked)) {
          skipped.push({
            path: full,
            why: `a symbolic link back to ${linked}, a folder being walked (a loop, walked once)`,
          });
        } else below.push({ rel: path, real: linked });
      } else if (info.isFile) files.push(path);
      else skipped.push({ path: full, why: `a symbolic link to ${fileKind(info)}, not read` });
    }
    for (let k = below.length - 1; k >= 0; k--) stack.push(below[k]);
  }
  skipped.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { files: files.sort(), skipped };
}

/**
 * Finds the mask files (`.npy` and `.png`, any letter case) under `dir`, recursively, as paths
 * relative to `dir` with `/` separators, sorted: the files of {@linkcode findMasks}, symbolic
 * links followed and loops walked once.
 *
 * @param dir the folder to search
 * @param options `symlinks`: follow (default), skip or error
 * @returns the relative paths, sorted
 * @throws {InputError} when `dir` or a folder below it cannot be read
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { listMasks } from "./dataset.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.mkdir(`${dir}/city`);
 * for (const f of ["b.png", "a.NPY", "notes.txt", "city/c.npy"]) {
 *   await Deno.writeFile(`${dir}/${f}`, new Uint8Array());
 * }
 * assert.deepEqual(await listMasks(dir), ["a.NPY", "b.png", "city/c.npy"]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function listMasks(dir: string, options: FindMasksOptions = {}): Promise<string[]> {
  return (await findMasks(dir, options)).files;
}

/** A ground-truth file and the prediction file it is compared with. */
export interface MaskPair {
  /** Path of the ground-truth file. */
  truePath: string;
  /** Path of the prediction file. */
  predPath: string;
}

/** How many unpaired files an error message lists before it says "and N more". */
const LISTED = 20;

/**
 * Pairs ground truth with predictions the way the CLI's `--true` and `--pred` do: two files
 * are one pair; two folders are searched recursively ({@linkcode listMasks}) and their files
 * paired by the path without extension relative to each folder ({@linkcode pairByName}), so
 * `gt/city/a.png` pairs with `pred/city/a.npy`. Relative paths are relative to the current
 * working directory; the returned paths start with the given ones.
 *
 * @param truePath ground-truth file or folder
 * @param predPath prediction file or folder
 * @param options `symlinks` (see {@linkcode findMasks}); `skipped` collects what the folder walk
 *   left out
 * @returns the pairs, sorted by name
 * @throws {InputError} when a path is missing, one is a file and the other a folder, a file
 *   has no partner (the message lists them), a name is taken twice, or the folders hold no masks
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pairMasks } from "./dataset.ts";
 * const dir = await Deno.makeTempDir();
 * for (const f of ["gt/a.png", "gt/city/b.npy", "pred/a.npy", "pred/city/b.npy"]) {
 *   await Deno.mkdir(`${dir}/${f.slice(0, f.lastIndexOf("/"))}`, { recursive: true });
 *   await Deno.writeFile(`${dir}/${f}`, new Uint8Array());
 * }
 * const pairs = await pairMasks(`${dir}/gt`, `${dir}/pred/`);
 * assert.deepEqual(pairs.map((p) => [p.truePath, p.predPath]), [
 *   [`${dir}/gt/a.png`, `${dir}/pred/a.npy`],
 *   [`${dir}/gt/city/b.npy`, `${dir}/pred/city/b.npy`],
 * ]);
 * await Deno.remove(`${dir}/pred/a.npy`);
 * await assert.rejects(() => pairMasks(`${dir}/gt`, `${dir}/pred`), /without a prediction \(1\)/);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function pairMasks(
  truePath: string,
  predPath: string,
  options: FindMasksOptions & { skipped?: SkippedFile[] } = {},
): Promise<MaskPair[]> {
  const [t, p] = [regularFileOrFail(truePath), regularFileOrFail(predPath)];
  if (t.isDirectory !== p.isDirectory) {
    throw new InputError(
      `Expected --true and --pred to be both files or both folders, but ${truePath} is a ${
        t.isDirectory ? "folder" : "file"
      } and ${predPath} is a ${p.isDirectory ? "folder" : "file"}`,
    );
  }
  if (!t.isDirectory) return [{ truePath, predPath }];
  const tRoot = truePath.replace(/\/+$/, ""), pRoot = predPath.replace(/\/+$/, "");
  const trueFound = await findMasks(tRoot, options);
  const predFound = await findMasks(pRoot, options);
  options.skipped?.push(...trueFound.skipped, ...predFound.skipped);
  const [trueFiles, predFiles] = [trueFound.files, predFound.files];
  let pairing;
  try {
    pairing = pairByName(trueFiles, predFiles); // by the path relative to each root
  } catch (e) {
    throw new InputError(`${tRoot}, ${pRoot}: ${(e as Error).message}`);
  }
  const unpairedTrue = pairing.unpairedTrue.map((f) => `${tRoot}/${f}`);
  const unpairedPred = pairing.unpairedPred.map((f) => `${pRoot}/${f}`);
  if (unpairedTrue.length > 0 || unpairedPred.length > 0) {
    const show = (xs: string[]) =>
      xs.slice(0, LISTED).join(", ") +
      (xs.length > LISTED ? `, and ${xs.length - LISTED} more` : "");
    const parts = [];
    if (unpairedTrue.length > 0) {
      parts.push(
        `ground truth without a prediction (${unpairedTrue.length}): ${show(unpairedTrue)}`,
      );
    }
    if (unpairedPred.length > 0) {
      parts.push(
        `predictions without a ground truth (${unpairedPred.length}): ${show(unpairedPred)}`,
      );
    }
    throw new InputError(
      `Expected every file to have a partner with the same name; ${parts.join("; ")}`,
    );
  }
  if (pairing.pairs.length === 0) {
    throw new InputError(
      `Expected .npy or .png masks in ${truePath} and ${predPath}, but found none`,
    );
  }
  return pairing.pairs.map((x) => ({
    truePath: `${tRoot}/${x.truePath}`,
    predPath: `${pRoot}/${x.predPath}`,
  }));
}
