/**
 * Runs the CLI's `main()` in this process with stdout and stderr captured, so safety and fuzz
 * tests can run many cases in a few seconds (a subprocess costs half a second each).
 */
import { main } from "../../cli/main.ts";

/** What one run printed and returned. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * `main(args)` with `console.error`, `console.log`, `console.warn` and `Deno.stdout.write`
 * captured; relative paths are relative to `cwd` when given.
 */
export async function runMain(args: string[], cwd?: string): Promise<CliRun> {
  const err: string[] = [];
  const out: string[] = [];
  const decoder = new TextDecoder();
  const saved = {
    error: console.error,
    log: console.log,
    warn: console.warn,
    write: Deno.stdout.write,
    cwd: Deno.cwd(),
  };
  console.error = (...xs: unknown[]) => void err.push(xs.map(String).join(" ") + "\n");
  console.warn = console.error;
  console.log = (...xs: unknown[]) => void out.push(xs.map(String).join(" ") + "\n");
  Deno.stdout.write = (bytes: Uint8Array) => {
    out.push(decoder.decode(bytes));
    return Promise.resolve(bytes.length);
  };
  if (cwd !== undefined) Deno.chdir(cwd);
  try {
    const code = await main(args);
    return { code, stdout: out.join(""), stderr: err.join("") };
  } finally {
    Deno.chdir(saved.cwd);
    console.error = saved.error;
    console.warn = saved.warn;
    console.log = saved.log;
    Deno.stdout.write = saved.write;
  }
}

/**
 * Throws unless `run` ended with exit code 2 and exactly one line on stderr that starts with
 * "error: ", names `input`, and holds no stack frame or "internal error".
 */
export function assertOneLineError(run: CliRun, input: string): void {
  const lines = run.stderr.split("\n").filter((l) => l !== "");
  const problem = run.code !== 2
    ? `exit code ${run.code}`
    : lines.length !== 1
    ? `${lines.length} lines on stderr`
    : !lines[0].startsWith("error: ")
    ? "no 'error: ' prefix"
    : !lines[0].includes(input)
    ? `no mention of ${input}`
    : /^\s+at |internal error/.test(run.stderr)
    ? "a stack trace or an internal error"
    : run.stdout !== ""
    ? "output on stdout"
    : undefined;
  if (problem !== undefined) {
    throw new Error(
      `Expected exit 2 with one line naming ${input}, but found ${problem}:\n` +
        `code ${run.code}\nstderr: ${run.stderr}\nstdout: ${run.stdout.slice(0, 500)}`,
    );
  }
}
