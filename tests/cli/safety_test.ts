/**
 * Issue 14 at the CLI: hostile inputs and outputs end in the exact result or in exit code 2 with
 * one line naming the input; no input file is overwritten, no output is left half-written.
 * `main()` runs in this process (tests/fuzz/run_main.ts) unless a case needs a real process.
 */
import assert from "node:assert/strict";
import { encode } from "fast-png";
import { encodeNpy } from "../../lib/io/npy.ts";
import { assertOneLineError, runMain } from "../fuzz/run_main.ts";

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch {
    return false;
  }
}

async function tempDir(): Promise<string> {
  return await Deno.makeTempDir({ prefix: "cli_safety_" });
}

// ---- compare --cm / explain --cm read through readSavedMatrix ----

Deno.test("--cm with int32-wrapped cells: exit 2, one line naming the file, the cells and the wrap", async () => {
  const dir = await tempDir();
  try {
    // an int32 total_cm whose cells (0, 0) and (1, 1) passed 2^31 - 1: 2^31 + 648 and 2^31 + 5
    const cells = new Int32Array([2 ** 31 + 648, 3, 2, 2 ** 31 + 5]);
    assert.deepEqual([...cells], [-2147483000, 3, 2, -2147483643]);
    await Deno.writeFile(`${dir}/cm.npy`, encodeNpy({ shape: [2, 2], data: cells }));
    for (
      const args of [
        ["compare", "--cm", "cm.npy"],
        ["explain", "dataset", "micro", "--cm", "cm.npy"],
      ]
    ) {
      const r = await runMain([...args, "--out", "r.txt"], dir);
      assertOneLineError(r, "cm.npy");
      assert.match(r.stderr, /\(0, 0\) = -2147483000, \(1, 1\) = -2147483643/);
      assert.match(r.stderr, /int32 count that wrapped past 2\^31 - 1.*cannot be recovered/);
      assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["cm.npy"]);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("--cm: a total past 2^53, too many classes, NaN cells and an oversized file end in exit 2", async () => {
  const dir = await tempDir();
  try {
    // 2^52 + 2^52 + 1 = 2^53 + 1: float64 would store 2^53
    await Deno.writeTextFile(`${dir}/big.json`, `[[${2 ** 52}, ${2 ** 52}], [1, 0]]`);
    const big = await runMain(["compare", "--cm", "big.json"], dir);
    assertOneLineError(big, "big.json");
    assert.match(big.stderr, /less than 2\^53/);
    const C = 4097;
    const row = `[${new Array(C).fill(0).join(",")}]`;
    await Deno.writeTextFile(`${dir}/wide.json`, `[${new Array(C).fill(row).join(",")}]`);
    const wide = await runMain(["explain", "dataset", "micro", "--cm", "wide.json"], dir);
    assertOneLineError(wide, "wide.json");
    assert.match(wide.stderr, /at most 4096 classes, but found 4097/);
    await Deno.writeFile(
      `${dir}/nan.npy`,
      encodeNpy({ shape: [2, 2], data: new Float64Array([1, NaN, 0, 1]) }),
    );
    assertOneLineError(await runMain(["compare", "--cm", "nan.npy"], dir), "nan.npy");
    // a file bigger than any matrix of 4096 classes is refused before it is read
    const huge = await Deno.open(`${dir}/huge.json`, { create: true, write: true });
    await huge.truncate(4096 ** 2 * 24 + 2 ** 20 + 1); // sparse: no disk used
    huge.close();
    const r = await runMain(["compare", "--cm", "huge.json"], dir);
    assertOneLineError(r, "huge.json");
    assert.match(r.stderr, /at most 4096 classes/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("--cm of a valid int32 matrix is still read exactly", async () => {
  const dir = await tempDir();
  try {
    const cells = new Int32Array([2 ** 31 - 1, 3, 2, 9]); // the largest int32 count, not wrapped
    await Deno.writeFile(`${dir}/cm.npy`, encodeNpy({ shape: [2, 2], data: cells }));
    const r = await runMain(["compare", "--cm", "cm.npy", "--format", "json"], dir);
    assert.equal(r.code, 0, r.stderr);
    const json = JSON.parse(r.stdout);
    assert.equal(json.pixels, 2 ** 31 - 1 + 3 + 2 + 9);
    const iou0 = (2 ** 31 - 1) / (2 ** 31 - 1 + 3 + 2), iou1 = 9 / (9 + 3 + 2);
    assert.equal(json.values.dataset, (iou0 + iou1) / 2);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

// ---- class counts bounded ----

Deno.test("an inferred class count above 4096 is refused naming --classes; 300 classes still count", async () => {
  const dir = await tempDir();
  try {
    // a 16-bit PNG with one stray 65535: a 65536^2 matrix (32 GiB) if it were believed
    const labels = new Uint16Array([0, 1, 1, 65535]);
    const png = encode({ width: 2, height: 2, channels: 1, depth: 16, data: labels });
    await Deno.writeFile(`${dir}/t.png`, png);
    await Deno.writeFile(`${dir}/p.png`, png);
    const r = await runMain(["compare", "--true", "t.png", "--pred", "p.png", "--out", "o"], dir);
    assertOneLineError(r, "t.png");
    assert.match(r.stderr, /at most 4096 classes, but the largest label .* is 65535/);
    assert.match(r.stderr, /65536 x 65536 matrix of 32 GiB.*--classes/);
    assert.equal(await exists(`${dir}/o`), false);
    // scores whose class axis is 5000 long
    const scores = encodeNpy({ shape: [1, 1, 5000], data: new Float32Array(5000) });
    await Deno.writeFile(`${dir}/s.npy`, scores);
    await Deno.writeFile(`${dir}/l.npy`, encodeNpy({ shape: [1, 1], data: new Uint8Array(1) }));
    const axis = await runMain(
      ["compare", "--true", "l.npy", "--pred", "s.npy", "--axis", "-1"],
      dir,
    );
    assertOneLineError(axis, "s.npy");
    assert.match(axis.stderr, /class axis \(--axis -1\) of s\.npy has 5000 entries.*--classes/);
    // ordinary counts: labels up to 299 infer 300 classes, counted exactly
    const t = Uint16Array.from({ length: 600 }, (_, k) => k % 300);
    const p = Uint16Array.from({ length: 600 }, (_, k) => k % 3 === 0 ? 0 : k % 300);
    await Deno.writeFile(`${dir}/t.npy`, encodeNpy({ shape: [20, 30], data: t }));
    await Deno.writeFile(`${dir}/p.npy`, encodeNpy({ shape: [20, 30], data: p }));
    const ok = await runMain(
      ["compare", "--true", "t.npy", "--pred", "p.npy", "--format", "json"],
      dir,
    );
    assert.equal(ok.code, 0, ok.stderr);
    const json = JSON.parse(ok.stdout);
    assert.equal(json.numClasses, 300);
    let tp = 0;
    for (let k = 0; k < 600; k++) if (t[k] === p[k]) tp++;
    assert.equal(
      json.confusionMatrix.reduce((s: number, row: number[], i: number) => s + row[i], 0),
      tp,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("an explicit --classes above 4096 is refused before anything is read", async () => {
  const dir = await tempDir();
  try {
    for (const command of [["compare"], ["keras"], ["explain", "dataset", "micro"]]) {
      // the files do not exist: the flag is refused first
      const r = await runMain(
        [...command, "--true", "t", "--pred", "p", "--classes", "65536"],
        dir,
      );
      assertOneLineError(r, "--classes");
      assert.match(r.stderr, /at most 4096 .*65536 would take 32 GiB.*found '65536'/);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
