/**
 * Issue 14 at the CLI: hostile inputs and outputs end in the exact result or in exit code 2 with
 * one line naming the input; no input file is overwritten, no output is left half-written.
 * `main()` runs in this process (tests/fuzz/run_main.ts) unless a case needs a real process.
 */
import assert from "node:assert/strict";
import { encodeNpy } from "../../lib/io/npy.ts";
import { assertOneLineError, runMain } from "../fuzz/run_main.ts";

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
