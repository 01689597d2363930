import assert from "node:assert/strict";
import { encode } from "fast-png";
import {
  findMasks,
  listMasks,
  type MaskPair,
  pairByName,
  pairMasks,
  pixelPosition,
  type SkippedFile,
  toLabelArray,
} from "../../lib/io/dataset.ts";
import { InputError } from "../../lib/io/input_error.ts";
import { inferNumClasses, type ReadMaskOptions, readMaskPairs } from "../../lib/io/mask_reader.ts";
import { encodeNpy } from "../../lib/io/npy.ts";
import { analyzeSavedMatrix, matrixFromJSON, savedMatrix } from "../../lib/keras/saved_matrix.ts";

Deno.test("audit: saved-matrix verdicts for each kind of evidence", () => {
  // small integer counts: nothing to say
  assert.equal(analyzeSavedMatrix([5, 1, 2, 7], 2, "int64").verdict, "exact");
  // 2^24 exactly in a float32 file: a stopped count
  const sat = analyzeSavedMatrix(new Float32Array([16777216, 0, 0, 3]), 2, "float32");
  assert.equal(sat.verdict, "float32-damaged");
  assert.equal(sat.saturatedCells.length, 1);
  // float64 with big even values only: a float32 origin cannot be ruled out
  const even = analyzeSavedMatrix([33554432, 2, 0, 40000000], 2, "float64");
  assert.equal(even.verdict, "float32-possible");
  assert.equal(even.aboveLimitCells.length, 2);
  // an odd value above 2^24 cannot be a float32 number: exact integer state
  const odd = analyzeSavedMatrix([16777217, 2, 0, 40000000], 2, "int64");
  assert.equal(odd.verdict, "exact");
  assert.deepEqual(odd.notFloat32Cells.map((c) => c.value), [16777217]);
  assert.equal(Math.fround(16777217) === 16777217, false); // the premise, checked
  // negative cells: an int32 wrap
  const wrap = analyzeSavedMatrix(new Int32Array([-2147483000, 1, 1, 1]), 2, "int32");
  assert.equal(wrap.verdict, "int32-wrapped");
  assert.equal(wrap.integerCounts, false);
  // non-integer cells: weighted sums
  assert.equal(analyzeSavedMatrix([0.5, 1, 1, 2], 2, "float32").verdict, "weights");
  assert.equal(analyzeSavedMatrix([1, 1, 1, 2], 2, "json").total, 5);
  assert.throws(
    () => analyzeSavedMatrix([NaN, 1, 1, 1], 2, "float32"),
    /NaN.*NaN or infinite sample weight/,
  );
  assert.throws(() => analyzeSavedMatrix([1, 1, 1], 2, "json"), /4 cells/);
});

Deno.test("audit: pairing, JSON matrices, label conversion, positions", () => {
  assert.throws(() => pairByName(["a.png", "a.npy"], ["a.png"]), /both a\.png and a\.npy/);
  const p = pairByName(["x/a.png", "y/a.png"], ["y/a.npy", "x/a.npy", "z.png"]);
  assert.deepEqual(p.pairs.map((q) => q.name), ["x/a", "y/a"]);
  assert.deepEqual(p.unpairedPred, ["z.png"]);
  assert.deepEqual(matrixFromJSON([[1, 2], [3, 4]]).counts, [1, 2, 3, 4]);
  assert.deepEqual(matrixFromJSON({ confusionMatrix: [[1, 0], [0, 1]] }).numClasses, 2);
  assert.throws(
    () => matrixFromJSON([[1, 2], [3]], "m.json"),
    /m\.json: expected row 1 to have 2 cells/,
  );
  assert.throws(() => matrixFromJSON({ foo: 1 }, "m.json"), /m\.json: expected a square/);
  assert.throws(() => matrixFromJSON([[1, "2"], [3, 4]], "m.json"), /"2" at row 0, column 1/);
  const u = toLabelArray(new Uint32Array([4294967295]));
  assert.ok(u instanceof Float64Array);
  assert.equal(u[0], 4294967295);
  const same = new Uint16Array([1]);
  assert.equal(toLabelArray(same), same);
  assert.equal(pixelPosition(5, [2, 3, 4]), "element (0, 1, 1)");
  const cm = savedMatrix([3, 1, 0, 2], 2);
  assert.deepEqual(cm.toArray(), [[3, 1], [0, 2]]);
  assert.equal(cm.weighted, false);
  assert.throws(() => savedMatrix([-1, 0, 0, 1], 2), /row 0, column 0/);
});

// ---------------------------------------------------------------------------------------------
// The dataset reader on files written here: .npy by encodeNpy, PNG by fast-png (an encoder
// independent of lib/io/png.ts's decoder); expected values from the arrays written.

async function withDir(fn: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "dataset_test_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function touch(dir: string, files: string[]) {
  for (const f of files) {
    const slash = f.lastIndexOf("/");
    if (slash > 0) await Deno.mkdir(`${dir}/${f.slice(0, slash)}`, { recursive: true });
    await Deno.writeFile(`${dir}/${f}`, new Uint8Array());
  }
}

function png(width: number, height: number, data: Uint8Array): Uint8Array {
  return encode({ width, height, channels: 1, depth: 8, data });
}

async function collect(pairs: MaskPair[], options: ReadMaskOptions = {}) {
  const out = [];
  for await (const image of readMaskPairs(pairs, options)) {
    out.push({ ...image, yTrue: [...image.yTrue], yPred: [...image.yPred] });
  }
  return out;
}

Deno.test("listMasks: .npy and .png at any depth and letter case, sorted, nothing else", async () => {
  await withDir(async (dir) => {
    await touch(dir, ["b.png", "A.NPY", "x/y/z.Png", "x/notes.txt", "x/a.npy.bak", "c.npz"]);
    await Deno.mkdir(`${dir}/empty`);
    assert.deepEqual(await listMasks(dir), ["A.NPY", "b.png", "x/y/z.Png"]);
    await assert.rejects(() => listMasks(`${dir}/none`), /none: no such file or folder/);
  });
});

Deno.test("pairMasks: folders by relative name, two files, and every refusal names the files", async () => {
  await withDir(async (dir) => {
    await touch(dir, ["gt/a.png", "gt/c/b.npy", "pr/a.npy", "pr/c/b.png", "t.npy", "p.png"]);
    // a trailing slash on either side does not change the paths
    assert.deepEqual(await pairMasks(`${dir}/gt/`, `${dir}/pr`), [
      { truePath: `${dir}/gt/a.png`, predPath: `${dir}/pr/a.npy` },
      { truePath: `${dir}/gt/c/b.npy`, predPath: `${dir}/pr/c/b.png` },
    ]);
    assert.deepEqual(await pairMasks(`${dir}/t.npy`, `${dir}/p.png`), [
      { truePath: `${dir}/t.npy`, predPath: `${dir}/p.png` },
    ]);
    await assert.rejects(
      () => pairMasks(`${dir}/gt`, `${dir}/t.npy`),
      new RegExp(
        `both files or both folders, but ${dir}/gt is a folder and ${dir}/t.npy is a file`,
      ),
    );
    await assert.rejects(() => pairMasks(`${dir}/gone`, `${dir}/pr`), InputError);
    // 23 ground-truth files without a prediction: 20 listed, then the count of the rest
    await touch(dir, Array.from({ length: 23 }, (_, k) => `gt/u${String(k).padStart(2, "0")}.npy`));
    await touch(dir, ["pr/extra.png"]);
    const e = await pairMasks(`${dir}/gt`, `${dir}/pr`).catch((x) => x);
    assert.ok(e instanceof InputError);
    assert.match(e.message, /ground truth without a prediction \(23\): .*\/gt\/u00\.npy, /);
    assert.match(
      e.message,
      /gt\/u19\.npy, and 3 more; predictions without a ground truth \(1\): .*\/pr\/extra\.png$/,
    );
    assert.doesNotMatch(e.message, /u20/);
    // the same name twice on one side is a guess the reader refuses
    await touch(dir, ["pr/a.png"]);
    await assert.rejects(
      () => pairMasks(`${dir}/gt`, `${dir}/pr`),
      /both a\.npy and a\.png for 'a'/,
    );
    // folders without masks
    await touch(dir, ["e1/readme.txt", "e2/readme.txt"]);
    await assert.rejects(
      () => pairMasks(`${dir}/e1`, `${dir}/e2`),
      /Expected \.npy or \.png masks in .*e1 and .*e2, but found none/,
    );
  });
});

Deno.test("readMaskPairs: a .npy stack, streamed or whole, and PNGs give the labels written", async () => {
  await withDir(async (dir) => {
    // 3 images of 2x3 in one (N, H, W, 1) stack; predictions as 3 PNG files in a folder
    const truth = [[0, 1, 2, 2, 1, 0], [1, 1, 1, 0, 0, 0], [2, 0, 2, 0, 2, 0]];
    const preds = [[0, 1, 1, 2, 1, 0], [1, 0, 1, 0, 0, 2], [2, 2, 2, 0, 0, 0]];
    await Deno.writeFile(
      `${dir}/t.npy`,
      encodeNpy({ shape: [3, 2, 3, 1], data: Uint8Array.from(truth.flat()) }),
    );
    await Deno.writeFile(
      `${dir}/p.npy`,
      encodeNpy({ shape: [3, 2, 3], data: Int16Array.from(preds.flat()) }),
    );
    const pairs = [{ truePath: `${dir}/t.npy`, predPath: `${dir}/p.npy` }];
    const progress: string[] = [];
    for (const limit of [undefined, 0]) {
      const images = await collect(pairs, {
        wholeFileLimit: limit,
        onProgress: (done, total, unit) => progress.push(`${done}/${total} ${unit}`),
      });
      assert.deepEqual(images.map((x) => x.yTrue), truth);
      assert.deepEqual(images.map((x) => x.yPred), preds);
      assert.deepEqual(images.map((x) => [x.index, x.count, x.shape]), [
        [0, 3, [2, 3]],
        [1, 3, [2, 3]],
        [2, 3, [2, 3]],
      ]);
    }
    assert.deepEqual(progress, [..."123", ..."123"].map((d) => `${d}/3 images`));
    // the same predictions as PNG files, paired with ground truths in .npy files
    for (let i = 0; i < 3; i++) {
      await touch(dir, [`gt/${i}.npy`]);
      await Deno.writeFile(
        `${dir}/gt/${i}.npy`,
        encodeNpy({ shape: [2, 3], data: Uint8Array.from(truth[i]) }),
      );
      await touch(dir, [`pr/${i}.png`]);
      await Deno.writeFile(`${dir}/pr/${i}.png`, png(3, 2, Uint8Array.from(preds[i])));
    }
    progress.length = 0;
    const folder = await collect(await pairMasks(`${dir}/gt`, `${dir}/pr`), {
      onProgress: (done, total, unit) => progress.push(`${done}/${total} ${unit}`),
    });
    assert.deepEqual(folder.map((x) => [x.yTrue, x.yPred]), truth.map((t, i) => [t, preds[i]]));
    assert.deepEqual(
      folder.map((x) => x.pair.predPath),
      [0, 1, 2].map((i) => `${dir}/pr/${i}.png`),
    );
    assert.deepEqual(progress, ["1/3 files", "2/3 files", "3/3 files"]);
  });
});

Deno.test("readMaskPairs: argmax over scores (channels first), first maximum on ties; shape and count checks", async () => {
  await withDir(async (dir) => {
    // scores (N=2, C=3, H=1, W=2): pixel (n, w) has scores s[n][c][w]
    const s = [
      [[0.1, 0.5], [0.7, 0.5], [0.2, 0.0]], // argmax per pixel: 1, 0 (tie 0.5 / 0.5: the first)
      [[0.0, 0.3], [0.0, 0.3], [0.9, 0.4]], // 2, 2
    ];
    await Deno.writeFile(
      `${dir}/s.npy`,
      encodeNpy({ shape: [2, 3, 1, 2], data: Float32Array.from(s.flat(2)) }),
    );
    await Deno.writeFile(
      `${dir}/t.npy`,
      encodeNpy({ shape: [2, 1, 2], data: new Uint8Array([1, 0, 2, 1]) }),
    );
    const pair = { truePath: `${dir}/t.npy`, predPath: `${dir}/s.npy` };
    const images = await collect([pair], { axis: 1 });
    assert.deepEqual(images.map((x) => x.yPred), [[1, 0], [2, 2]]);
    assert.deepEqual(images.map((x) => x.shape), [[1, 2], [1, 2]]);
    assert.equal(await inferNumClasses([pair], { axis: 1 }), 3);
    // argmax over the wrong axis leaves the wrong shape; the message says which
    await assert.rejects(
      () => collect([pair], { axis: -1 }),
      /s\.npy \(image 0\) to have the shape of .*t\.npy: \(1, 2\), but found \(3, 1\) after argmax over axis -1/,
    );
    await Deno.writeFile(
      `${dir}/one.npy`,
      encodeNpy({ shape: [1, 2], data: new Uint8Array([0, 1]) }),
    );
    await assert.rejects(
      () => collect([{ truePath: `${dir}/one.npy`, predPath: `${dir}/t.npy` }]),
      /same number of images in .*one\.npy \(1\) and .*t\.npy \(2\)/,
    );
    await assert.rejects(
      () => collect([pair], { axis: 0 }), // the image axis of a stack cannot be the class axis
      (e) =>
        e instanceof InputError &&
        e.message.endsWith(
          "s.npy: expected --axis to name a class axis of shape (2, 3, 1, 2), but found 0",
        ),
    );
  });
});

Deno.test("inferNumClasses: the largest label of truth (ignored left out) and predictions, plus one", async () => {
  await withDir(async (dir) => {
    const write = (name: string, data: number[]) =>
      Deno.writeFile(
        `${dir}/${name}`,
        encodeNpy({ shape: [1, data.length], data: Float32Array.from(data) }),
      );
    await write("t.npy", [0, 255, 6, 1]);
    await write("p.npy", [0, 2, 3, 1]);
    const pair = { truePath: `${dir}/t.npy`, predPath: `${dir}/p.npy` };
    assert.equal(await inferNumClasses([pair], { ignore: [255] }), 7); // truth's 6
    assert.equal(await inferNumClasses([pair]), 256); // 255 counts when not ignored
    await write("z.npy", [0, 0, 0, 0]);
    // all zeros: still two classes
    assert.equal(
      await inferNumClasses([{ truePath: `${dir}/z.npy`, predPath: `${dir}/z.npy` }]),
      2,
    );
    await write("f.npy", [0, 2.5, 1, 0]);
    await assert.rejects(
      () => inferNumClasses([{ truePath: `${dir}/z.npy`, predPath: `${dir}/f.npy` }]),
      /integer class ids below 65536 .* but found 2\.5; pass --classes/,
    );
    await write("h.npy", [0, 70000, 1, 0]);
    await assert.rejects(
      () => inferNumClasses([{ truePath: `${dir}/h.npy`, predPath: `${dir}/z.npy` }]),
      /but found 70000/,
    );
  });
});

Deno.test("readMaskPairs: maxPixels refuses a bigger read of either format, naming the file", async () => {
  await withDir(async (dir) => {
    // 3 images of 2x3 = 6 pixels: a limit of 6 reads the stack streamed, not whole (18)
    const labels = Uint8Array.from({ length: 18 }, (_, k) => k % 3);
    await Deno.writeFile(`${dir}/t.npy`, encodeNpy({ shape: [3, 2, 3], data: labels }));
    await Deno.writeFile(`${dir}/p.png`, png(3, 2, labels.subarray(0, 6)));
    const stack = [{ truePath: `${dir}/t.npy`, predPath: `${dir}/t.npy` }];
    await assert.rejects(
      () => collect(stack, { maxPixels: 6 }),
      (e) => e instanceof InputError && e.message.startsWith(`${dir}/t.npy: `),
    );
    const streamed = await collect(stack, { maxPixels: 6, wholeFileLimit: 0 });
    assert.deepEqual(streamed.flatMap((x) => x.yTrue), [...labels]);
    const one = [{ truePath: `${dir}/p.png`, predPath: `${dir}/p.png` }];
    assert.deepEqual((await collect(one, { maxPixels: 6 }))[0].yTrue, [0, 1, 2, 0, 1, 2]);
    await assert.rejects(
      () => collect(one, { maxPixels: 5 }),
      (e) => e instanceof InputError && e.message.startsWith(`${dir}/p.png: `),
    );
  });
});

// ---- symbolic links, loops and depth (issue 14) ----

Deno.test("findMasks: files 40 levels deep are found (no depth limit)", async () => {
  await withDir(async (dir) => {
    const deep = Array.from({ length: 40 }, (_, k) => `d${k}`).join("/");
    await touch(dir, [`${deep}/x.npy`, "top.png"]);
    const found = await findMasks(dir);
    assert.deepEqual(found.files, [`${deep}/x.npy`, "top.png"]);
    assert.deepEqual(found.skipped, []);
  });
});

Deno.test("findMasks: links to files and folders are followed; a loop is walked once and reported", async () => {
  await withDir(async (dir) => {
    await touch(dir, ["data/a/x.png", "elsewhere/y.npy", "elsewhere/sub/z.png"]);
    await Deno.symlink(`${dir}/elsewhere`, `${dir}/data/linked`); // a folder outside
    await Deno.symlink("a/x.png", `${dir}/data/same-x.png`); // a file, relative link
    await Deno.symlink("..", `${dir}/data/a/up`); // a loop back to data
    await Deno.symlink(".", `${dir}/data/a/self`); // a loop onto itself
    const found = await findMasks(`${dir}/data`);
    assert.deepEqual(found.files, [
      "a/x.png",
      "linked/sub/z.png",
      "linked/y.npy",
      "same-x.png",
    ]);
    assert.deepEqual(found.skipped.map((s) => s.path), [
      `${dir}/data/a/self`,
      `${dir}/data/a/up`,
    ]);
    for (const s of found.skipped) assert.match(s.why, /a loop, walked once/);
    assert.deepEqual(await listMasks(`${dir}/data`), found.files);
    // two folders that link into each other: each is walked once
    await touch(dir, ["p/1.png", "q/2.png"]);
    await Deno.symlink(`${dir}/q`, `${dir}/p/q`);
    await Deno.symlink(`${dir}/p`, `${dir}/q/p`);
    const cycle = await findMasks(`${dir}/p`);
    assert.deepEqual(cycle.files, ["1.png", "q/2.png"]);
    assert.deepEqual(cycle.skipped.map((s) => s.path), [`${dir}/p/q/p`]);
  });
});

Deno.test("findMasks: --symlinks skip lists the links it did not follow; error names the link", async () => {
  await withDir(async (dir) => {
    await touch(dir, ["data/a.png", "out/b.png", "out/c/d.npy", "data/notes.txt"]);
    await Deno.symlink(`${dir}/out/b.png`, `${dir}/data/b.png`);
    await Deno.symlink(`${dir}/out/c`, `${dir}/data/c`);
    await Deno.symlink(`${dir}/data/notes.txt`, `${dir}/data/notes-link.txt`); // no mask: silent
    const skip = await findMasks(`${dir}/data`, { symlinks: "skip" });
    assert.deepEqual(skip.files, ["a.png"]);
    assert.deepEqual(skip.skipped.map((s) => s.path), [`${dir}/data/b.png`, `${dir}/data/c`]);
    for (const s of skip.skipped) assert.match(s.why, /not followed \(--symlinks skip\)/);
    await assert.rejects(
      () => findMasks(`${dir}/data`, { symlinks: "error" }),
      (e: Error) =>
        e instanceof InputError &&
        /data\/b\.png: Expected no symbolic links \(--symlinks error\), but found one to /.test(
          e.message,
        ),
    );
    await assert.rejects(
      () => findMasks(`${dir}/data`, { symlinks: "sometimes" as never }),
      /--symlinks to be follow, skip or error, but found 'sometimes'/,
    );
  });
});

Deno.test("findMasks: a link to nothing and a FIFO named like a mask are skipped and reported", async () => {
  await withDir(async (dir) => {
    await touch(dir, ["a.png"]);
    await Deno.symlink("gone.png", `${dir}/b.png`);
    const mkfifo = await new Deno.Command("mkfifo", { args: [`${dir}/c.npy`] }).output();
    assert.equal(mkfifo.code, 0);
    const found = await findMasks(dir);
    assert.deepEqual(found.files, ["a.png"]);
    assert.deepEqual(found.skipped, [
      { path: `${dir}/b.png`, why: "a symbolic link to nothing (gone.png)" },
      { path: `${dir}/c.npy`, why: "a FIFO, not read" },
    ]);
    // pairMasks collects what both walks skipped
    await touch(dir, ["pr/a.png"]);
    await Deno.mkdir(`${dir}/gt`);
    await Deno.rename(`${dir}/a.png`, `${dir}/gt/a.png`);
    await Deno.symlink("gone.png", `${dir}/pr/z.png`);
    const skipped: SkippedFile[] = [];
    const pairs = await pairMasks(`${dir}/gt`, `${dir}/pr`, { skipped });
    assert.equal(pairs.length, 1);
    assert.deepEqual(skipped.map((s) => s.path), [`${dir}/pr/z.png`]);
  });
});
