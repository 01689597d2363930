/**
 * Issue 14 at the CLI: hostile inputs and outputs end in the exact result or in exit code 2 with
 * one line naming the input; no input file is overwritten, no output is left half-written.
 * `main()` runs in this process (tests/fuzz/run_main.ts) unless a case needs a real process.
 */
import assert from "node:assert/strict";
import { encode } from "fast-png";
import { decodeNpy, encodeNpy } from "../../lib/io/npy.ts";
import { jsonText } from "../../cli/render.ts";
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

// ---- outputs that cannot hurt ----

/** Two 2x2 masks in `dir`: t.npy and p.npy, and their compare JSON as written to `--out`. */
async function twoMasks(dir: string): Promise<string> {
  await Deno.writeFile(
    `${dir}/t.npy`,
    encodeNpy({ shape: [2, 2], data: new Uint8Array([0, 1, 1, 1]) }),
  );
  await Deno.writeFile(
    `${dir}/p.npy`,
    encodeNpy({ shape: [2, 2], data: new Uint8Array([0, 1, 0, 1]) }),
  );
  const r = await runMain(
    ["compare", "--true", "t.npy", "--pred", "p.npy", "--format", "json"],
    dir,
  );
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

async function bytesOf(path: string): Promise<Uint8Array> {
  return await Deno.readFile(path);
}

Deno.test("an output that is an input file (by name, link or folder) is refused before any work", async () => {
  const dir = await tempDir();
  try {
    await twoMasks(dir);
    await Deno.mkdir(`${dir}/gt`);
    await Deno.mkdir(`${dir}/pr`);
    await Deno.copyFile(`${dir}/t.npy`, `${dir}/gt/a.npy`);
    await Deno.copyFile(`${dir}/p.npy`, `${dir}/pr/a.npy`);
    await Deno.symlink(`${dir}/t.npy`, `${dir}/link-to-t.json`);
    await Deno.link(`${dir}/p.npy`, `${dir}/hard-p.npy`); // the same file under a second name
    await Deno.writeTextFile(`${dir}/cm.json`, "[[3, 1], [0, 4]]");
    const before = { t: await bytesOf(`${dir}/t.npy`), a: await bytesOf(`${dir}/gt/a.npy`) };
    const masks = ["compare", "--true", "t.npy", "--pred", "p.npy"];
    const cases: [string[], string][] = [
      [[...masks, "--out", "t.npy"], "t.npy"],
      [[...masks, "--out", "./t.npy"], "t.npy"],
      [[...masks, "--out", "link-to-t.json"], "link-to-t.json"],
      [[...masks, "--save-cm", "p.npy"], "p.npy"],
      [[...masks, "--save-cm", "hard-p.npy"], "hard-p.npy"],
      [["compare", "--true", "gt", "--pred", "pr", "--save-cm", "gt/a.npy"], "gt/a.npy"],
      [["compare", "--true", "gt/", "--pred", "pr", "--out", "pr/../gt/a.npy"], "gt/a.npy"],
      [["compare", "--cm", "cm.json", "--out", "cm.json"], "cm.json"],
      [["explain", "dataset", "micro", "--cm", "cm.json", "--save-cm", "cm.json"], "cm.json"],
    ];
    for (const [args, named] of cases) {
      const r = await runMain(args, dir);
      assertOneLineError(r, named);
      assert.match(r.stderr, /to be a file other than the inputs/);
    }
    assert.deepEqual(await bytesOf(`${dir}/t.npy`), before.t);
    assert.deepEqual(await bytesOf(`${dir}/gt/a.npy`), before.a);
    assert.equal(await Deno.readTextFile(`${dir}/cm.json`), "[[3, 1], [0, 4]]");
    assert.ok((await Deno.lstat(`${dir}/link-to-t.json`)).isSymlink);
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name).sort(), [
      "cm.json",
      "gt",
      "hard-p.npy",
      "link-to-t.json",
      "p.npy",
      "pr",
      "t.npy",
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("two outputs that are one file are refused; a folder or a dangling link as output is refused", async () => {
  const dir = await tempDir();
  try {
    await twoMasks(dir);
    await Deno.writeTextFile(`${dir}/r.json`, "old");
    await Deno.symlink("r.json", `${dir}/also-r.json`);
    await Deno.symlink("nowhere/x.json", `${dir}/dangling.json`);
    await Deno.mkdir(`${dir}/folder`);
    const masks = ["compare", "--true", "t.npy", "--pred", "p.npy"];
    const cases: [string[], string, RegExp][] = [
      [
        [...masks, "--out", "r.json", "--save-state", "also-r.json"],
        "also-r.json",
        /both .*r\.json/,
      ],
      [[...masks, "--out", "x.json", "--save-cm", "./x.json"], "x.json", /both .*x\.json/],
      [[...masks, "--out", "folder"], "folder", /found a folder/],
      [[...masks, "--out", "dangling.json"], "dangling.json", /leads nowhere/],
    ];
    for (const [args, named, why] of cases) {
      const r = await runMain(args, dir);
      assertOneLineError(r, named);
      assert.match(r.stderr, why);
    }
    assert.equal(await Deno.readTextFile(`${dir}/r.json`), "old");
    assert.equal(await Deno.readLink(`${dir}/dangling.json`), "nowhere/x.json");
    assert.equal(await exists(`${dir}/x.json`), false);
    assert.equal(await exists(`${dir}/nowhere`), false);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a symbolic link as output is written through to its file and stays a link", async () => {
  const dir = await tempDir();
  try {
    const expected = await twoMasks(dir);
    await Deno.mkdir(`${dir}/results`);
    await Deno.writeTextFile(`${dir}/results/r.json`, "old");
    await Deno.chmod(`${dir}/results/r.json`, 0o640);
    await Deno.symlink("results/r.json", `${dir}/r.json`);
    const r = await runMain(
      ["compare", "--true", "t.npy", "--pred", "p.npy", "--format", "json", "--out", "r.json"],
      dir,
    );
    assert.equal(r.code, 0, r.stderr);
    assert.ok((await Deno.lstat(`${dir}/r.json`)).isSymlink);
    assert.equal(await Deno.readLink(`${dir}/r.json`), "results/r.json");
    assert.equal(await Deno.readTextFile(`${dir}/results/r.json`), expected);
    assert.equal((await Deno.stat(`${dir}/results/r.json`)).mode! & 0o777, 0o640);
    // no temporary file left in either folder
    assert.deepEqual([...Deno.readDirSync(`${dir}/results`)].map((e) => e.name), ["r.json"]);
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name).sort(), [
      "p.npy",
      "r.json",
      "results",
      "t.npy",
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a character device and a FIFO as output are written through, never replaced", async () => {
  const dir = await tempDir();
  try {
    const expected = await twoMasks(dir);
    const masks = ["compare", "--true", "t.npy", "--pred", "p.npy", "--format", "json"];
    const devNull = await runMain([...masks, "--out", "/dev/null"], dir);
    assert.equal(devNull.code, 0, devNull.stderr);
    assert.equal(devNull.stdout, "");
    assert.ok((await Deno.lstat("/dev/null")).isCharDevice);
    // /dev/stdout of a real process whose stdout is a pipe: a link to /proc/self/fd/1, then to
    // a pipe with no path of its own; written through, so the output arrives on the pipe
    const cli = new URL("../../cli.ts", import.meta.url).pathname;
    const piped = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", cli, ...masks, "--keras", "none", "--out", "/dev/stdout"],
      cwd: dir,
    }).output();
    assert.equal(piped.code, 0, new TextDecoder().decode(piped.stderr));
    const direct = await runMain([...masks, "--keras", "none"], dir);
    assert.equal(new TextDecoder().decode(piped.stdout), direct.stdout);
    const mkfifo = await new Deno.Command("mkfifo", { args: [`${dir}/fifo`] }).output();
    assert.equal(mkfifo.code, 0);
    const reading = Deno.readTextFile(`${dir}/fifo`); // the concurrent reader
    const r = await runMain([...masks, "--out", "fifo", "--save-cm", "cm.npy"], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await reading, expected);
    assert.ok((await Deno.lstat(`${dir}/fifo`)).isFifo);
    // the regular output beside it was written too
    const cm = decodeNpy(await bytesOf(`${dir}/cm.npy`), "cm.npy");
    assert.deepEqual([cm.dtype, [...cm.data]], ["int64", [1, 0, 1, 2]]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a FIFO or a device given as an input is refused in one line, never read", async () => {
  const dir = await tempDir();
  try {
    await twoMasks(dir);
    const mkfifo = await new Deno.Command("mkfifo", { args: [`${dir}/t_fifo.npy`] }).output();
    assert.equal(mkfifo.code, 0);
    // with no writer, reading the FIFO would block for ever: the run must not open it
    const fifo = await runMain(["compare", "--true", "t_fifo.npy", "--pred", "p.npy"], dir);
    assertOneLineError(fifo, "t_fifo.npy");
    assert.match(fifo.stderr, /a FIFO/);
    const device = await runMain(["compare", "--true", "t.npy", "--pred", "/dev/zero"], dir);
    assertOneLineError(device, "/dev/zero");
    assert.match(device.stderr, /a character device/);
    assert.ok((await Deno.lstat(`${dir}/t_fifo.npy`)).isFifo);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a failing run leaves no output and no temporary file", async () => {
  const dir = await tempDir();
  try {
    await twoMasks(dir);
    await Deno.writeTextFile(`${dir}/r.json`, "old");
    const before = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
    const runs = [
      // fails while counting: a missing prediction
      ["compare", "--true", "t.npy", "--pred", "missing.npy", "--out", "new.json"],
      // fails after the command, when the outputs are gathered: risk has no matrix
      [
        "risk",
        "--images",
        "8",
        "--image-size",
        "64x64",
        "--batch-size",
        "4",
        "--classes",
        "2",
        "--out",
        "r.json",
        "--save-cm",
        "cm.npy",
      ],
      // fails at the second output: its folder does not exist
      [
        "compare",
        "--true",
        "t.npy",
        "--pred",
        "p.npy",
        "--out",
        "r.json",
        "--save-cm",
        "no/cm.npy",
      ],
    ];
    for (const args of runs) {
      const r = await runMain(args, dir);
      assert.equal(r.code, 2, r.stderr);
      assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name).sort(), before);
      assert.equal(await Deno.readTextFile(`${dir}/r.json`), "old");
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

// ---- folders: links, loops, depth; what was skipped goes to stderr ----

Deno.test("folders: links followed, a loop walked once, 40 levels deep; skipped files on stderr, JSON unchanged", async () => {
  const dir = await tempDir();
  try {
    const deep = Array.from({ length: 40 }, (_, k) => `d${k}`).join("/");
    const t = new Uint8Array([0, 1, 1, 1]), p = new Uint8Array([0, 1, 0, 1]);
    for (const side of ["gt", "pr"]) {
      await Deno.mkdir(`${dir}/${side}/${deep}`, { recursive: true });
      await Deno.mkdir(`${dir}/${side}-extra`);
      const data = side === "gt" ? t : p;
      await Deno.writeFile(`${dir}/${side}/${deep}/a.npy`, encodeNpy({ shape: [2, 2], data }));
      await Deno.writeFile(`${dir}/${side}-extra/b.npy`, encodeNpy({ shape: [2, 2], data }));
      await Deno.symlink(`${dir}/${side}-extra`, `${dir}/${side}/extra`); // a linked folder
      await Deno.symlink("..", `${dir}/${side}/d0/up`); // a loop
    }
    const args = ["compare", "--true", "gt", "--pred", "pr", "--format", "json", "--keras", "none"];
    const r = await runMain(args, dir);
    assert.equal(r.code, 0, r.stderr);
    const json = JSON.parse(r.stdout);
    assert.equal(json.input.files, 2); // the deep pair and the linked one
    // both pairs: 2 x [[1, 0], [1, 2]]
    assert.deepEqual(json.confusionMatrix, [[2, 0], [2, 4]]);
    assert.deepEqual(r.stderr.trimEnd().split("\n"), [
      `warning: skipped gt/d0/up: a symbolic link back to ${await Deno.realPath(`${dir}/gt`)}, ` +
      `a folder being walked (a loop, walked once)`,
      `warning: skipped pr/d0/up: a symbolic link back to ${await Deno.realPath(`${dir}/pr`)}, ` +
      `a folder being walked (a loop, walked once)`,
    ]);
    // --symlinks skip: the linked pair is left out and listed; --out holds exactly stdout
    const skip = await runMain([...args, "--symlinks", "skip", "--out", "r.json"], dir);
    assert.equal(skip.code, 0, skip.stderr);
    assert.equal(skip.stdout, "");
    const skipped = JSON.parse(await Deno.readTextFile(`${dir}/r.json`));
    assert.equal(skipped.input.files, 1);
    assert.deepEqual(skipped.confusionMatrix, [[1, 0], [1, 2]]);
    assert.equal(
      skip.stderr.match(/^warning: skipped .*not followed \(--symlinks skip\)$/gm)?.length,
      4,
    );
    // --symlinks error: one line naming the first link
    const error = await runMain([...args, "--symlinks", "error"], dir);
    assertOneLineError(error, "gt/extra");
    assert.match(error.stderr, /Expected no symbolic links \(--symlinks error\)/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("folders: more than 20 skipped files are listed 20 lines and a count", async () => {
  const dir = await tempDir();
  try {
    for (const side of ["gt", "pr"]) {
      await Deno.mkdir(`${dir}/${side}`);
      await Deno.writeFile(
        `${dir}/${side}/a.npy`,
        encodeNpy({ shape: [1, 2], data: new Uint8Array([0, 1]) }),
      );
    }
    for (let k = 0; k < 25; k++) await Deno.symlink(`gone${k}.png`, `${dir}/gt/x${k}.png`);
    const r = await runMain(["compare", "--true", "gt", "--pred", "pr", "--format", "json"], dir);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stderr.trimEnd().split("\n");
    assert.equal(lines.length, 21);
    assert.ok(
      lines.slice(0, 20).every((l) =>
        /^warning: skipped gt\/x[0-9]+\.png: a symbolic link to nothing/.test(l)
      ),
    );
    assert.equal(lines[20], "warning: skipped 5 more files (25 in all)");
    assert.equal(JSON.parse(r.stdout).pixels, 2);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a label past 65535 while inferring classes is refused naming the file that holds it", async () => {
  const dir = await tempDir();
  try {
    await Deno.writeFile(
      `${dir}/t.npy`,
      encodeNpy({ shape: [1, 2], data: new Uint8Array([0, 1]) }),
    );
    // an int32 file read big-endian by mistake: 3 becomes 50331648
    await Deno.writeFile(
      `${dir}/p.npy`,
      encodeNpy({ shape: [1, 2], data: new Int32Array([0, 50331648]) }),
    );
    const r = await runMain(["compare", "--true", "t.npy", "--pred", "p.npy"], dir);
    assertOneLineError(r, "p.npy");
    assert.match(
      r.stderr,
      /^error: p\.npy: Expected integer class ids below 65536 .* found 50331648; pass --classes/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("explain with both --cm and --true/--pred is refused, as compare is (neither is ignored)", async () => {
  const dir = await tempDir();
  try {
    await twoMasks(dir);
    await Deno.writeTextFile(`${dir}/cm.json`, "[[3, 1], [0, 4]]");
    for (const command of [["compare"], ["explain", "dataset", "micro"]]) {
      const r = await runMain(
        [...command, "--true", "t.npy", "--pred", "p.npy", "--cm", "cm.json"],
        dir,
      );
      assertOneLineError(r, "--cm");
      assert.match(r.stderr, /Expected either --cm or --true\/--pred, but found both/);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a flag the command would ignore is refused where ignoring it changes what the numbers mean", async () => {
  const dir = await tempDir();
  try {
    await twoMasks(dir);
    await Deno.writeTextFile(`${dir}/cm.json`, "[[3, 1], [0, 4]]");
    const cases: [string[], string, RegExp][] = [
      [["compare", "--cm", "cm.json", "--ignore", "0"], "--ignore", /counted already/],
      [["explain", "dataset", "micro", "--cm", "cm.json", "--classes", "3"], "--classes", /--cm/],
      [
        ["compare", "--true", "t.npy", "--pred", "p.npy", "--images", "8"],
        "--images",
        /'risk' only/,
      ],
      [
        [
          "risk",
          "--images",
          "8",
          "--image-size",
          "4x4",
          "--batch-size",
          "2",
          "--classes",
          "2",
          "--true",
          "t.npy",
        ],
        "--true",
        /reads no file/,
      ],
    ];
    for (const [args, named, why] of cases) {
      const r = await runMain([...args, "--out", "o.json"], dir);
      assertOneLineError(r, named);
      assert.match(r.stderr, why);
      assert.equal(await exists(`${dir}/o.json`), false);
    }
    // the same commands without the ignored flag run
    assert.equal((await runMain(["compare", "--cm", "cm.json", "--format", "json"], dir)).code, 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a JSON output too long to indent is written compact, and one too long for that is exit 2", () => {
  // the first JSON.stringify (indented) fails as V8 does past its longest string
  let calls = 0;
  const once = {
    get matrix() {
      if (calls++ === 0) throw new RangeError("Invalid string length");
      return [[1, 2], [3, 4]];
    },
  };
  assert.equal(jsonText(once), '{"matrix":[[1,2],[3,4]]}\n');
  const never = {
    get matrix() {
      throw new RangeError("Invalid string length");
    },
  };
  assert.throws(() => jsonText(never), /fits in one string.*--format table or csv, and --save-cm/);
  assert.equal(jsonText({ a: 1 }), '{\n  "a": 1\n}\n'); // ordinary outputs are indented as before
});
