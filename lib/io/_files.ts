/**
 * File access shared by the dataset reader (internal, not exported from mod.ts): file-system
 * errors as {@linkcode InputError}s, and reading the next files in the background.
 *
 * @module
 */

import { InputError } from "./input_error.ts";

/** The {@linkcode InputError} for a failed file-system call on `path`. */
export function fileError(path: string, e: unknown): InputError {
  if (e instanceof Deno.errors.NotFound) return new InputError(`${path}: no such file or folder`);
  if (e instanceof Deno.errors.PermissionDenied) {
    return new InputError(`${path}: permission denied (run with --allow-read)`);
  }
  return new InputError(`${path}: ${(e as Error).message}`);
}

/** `Deno.statSync`, failing with an {@linkcode InputError} that names `path`. */
export function statOrFail(path: string): Deno.FileInfo {
  try {
    return Deno.statSync(path);
  } catch (e) {
    throw fileError(path, e);
  }
}

/**
 * {@linkcode statOrFail} for a file to read: a FIFO, a device or a socket is refused, since
 * reading one could block for ever or never end.
 */
export function regularFileOrFail(path: string): Deno.FileInfo {
  const info = statOrFail(path);
  if (!info.isFile && !info.isDirectory) {
    throw new InputError(
      `Expected ${path} to be a regular file or a folder, but found ${fileKind(info)}`,
    );
  }
  return info;
}

/** What a path that is neither a regular file nor a folder is, for messages. */
export function fileKind(info: Deno.FileInfo): string {
  return info.isFifo
    ? "a FIFO"
    : info.isCharDevice
    ? "a character device"
    : info.isBlockDevice
    ? "a block device"
    : info.isSocket
    ? "a socket"
    : "not a regular file";
}

/**
 * Whole-file reads, some started ahead: the files of the next pair are read in the background
 * (Deno's async reads run on other threads) while the current pair is counted; a file not
 * prefetched is read synchronously, which is faster for one small file.
 */
export class FileReads {
  #pending = new Map<string, Promise<Uint8Array>>();
  #limit: number;

  /** @param limit files bigger than this many bytes are never prefetched (they are streamed) */
  constructor(limit: number) {
    this.#limit = limit;
  }

  /** Starts reading `path` in the background, unless it is big or missing. */
  prefetch(path: string): void {
    if (this.#pending.has(path)) return;
    try {
      if (Deno.statSync(path).size > this.#limit) return;
    } catch {
      return; // reported when the file is opened
    }
    const pending = Deno.readFile(path);
    pending.catch(() => {}); // a failure is reported when the file is opened, not as unhandled
    this.#pending.set(path, pending);
  }

  /** The bytes of `path`: the prefetched read if there is one. */
  read(path: string): Promise<Uint8Array> {
    const pending = this.#pending.get(path);
    if (pending !== undefined) {
      this.#pending.delete(path);
      return pending.catch((e) => Promise.reject(fileError(path, e)));
    }
    try {
      return Promise.resolve(Deno.readFileSync(path));
    } catch (e) {
      return Promise.reject(fileError(path, e));
    }
  }

  /** Drops reads that will not be used (the caller stopped early). */
  clear(): void {
    this.#pending.clear();
  }
}
