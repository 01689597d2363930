/**
 * The package as a user gets it: a project OUTSIDE the repository whose deno.json only links the
 * checkout (`{"links": [<checkout>]}`), so `jsr:@segmetrics/iou...` resolves to these files with
 * the package's own import map, as JSR would serve them. For each entry point a small program
 * imports it by its public name, is type-checked (`deno check`) and run, and asserts real values.
 *
 * Each entry gets its own fresh project, so the project's deno.lock, and `deno info`'s module
 * graph (dynamic imports included), list exactly the npm packages that entry costs. The core
 * entry runs with an EMPTY `DENO_DIR`: the proof that it needs no npm package is that after
 * `deno run`, `deno check` and `deno info` that cache still holds no npm package and no remote
 * module, and the project's lock and module graph name none. (`--cached-only` alone would not
 * do, as measured with Deno 2.9.6: `deno run --cached-only` refuses a static npm import but not
 * one that is only imported dynamically, and `deno check --cached-only` downloads npm packages
 * anyway. It is passed all the same, so that a static npm import fails at once.)
 * The other entries use the ordinary Deno cache (downloading what is missing, as a user's first
 * run does).
 *
 * @module
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const CHECKOUT = fileURLToPath(new URL("../../", import.meta.url)).replace(/\/$/, "");
const DENO = Deno.execPath();

/**
 * The direct npm dependencies each entry point brings into a consumer's deno.lock (its
 * `specifiers`): the figures for the README, with the transitive counts this test logs. A change
 * of an entry's npm dependencies must change this table (and what the README says) on purpose.
 */
const DIRECT_NPM: Record<string, string[]> = {
  "": [],
  "/io": [],
  "/accel": [
    "npm:@tensorflow/tfjs-backend-wasm@4.22.0",
    "npm:@tensorflow/tfjs-backend-webgpu@4.22.0",
    "npm:@tensorflow/tfjs@4.22.0",
  ],
  "/plot": ["npm:plotly.js-dist@3.7.0"],
  "/cli": [],
};

interface Output {
  code: number;
  stdout: string;
  stderr: string;
}

async function deno(args: string[], cwd: string, env: Record<string, string> = {}) {
  const out = await new Deno.Command(DENO, {
    args,
    cwd,
    env: { NO_COLOR: "1", ...env },
    stdin: "null",
  }).output();
  const decoder = new TextDecoder();
  return {
    code: out.code,
    stdout: decoder.decode(out.stdout),
    stderr: decoder.decode(out.stderr),
  } satisfies Output;
}

function assertSuccess(what: string, out: Output): void {
  assert.equal(out.code, 0, `${what} exited with ${out.code}:\n${out.stdout}\n${out.stderr}`);
}

/** A fresh project outside the repository that links the checkout, with one program. */
async function project(program: string): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "segmetrics_consumer_" });
  assert.ok(!dir.startsWith(CHECKOUT + "/"), `${dir} lies inside the checkout`);
  await Deno.writeTextFile(join(dir, "deno.json"), JSON.stringify({ links: [CHECKOUT] }) + "\n");
  await Deno.writeTextFile(join(dir, "main.ts"), program);
  return dir;
}

interface Lock {
  specifiers?: Record<string, string>;
  npm?: Record<string, unknown>;
  jsr?: Record<string, unknown>;
  remote?: Record<string, unknown>;
}

async function readLock(dir: string): Promise<Lock> {
  try {
    return JSON.parse(await Deno.readTextFile(join(dir, "deno.lock")));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return {};
    throw error;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/**
 * Checks and runs `program` in a fresh linked project; returns the run's output and the npm
 * packages the project's lock then holds (direct specifiers and every resolved package).
 */
async function consume(
  entry: string,
  program: string,
  options: { runArgs?: string[]; env?: Record<string, string>; cachedOnly?: boolean } = {},
): Promise<{ run: Output; direct: string[]; packages: string[]; dir: string }> {
  const dir = await project(program);
  const cached = options.cachedOnly ? ["--cached-only"] : [];
  try {
    // Run first: with an empty cache, `run --cached-only` refuses a static npm import.
    const run = await deno(
      ["run", ...cached, ...(options.runArgs ?? []), "main.ts"],
      dir,
      options.env,
    );
    assertSuccess(`the jsr:@segmetrics/iou${entry} program`, run);
    const check = await deno(["check", ...cached, "main.ts"], dir, options.env);
    assertSuccess(`deno check of the jsr:@segmetrics/iou${entry} program`, check);
    const info = await deno(["info", "--json", "main.ts"], dir, options.env);
    assertSuccess(`deno info of the jsr:@segmetrics/iou${entry} program`, info);
    const graph = JSON.parse(info.stdout) as { npmPackages: Record<string, unknown> };
    const lock = await readLock(dir);
    const direct = Object.keys(lock.specifiers ?? {}).filter((s) => s.startsWith("npm:")).sort();
    const packages = Object.keys(lock.npm ?? {}).sort();
    assert.deepEqual(Object.keys(graph.npmPackages).sort(), packages, "deno info and deno.lock");
    assert.deepEqual(Object.keys(lock.jsr ?? {}), [], "no package came from JSR itself");
    assert.deepEqual(Object.keys(lock.remote ?? {}), [], "no module came from a URL");
    return { run, direct, packages, dir };
  } catch (error) {
    await Deno.remove(dir, { recursive: true });
    throw error;
  }
}

function report(entry: string, direct: string[], packages: string[]): void {
  const names = packages.map((p) => p.replace(/(.)@.*/, "$1"));
  console.log(
    `jsr:@segmetrics/iou${entry}: ${direct.length} direct npm dependencies ` +
      `(${direct.join(", ") || "none"}), ${packages.length} npm packages in all` +
      (packages.length > 0 ? `: ${[...new Set(names)].join(", ")}` : ""),
  );
}

Deno.test("consumer: the core entry is pure TypeScript, with no npm package even in the cache", async () => {
  const denoDir = await Deno.makeTempDir({ prefix: "segmetrics_empty_deno_dir_" });
  const program = `import assert from "node:assert/strict";
import { ConfusionMatrix, keras, meanIoU, SegmentationStats } from "jsr:@segmetrics/iou";

const yTrue = [0, 0, 1, 1, 2, 2, 255];
const yPred = [0, 1, 1, 1, 2, 0, 2];
const stats = new SegmentationStats(3, { ignoreIndex: 255 }).addImage(yTrue, yPred);
// Counted by hand: rows are true classes; the pixel of label 255 is not counted.
assert.deepEqual(stats.confusionMatrix.toArray(), [[1, 1, 0], [0, 2, 0], [1, 0, 1]]);
// IoU: class 0 1 / 3, class 1 2 / 3, class 2 1 / 2.
assert.equal(meanIoU(stats), (1 / 3 + 2 / 3 + 1 / 2) / 3);
const cm: ConfusionMatrix = stats.confusionMatrix;
const m = new keras.MeanIoU({ numClasses: 3, version: "3.15.1", ignoreClass: 255 });
m.updateState(yTrue, yPred);
assert.ok(Math.abs(m.result() - meanIoU(cm)) < 1e-6);
console.log(JSON.stringify(cm.toArray()));
`;
  try {
    const { run, direct, packages, dir } = await consume("", program, {
      env: { DENO_DIR: denoDir },
      cachedOnly: true,
    });
    try {
      assert.equal(run.stdout.trim(), "[[1,1,0],[0,2,0],[1,0,1]]");
      assert.deepEqual(direct, DIRECT_NPM[""]);
      assert.deepEqual(packages, []);
      assert.equal(await exists(join(dir, "node_modules")), false, "no node_modules was made");
      // Nothing was downloaded into the empty cache (the folders may exist, empty).
      for (const folder of ["npm", "remote"]) {
        const path = join(denoDir, folder);
        const entries = (await exists(path))
          ? (await Array.fromAsync(Deno.readDir(path))).map((e) => e.name)
          : [];
        assert.deepEqual(entries, [], `${path} is empty`);
      }
      report("", direct, packages);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  } finally {
    await Deno.remove(denoDir, { recursive: true });
  }
});

Deno.test("consumer: accel counts what the core counts, on plain, workers and tfjs-cpu", async () => {
  const program = `import assert from "node:assert/strict";
import { ConfusionMatrix } from "jsr:@segmetrics/iou";
import { type ComputeBackend, computeConfusionMatrix } from "jsr:@segmetrics/iou/accel";

// 10007 pixels of 5 classes from a linear congruential generator, every 13th ignored.
const n = 10007;
const yTrue = new Uint8Array(n), yPred = new Uint8Array(n);
let seed = 12345;
const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648);
for (let i = 0; i < n; i++) {
  yTrue[i] = i % 13 === 0 ? 255 : next() % 5;
  yPred[i] = next() % 3 === 0 ? next() % 5 : yTrue[i] % 5;
}
// A third count: a plain loop, independent of the package.
const byLoop = Array.from({ length: 5 }, () => new Array(5).fill(0));
for (let i = 0; i < n; i++) if (yTrue[i] !== 255) byLoop[yTrue[i]][yPred[i]]++;
const core = new ConfusionMatrix(5, { ignoreIndex: 255 }).update(yTrue, yPred);
assert.deepEqual(core.toArray(), byLoop);
const backends: ComputeBackend[] = ["plain", "workers", "tfjs-cpu"];
for (const backend of backends) {
  const cm = await computeConfusionMatrix(yTrue, yPred, {
    numClasses: 5,
    ignoreIndex: 255,
    backend,
    workers: 2,
  });
  assert.deepEqual(cm.toArray(), core.toArray(), backend);
}
console.log(core.total);
`;
  const { run, direct, packages, dir } = await consume("/accel", program, {
    runArgs: ["--allow-read", "--allow-env"],
  });
  try {
    assert.equal(Number(run.stdout.trim()), 10007 - Math.ceil(10007 / 13));
    assert.deepEqual(direct, DIRECT_NPM["/accel"]);
    report("/accel", direct, packages);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("consumer: io writes and reads back a .npy file", async () => {
  const program = `import assert from "node:assert/strict";
import { decodeNpy, encodeNpy } from "jsr:@segmetrics/iou/io";

const data = new Uint8Array([0, 1, 2, 255, 3, 4]);
const bytes = encodeNpy({ shape: [2, 3], data });
// The .npy magic, then format version 1.0 (as np.save writes it).
assert.deepEqual([...bytes.subarray(0, 8)], [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
const path = await Deno.makeTempFile({ suffix: ".npy" });
await Deno.writeFile(path, bytes);
const back = decodeNpy(await Deno.readFile(path), path);
await Deno.remove(path);
assert.equal(back.dtype, "uint8");
assert.deepEqual(back.shape, [2, 3]);
assert.deepEqual([...back.data], [...data]);
console.log(bytes.length);
`;
  const { run, direct, packages, dir } = await consume("/io", program, {
    runArgs: ["--allow-read", "--allow-write"],
  });
  try {
    // 10 bytes of preamble, a header padded to a multiple of 64 bytes, then 6 data bytes.
    const length = Number(run.stdout.trim());
    assert.equal((length - 6) % 64, 0);
    assert.deepEqual(direct, DIRECT_NPM["/io"]);
    report("/io", direct, packages);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("consumer: plot renders a table", async () => {
  const program = `import assert from "node:assert/strict";
import { Table } from "jsr:@segmetrics/iou/plot";

const t = new Table(["definition", "mIoU"], [["dataset", 0.5], ["micro", 2 / 3]]);
assert.deepEqual(t.text(), [["definition", "mIoU"], ["dataset", "0.5"], ["micro", "0.66666667"]]);
console.log(t.toMarkdown());
`;
  const { run, direct, packages, dir } = await consume("/plot", program);
  try {
    assert.equal(
      run.stdout.trim(),
      "| definition | mIoU |\n| --- | --- |\n| dataset | 0.5 |\n| micro | 0.66666667 |",
    );
    assert.deepEqual(direct, DIRECT_NPM["/plot"]);
    report("/plot", direct, packages);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("consumer: cli's main prints its help and returns 0", async () => {
  const program = `import { main } from "jsr:@segmetrics/iou/cli";

const code = await main(["--help"]);
const unknown = await main(["no-such-command"]);
console.log(JSON.stringify({ code, unknown }));
`;
  const { run, direct, packages, dir } = await consume("/cli", program, {
    runArgs: ["--allow-read", "--allow-write", "--allow-env"],
  });
  try {
    const lines = run.stdout.trim().split("\n");
    assert.match(lines[0], /^Usage: /);
    assert.deepEqual(JSON.parse(lines.at(-1)!), { code: 0, unknown: 2 });
    assert.match(run.stderr, /Expected a command .* but found 'no-such-command'/);
    assert.deepEqual(direct, DIRECT_NPM["/cli"]);
    report("/cli", direct, packages);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
