/**
 * Runs the CLI as a subprocess (`deno run -A cli.ts ...` in a folder), for the tests that need a
 * real process: several processes side by side, exit codes, files left behind.
 */
import type { CliRun } from "../fuzz/run_main.ts";

/** The CLI's entry file. */
export const CLI: string = new URL("../../cli.ts", import.meta.url).pathname;

/** `deno run -A cli.ts args` in `cwd`, with what it printed and its exit code. */
export async function cli(args: string[], cwd: string): Promise<CliRun> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLI, ...args],
    cwd,
    env: { NO_COLOR: "1" },
  }).output();
  const d = new TextDecoder();
  return { code: out.code, stdout: d.decode(out.stdout), stderr: d.decode(out.stderr) };
}
