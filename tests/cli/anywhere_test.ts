/**
 * The CLI from any folder: relative paths are the user's, whether it runs as `deno run
 * <checkout>/cli.ts` from a folder outside the repository, as `deno task cli` from a subfolder
 * of it, or as a command installed with `deno install -g`; and help texts name it as it ran.
 */
import assert from "node:assert/strict";
import { dirname, relative } from "node:path";
import { encode } from "fast-png";
import { encodeNpy } from "../../lib/io/npy.ts";

const ROOT = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");
const CLI = `${ROOT}/cli.ts`;
const DENO = Deno.execPath();

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `command args` in `cwd`, with `deno` on the PATH (installed commands call it by name)
 * and without an INIT_CWD inherited from an outer `deno task` (a task keeps one it finds).
 */
async function run(command: string, args: string[], cwd: string): Promise<Run> {
  const env = Deno.env.toObject();
  delete env.INIT_CWD;
  delete env.SEGMETRICS_CLI_NAME;
  env.PATH = `${dirname(DENO)}:${env.PATH ?? ""}`;
  env.NO_COLOR = "1";
  const out = await new Deno.Command(command, { args, cwd, env, clearEnv: true }).output();
  const d = new TextDecoder();
  return { code: out.code, stdout: d.decode(out.stdout), stderr: d.decode(out.stderr) };
}

function json(r: Run): Record<string, unknown> & { input: Record<string, unknown> } {
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
}

/** The JSON without the paths as typed (which differ between the runs compared). */
function withoutPaths(r: Record<string, unknown> & { input: Record<string, unknown> }) {
  const { true: _t, pred: _p, ...input } = r.input;
  return { ...r, input };
}

/**
 * A dataset in a new temporary folder (outside the repository): gt/ and pred/, 3 images, one
 * prediction a PNG file.
 */
async function dataset(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "cli_anywhere_" });
  assert.ok(!dir.startsWith(`${ROOT}/`), "the temporary folder is outside the repository");
  await Deno.mkdir(`${dir}/gt/sub`, { recursive: true });
  await Deno.mkdir(`${dir}/pred/sub`, { recursive: true });
  const names = ["a", "b", "sub/c"];
  for (let i = 0; i < names.length; i++) {
    const t = Uint8Array.from({ length: 12 }, (_, k) => (k * 7 + i) % 3);
    const p = Uint8Array.from({ length: 12 }, (_, k) => (k * 5 + 2 * i) % 3);
    await Deno.writeFile(`${dir}/gt/${names[i]}.npy`, encodeNpy({ shape: [3, 4], data: t }));
    await Deno.writeFile(
      `${dir}/pred/${names[i]}.${i === 1 ? "png" : "npy"}`,
      i === 1
        ? encode({ width: 4, height: 3, channels: 1, depth: 8, data: p })
        : encodeNpy({ shape: [3, 4], data: p }),
    );
  }
  return dir;
}

const COMPARE = ["compare", "--true", "gt", "--pred", "pred", "--format", "json"];

Deno.test("cli from a folder outside the repository and deno task cli from a subfolder: same JSON as inside", async () => {
  const dir = await dataset();
  try {
    // inside the repository, with absolute paths: the reference
    const inside = json(
      await run(DENO, [
        "run",
        "-A",
        CLI,
        "compare",
        "--true",
        `${dir}/gt`,
        "--pred",
        `${dir}/pred`,
        "--format",
        "json",
      ], ROOT),
    );
    assert.equal(inside.numImages, 3);
    // deno run <checkout>/cli.ts from the dataset's folder, relative paths, --out relative too
    const outside = await run(DENO, ["run", "-A", CLI, ...COMPARE, "--out", "r.json"], dir);
    assert.equal(outside.code, 0, outside.stderr);
    assert.equal(outside.stdout, "");
    const written = JSON.parse(await Deno.readTextFile(`${dir}/r.json`));
    assert.deepEqual(written.input.true, "gt");
    assert.deepEqual(withoutPaths(written), withoutPaths(inside));
    // deno task cli from a subfolder of the repository: paths relative to that subfolder
    const sub = `${ROOT}/tests/cli`;
    const rel = relative(sub, dir);
    assert.ok(rel.startsWith("../"), rel);
    const task = await run(DENO, [
      "task",
      "-q",
      "cli",
      "compare",
      "--true",
      `${rel}/gt`,
      "--pred",
      `${rel}/pred`,
      "--format",
      "json",
    ], sub);
    const viaTask = json(task);
    assert.equal(viaTask.input.true, `${rel}/gt`);
    assert.deepEqual(withoutPaths(viaTask), withoutPaths(inside));
    // its help names the task; deno run's names the file
    const taskHelp = await run(DENO, ["task", "-q", "cli", "keras", "--help"], sub);
    assert.match(taskHelp.stdout, /^Usage: deno task cli keras --true PATH/);
    const runHelp = await run(DENO, ["run", "-A", CLI, "--help"], ROOT);
    assert.match(runHelp.stdout, /^Usage: deno run -A cli\.ts \[COMMAND\]/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("cli installed with deno install -g: same JSON from the user's folder, help names it", async () => {
  const dir = await dataset();
  const root = await Deno.makeTempDir({ prefix: "cli_install_" });
  try {
    const install = await run(DENO, [
      "install",
      "-g",
      "-A",
      "--root",
      root,
      "-n",
      "segmetrics",
      CLI,
    ], dir);
    assert.equal(install.code, 0, install.stderr);
    const segmetrics = `${root}/bin/segmetrics`;
    const installed = json(await run(segmetrics, COMPARE, dir));
    const direct = json(await run(DENO, ["run", "-A", CLI, ...COMPARE], dir));
    assert.deepEqual(installed, direct);
    assert.equal(installed.input.true, "gt");
    const help = await run(segmetrics, ["--help"], dir);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^Usage: segmetrics \[COMMAND\]/);
    assert.match(help.stdout, /Run 'segmetrics COMMAND --help'/);
    assert.doesNotMatch(help.stdout, /deno (task|run)/);
    const missing = await run(segmetrics, ["compare", "--true", "gt"], dir);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--pred is missing \(see 'segmetrics compare --help'\)/);
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("deno run -A jsr:@segmetrics/iou/cli in a project that links the checkout: same JSON", async () => {
  // JSR itself is unreachable here; "links" resolves jsr:@segmetrics/iou to this checkout the
  // way a published package resolves, with the package's own import map
  const dir = await dataset();
  try {
    await Deno.writeTextFile(`${dir}/deno.json`, JSON.stringify({ links: [ROOT] }));
    const inside = json(
      await run(DENO, [
        "run",
        "-A",
        CLI,
        "compare",
        "--true",
        `${dir}/gt`,
        "--pred",
        `${dir}/pred`,
        "--format",
        "json",
      ], ROOT),
    );
    const viaJsr = json(await run(DENO, ["run", "-A", "jsr:@segmetrics/iou/cli", ...COMPARE], dir));
    assert.equal(viaJsr.input.true, "gt");
    assert.deepEqual(withoutPaths(viaJsr), withoutPaths(inside));
    // and a relative --out lands in the user's folder
    const out = await run(DENO, [
      "run",
      "-A",
      "jsr:@segmetrics/iou/cli",
      ...COMPARE,
      "--out",
      "j.json",
    ], dir);
    assert.equal(out.code, 0, out.stderr);
    assert.deepEqual(JSON.parse(await Deno.readTextFile(`${dir}/j.json`)), viaJsr);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
