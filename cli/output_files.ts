/**
 * Output files that cannot hurt: each target resolved (links written through, FIFOs and devices
 * written into, never replaced), an output that is an input or two outputs that are one file
 * refused before any work, and every file written to a temporary name and renamed into place
 * only when all were written.
 *
 * @module
 */

import { listMasks } from "../lib/io/dataset.ts";
import { type Flags, type Format, InputError, symlinksFlag } from "./args.ts";

/** Where a command's output goes: `--out`, `--save-cm`, and the format. */
export interface OutputTargets {
  /** `--out FILE`, instead of stdout. */
  out?: string;
  /** `--save-cm FILE.npy`: the exact confusion matrix as int64 (float64 when weighted). */
  saveCm?: string;
  /** `--save-state FILE.json`: the run's exact state (see cli/merge.ts). */
  saveState?: string;
  /** The output format. */
  format: Format;
}

/** An output target as the file system has it: where its bytes go, and how. */
export interface ResolvedTarget {
  /** The path as the user typed it (for messages). */
  path: string;
  /** The path with every symbolic link resolved (the target's parent folder resolved). */
  real: string;
  /**
   * `"replace"`: a regular file or a new name, written to a temporary file beside `real` and
   * renamed onto it; `"through"`: a FIFO or a character device (`/dev/stdout`, `/dev/null`),
   * opened and written, never replaced by a regular file.
   */
  mode: "replace" | "through";
  /** The existing target's device and inode (undefined for a new name). */
  id?: string;
}

function fileId(info: Deno.FileInfo): string | undefined {
  return info.dev === null || info.ino === null ? undefined : `${info.dev}:${info.ino}`;
}

function parentOf(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash < 0 ? "." : slash === 0 ? "/" : path.slice(0, slash);
}

/**
 * Where an output path's bytes will go. A symbolic link is followed to the file it names (so
 * the link stays a link); a FIFO or character device is written through; a folder, a block
 * device, a socket or a link to nothing is refused.
 *
 * @param path the output path as typed
 * @param flag the flag it came from, for messages (`--out`)
 * @returns the resolved target
 * @throws {InputError} naming the path
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { resolveTarget } from "./output_files.ts";
 * const dir = await Deno.realPath(await Deno.makeTempDir());
 * await Deno.writeTextFile(`${dir}/real.json`, "{}");
 * await Deno.symlink(`${dir}/real.json`, `${dir}/link.json`);
 * assert.deepEqual((({ real, mode }) => ({ real, mode }))(await resolveTarget(`${dir}/link.json`)), {
 *   real: `${dir}/real.json`,
 *   mode: "replace",
 * });
 * assert.equal((await resolveTarget("/dev/null")).mode, "through");
 * await assert.rejects(() => resolveTarget(dir, "--out"), /--out .*: Expected a file, but found a folder/);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function resolveTarget(path: string, flag = "output"): Promise<ResolvedTarget> {
  const refuse = (why: string) => new InputError(`${flag} ${path}: ${why}`);
  let link: Deno.FileInfo | undefined;
  try {
    link = await Deno.lstat(path);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) {
      throw refuse(`cannot write (${(e as Error).message})`);
    }
  }
  if (link === undefined) {
    // a new name: the folder it goes in, resolved, must exist
    const base = path.slice(path.lastIndexOf("/") + 1);
    if (base === "" || base === "." || base === "..") throw refuse("Expected a file name");
    let dir: string;
    try {
      dir = await Deno.realPath(parentOf(path));
    } catch (e) {
      throw refuse(`cannot write (${(e as Error).message})`);
    }
    return { path, real: `${dir === "/" ? "" : dir}/${base}`, mode: "replace" };
  }
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path); // follows links
  } catch (e) {
    throw refuse(
      link.isSymlink
        ? `Expected a symbolic link to an existing file or folder, but it leads nowhere (${
          (e as Error).message
        })`
        : `cannot write (${(e as Error).message})`,
    );
  }
  const id = fileId(info);
  if (info.isDirectory) throw refuse("Expected a file, but found a folder");
  // a FIFO or device is opened by the path as given: /dev/stdout leads to /proc/self/fd/1 and
  // then to a pipe that has no path of its own
  if (info.isFifo || info.isCharDevice) return { path, real: path, mode: "through", id };
  if (info.isFile) {
    try {
      return { path, real: await Deno.realPath(path), mode: "replace", id };
    } catch (e) {
      throw refuse(`cannot write (${(e as Error).message})`);
    }
  }
  throw refuse(
    `Expected a file, a FIFO or a character device, but found a ${
      info.isBlockDevice ? "block device" : info.isSocket ? "socket" : "special file"
    } (never written)`,
  );
}

/**
 * Writes every file together or none: regular files (and new names) go to a temporary file
 * beside their resolved target and are renamed onto it only when every output was written; a
 * symbolic link is followed, so it stays a link; a FIFO or character device is written through
 * once every temporary file is complete. A failed run removes its temporary files and leaves
 * neither a partial file nor half of the outputs.
 *
 * @param files paths and their bytes
 * @throws {InputError} naming the file that cannot be written
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { writeAllAtomic } from "./output_files.ts";
 * const dir = await Deno.makeTempDir();
 * const ok = { path: `${dir}/a.txt`, data: new TextEncoder().encode("a") };
 * await assert.rejects(() => writeAllAtomic([ok, { path: `${dir}/no/b.txt`, data: new Uint8Array() }]));
 * assert.deepEqual([...Deno.readDirSync(dir)], []); // neither file, nor a temporary one
 * await writeAllAtomic([ok]);
 * assert.equal(await Deno.readTextFile(`${dir}/a.txt`), "a");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeAllAtomic(
  files: { path: string; data: Uint8Array; flag?: string }[],
): Promise<void> {
  const targets: ResolvedTarget[] = [];
  for (const f of files) targets.push(await resolveTarget(f.path, f.flag));
  checkDistinct(targets, files.map((f) => f.flag ?? "output"));
  const tmps: (string | undefined)[] = [];
  try {
    for (let k = 0; k < files.length; k++) {
      const t = targets[k];
      if (t.mode !== "replace") {
        tmps.push(undefined);
        continue;
      }
      tmps.push(await writeTemporary(t, files[k].data));
    }
    for (let k = 0; k < files.length; k++) {
      if (targets[k].mode === "through") await writeThrough(targets[k], files[k].data);
    }
    for (let k = 0; k < files.length; k++) {
      const tmp = tmps[k];
      if (tmp === undefined) continue;
      try {
        await Deno.rename(tmp, targets[k].real);
      } catch (e) {
        throw new InputError(`${files[k].path}: cannot write (${(e as Error).message})`);
      }
      tmps[k] = undefined;
    }
  } catch (e) {
    for (const tmp of tmps) if (tmp !== undefined) await Deno.remove(tmp).catch(() => {});
    throw e instanceof InputError ? e : new InputError(`cannot write (${(e as Error).message})`);
  }
}

/** Writes `data` to a new temporary file beside `t.real` (never through an existing name). */
async function writeTemporary(t: ResolvedTarget, data: Uint8Array): Promise<string> {
  const dir = parentOf(t.real);
  const base = t.real.slice(t.real.lastIndexOf("/") + 1);
  let mode = 0o666;
  try {
    if (t.id !== undefined) mode = (await Deno.stat(t.real)).mode! & 0o7777; // keep the mode
  } catch { /* the default mode */ }
  for (let attempt = 0;; attempt++) {
    const tmp = `${dir}/.${base}.tmp-${Deno.pid}-${Math.random().toString(36).slice(2, 10)}`;
    let file: Deno.FsFile;
    try {
      // createNew: never open a name someone else made (a link planted at the temporary name)
      file = await Deno.open(tmp, { write: true, createNew: true, mode });
    } catch (e) {
      if (e instanceof Deno.errors.AlreadyExists && attempt < 8) continue;
      throw new InputError(`${t.path}: cannot write (${(e as Error).message})`);
    }
    try {
      for (let o = 0; o < data.length;) o += await file.write(data.subarray(o));
      if (t.id !== undefined) await Deno.chmod(tmp, mode).catch(() => {}); // umask aside
    } catch (e) {
      file.close();
      await Deno.remove(tmp).catch(() => {});
      throw new InputError(`${t.path}: cannot write (${(e as Error).message})`);
    }
    file.close();
    return tmp;
  }
}

/** Opens a FIFO or character device and writes `data` into it. */
async function writeThrough(t: ResolvedTarget, data: Uint8Array): Promise<void> {
  let file: Deno.FsFile | undefined;
  try {
    file = await Deno.open(t.real, { write: true });
    for (let o = 0; o < data.length;) o += await file.write(data.subarray(o));
  } catch (e) {
    throw new InputError(`${t.path}: cannot write (${(e as Error).message})`);
  } finally {
    file?.close();
  }
}

/** Throws when two outputs resolve to one file. */
function checkDistinct(targets: readonly ResolvedTarget[], flags: readonly string[]): void {
  for (let a = 0; a < targets.length; a++) {
    for (let b = a + 1; b < targets.length; b++) {
      const same = targets[a].real === targets[b].real ||
        (targets[a].id !== undefined && targets[a].id === targets[b].id);
      if (same) {
        throw new InputError(
          `Expected ${flags[a]} and ${flags[b]} to name different files, but ${targets[a].path} ` +
            `and ${targets[b].path} are both ${targets[a].real}`,
        );
      }
    }
  }
}

/**
 * {@linkcode checkOutputs} for a parsed command line: the outputs of `--out`, `--save-cm` and
 * `--save-state` against the inputs of `--true`, `--pred`, `--cm` and the state files of
 * `merge` (folders listed as the dataset reader lists them).
 *
 * @param v the flags
 * @param command the command
 * @param positionals the positional arguments (state files for `merge`)
 * @throws {InputError} naming the output and the input
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { guardOutputs } from "./output_files.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/s.json`, "{}");
 * await assert.rejects(() => guardOutputs({ out: `${dir}/s.json` }, "merge", [`${dir}/s.json`]));
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function guardOutputs(
  v: Flags,
  command: string,
  positionals: readonly string[],
): Promise<void> {
  const inputs = [v.true, v.pred, v.cm, ...(command === "merge" ? positionals : [])]
    .filter((x): x is string => x !== undefined);
  await checkOutputs(
    { out: v.out, saveCm: v["save-cm"], saveState: v["save-state"], format: "table" },
    inputs,
    (dir) => listMasks(dir, { symlinks: symlinksFlag(v.symlinks) }),
  );
}

/**
 * Refuses, before any work, outputs that would destroy an input or each other: an output that
 * is an input file (`--true`, `--pred`, `--cm`, the state files of `merge`, or a mask found in
 * an input folder; compared by the file itself, so symbolic and hard links count), two outputs
 * that are one file, and targets {@linkcode resolveTarget} refuses.
 *
 * @param targets `--out`, `--save-cm`, `--save-state`
 * @param inputs the input paths: files, or folders whose masks are listed by `listFolder`
 * @param listFolder the mask files of a folder, as the command will read them
 * @throws {InputError} naming the output and the input
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkOutputs } from "./output_files.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/cm.json`, "[[1, 0], [0, 1]]");
 * await Deno.symlink(`${dir}/cm.json`, `${dir}/link.json`);
 * await assert.rejects(
 *   () => checkOutputs({ out: `${dir}/link.json`, format: "json" }, [`${dir}/cm.json`]),
 *   /--out .*link\.json is the input .*cm\.json/,
 * );
 * await checkOutputs({ out: `${dir}/r.json`, format: "json" }, [`${dir}/cm.json`]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function checkOutputs(
  targets: OutputTargets,
  inputs: readonly string[],
  listFolder: (dir: string) => Promise<string[]> = () => Promise.resolve([]),
): Promise<void> {
  const named: [string, string | undefined][] = [
    ["--out", targets.out],
    ["--save-cm", targets.saveCm],
    ["--save-state", targets.saveState],
  ];
  const outputs = named.filter((x): x is [string, string] => x[1] !== undefined);
  if (outputs.length === 0) return;
  const resolved: ResolvedTarget[] = [];
  for (const [flag, path] of outputs) resolved.push(await resolveTarget(path, flag));
  checkDistinct(resolved, outputs.map((x) => x[0]));
  // only an output that exists can be an input file; FIFOs and devices are written through
  const existing = resolved.filter((t) => t.id !== undefined && t.mode === "replace");
  if (existing.length === 0) return;
  const clash = (input: string, info: Deno.FileInfo) => {
    const id = fileId(info);
    const hit = existing.findIndex((t) => t.id === id);
    if (hit < 0) return;
    const t = existing[hit];
    const flag = outputs[resolved.indexOf(t)][0];
    throw new InputError(
      `Expected ${flag} to be a file other than the inputs, but ${t.path} is the input ${input} ` +
        `(nothing was written)`,
    );
  };
  for (const input of inputs) {
    let info: Deno.FileInfo;
    try {
      info = await Deno.stat(input);
    } catch {
      continue; // a missing input is reported when the command reads it
    }
    if (!info.isDirectory) {
      clash(input, info);
      continue;
    }
    const root = input.replace(/\/+$/, "") || "/";
    for (const rel of await listFolder(root)) {
      const file = `${root}/${rel}`;
      try {
        clash(file, await Deno.stat(file));
      } catch (e) {
        if (e instanceof InputError) throw e;
      }
    }
  }
}
