/**
 * The audit CLI run as a subprocess on fixture files written here: .npy files written byte by
 * byte (not by lib/io/npy.ts), PNG files encoded by fast-png. Its JSON is compared with values
 * computed independently (tests/reference.ts and plain loops below).
 */
import assert from "node:assert/strict";
import { encode } from "fast-png";
import { refCounts, type RefImage, refIoUs, refMean } from "../reference.ts";

const ROOT = new URL("../..", import.meta.url);
const CLI = new URL("../../cli.ts", import.meta.url).pathname;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLI, ...args],
    cwd: ROOT,
    env: { NO_COLOR: "1", ...env },
  }).output();
  const d = new TextDecoder();
  return { code: out.code, stdout: d.decode(out.stdout), stderr: d.decode(out.stderr) };
}

async function json(args: string[], env: Record<string, string> = {}) {
  const r = await cli([...args, "--format", "json"], env);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
}

/** A .npy file, byte by byte: little-endian unless descr says '>'. */
function npy(descr: string, shape: number[], values: number[], fortran = false): Uint8Array {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
  let header = `{'descr': '${descr}', 'fortran_order': ${fortran ? "True" : "False"}, ` +
    `'shape': ${shapeText}, }`;
  while ((10 + header.length + 1) % 64 !== 0) header += " ";
  header += "\n";
  const size = Number(descr.slice(2));
  const kind = descr[1];
  const big = descr[0] === ">";
  const body = new Uint8Array(values.length * size);
  const dv = new DataView(body.buffer);
  values.forEach((v, i) => {
    const o = i * size;
    if (kind === "f" && size === 4) dv.setFloat32(o, v, !big);
    else if (kind === "f" && size === 8) dv.setFloat64(o, v, !big);
    else if (size === 1) dv.setUint8(o, v & 0xff);
    else if (size === 2) dv.setUint16(o, v & 0xffff, !big);
    else if (size === 4) dv.setUint32(o, v >>> 0, !big);
    else if (size === 8) dv.setBigInt64(o, BigInt(v), !big);
  });
  const out = new Uint8Array(10 + header.length + body.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 0xff, header.length >> 8]);
  out.set(new TextEncoder().encode(header), 10);
  out.set(body, 10 + header.length);
  return out;
}

/** Deterministic pseudo-random integers. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

/** Random label images: class 3 never occurs, 255 borders on the first row. */
function makeImages(n: number, h: number, w: number, seed: number): RefImage[] {
  const r = rng(seed);
  const images: RefImage[] = [];
  for (let i = 0; i < n; i++) {
    const yTrue: number[] = [], yPred: number[] = [];
    for (let p = 0; p < h * w; p++) {
      const t = p < w ? 255 : [0, 0, 0, 1, 1, 2, 4][Math.floor(r() * 7)];
      yTrue.push(t);
      const q = r();
      yPred.push(q < 0.7 ? (t === 255 ? 0 : t) : [0, 1, 2, 4][Math.floor(r() * 4)]);
    }
    images.push({ yTrue, yPred });
  }
  return images;
}

function refMatrix(images: RefImage[], C: number, ignore: number[]): number[][] {
  const m = Array.from({ length: C }, () => new Array(C).fill(0));
  for (const { yTrue, yPred } of images) {
    yTrue.forEach((t, i) => {
      if (!ignore.includes(t)) m[t][yPred[i]]++;
    });
  }
  return m;
}

function refDataset(images: RefImage[], C: number, ignore: number[]): number | null {
  return refMean(
    refIoUs(refCounts(images, { numClasses: C, ignore, outOfRange: "drop" }), "exclude", false),
  );
}

function refImageFirst(images: RefImage[], C: number, ignore: number[]): number {
  const per = images.map((im) => refDataset([im], C, ignore)).filter((v): v is number =>
    v !== null
  );
  return per.reduce((a, b) => a + b, 0) / per.length;
}

function refPerBatch(images: RefImage[], C: number, ignore: number[], b: number): number {
  const vals: number[] = [];
  for (let i = 0; i < images.length; i += b) {
    const v = refDataset(images.slice(i, i + b), C, ignore);
    if (v !== null) vals.push(v);
  }
  return vals.reduce((a, x) => a + x, 0) / vals.length;
}

function close(a: number, b: number, what: string) {
  assert.ok(Math.abs(a - b) <= 1e-12, `${what}: ${a} vs ${b}`);
}

async function withDir(fn: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "cli_audit_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("cli compare: folders of .npy and PNG masks paired by name, JSON equals a reference", async () => {
  await withDir(async (dir) => {
    const images = makeImages(5, 6, 7, 1);
    await Deno.mkdir(`${dir}/gt`);
    await Deno.mkdir(`${dir}/pred`);
    for (let i = 0; i < images.length; i++) {
      const { yTrue, yPred } = images[i];
      // ground truth alternates uint8 .npy and 8-bit grayscale PNG; predictions are PNG or
      // big-endian int16 .npy
      if (i % 2 === 0) await Deno.writeFile(`${dir}/gt/m${i}.npy`, npy("|u1", [6, 7], yTrue));
      else {
        await Deno.writeFile(
          `${dir}/gt/m${i}.png`,
          encode({ width: 7, height: 6, channels: 1, depth: 8, data: Uint8Array.from(yTrue) }),
        );
      }
      if (i % 3 === 0) await Deno.writeFile(`${dir}/pred/m${i}.npy`, npy(">i2", [6, 7], yPred));
      else {
        await Deno.writeFile(
          `${dir}/pred/m${i}.png`,
          encode({
            width: 7,
            height: 6,
            channels: 1,
            depth: 8,
            data: Uint8Array.from(yPred),
            palette: [[0, 0, 0], [128, 0, 0], [0, 128, 0], [128, 128, 0], [0, 0, 128]],
          }),
        );
      }
    }
    const r = await json([
      "compare",
      "--true",
      `${dir}/gt`,
      "--pred",
      `${dir}/pred`,
      "--classes",
      "5",
      "--ignore",
      "255",
      "--batch-size",
      "2,3",
    ]);
    assert.deepEqual(r.confusionMatrix, refMatrix(images, 5, [255]));
    assert.equal(r.numImages, 5);
    assert.equal(r.pixels, 5 * 6 * 7 - 5 * 7);
    const counts = refCounts(images, { numClasses: 5, ignore: [255], outOfRange: "drop" });
    const ious = refIoUs(counts, "exclude", false);
    assert.deepEqual(r.perClassIoU, ious.map((v) => v === null ? null : v));
    assert.equal(r.perClassIoU[3], null); // class 3 never occurs: NaN -> null
    close(r.values.dataset, refDataset(images, 5, [255])!, "dataset");
    close(r.values["dataset-absent-zero"], refMean(refIoUs(counts, "zero", false))!, "zero");
    close(r.values["image-first"], refImageFirst(images, 5, [255]), "image-first");
    close(r.values["per-batch-2"], refPerBatch(images, 5, [255], 2), "per-batch-2");
    close(r.values["per-batch-3"], refPerBatch(images, 5, [255], 3), "per-batch-3");
    const byName = Object.fromEntries(
      r.definitions.map((d: { name: string; value: number }) => [d.name, d.value]),
    );
    assert.equal(byName.dataset, r.values.dataset);
    assert.deepEqual(r.absentClasses, [3]);
    // Keras 3.7 and 3.15 by default, at the first batch size, fed the batches' counts
    assert.deepEqual(r.keras.map((k: { name: string }) => k.name), [
      "keras-3.7.0-tensorflow",
      "keras-3.15.0-tensorflow",
    ]);
    assert.equal(r.keras[0].batchSize, 2);
    assert.equal(r.keras[0].batches, 3);
    assert.deepEqual(r.keras[1].totalCm, r.confusionMatrix);
    assert.equal(typeof r.values["keras-3.7.0-tensorflow"], "number");
    const none = await json([
      "compare",
      "--true",
      `${dir}/gt`,
      "--pred",
      `${dir}/pred`,
      "--classes",
      "5",
      "--ignore",
      "255,254",
    ]);
    assert.deepEqual(none.keras, []);
    // library profiles ride along; the sklearn macro one is the dataset mIoU (absent excluded)
    const sk = r.libraries.find((l: { name: string }) => l.name === "sklearn-jaccard-macro");
    close(sk.value, refDataset(images, 5, [255])!, "sklearn-jaccard-macro");
  });
});

Deno.test("cli compare: scores with --axis (channels-last and channels-first) and Fortran int64 truth", async () => {
  await withDir(async (dir) => {
    const N = 3, H = 4, W = 5, C = 3;
    const r = rng(5);
    const truth: number[] = [];
    const last: number[] = []; // (N, H, W, C)
    for (let i = 0; i < N * H * W; i++) {
      truth.push(Math.floor(r() * C));
      // scores in steps of 0.25 so that ties occur; the first maximum must win
      for (let c = 0; c < C; c++) last.push(Math.floor(r() * 4) / 4);
    }
    const first: number[] = new Array(last.length); // (N, C, H, W)
    for (let n = 0; n < N; n++) {
      for (let p = 0; p < H * W; p++) {
        for (let c = 0; c < C; c++) first[(n * C + c) * H * W + p] = last[(n * H * W + p) * C + c];
      }
    }
    const pred: number[] = [];
    for (let i = 0; i < N * H * W; i++) {
      const s = last.slice(i * C, i * C + C);
      pred.push(s.indexOf(Math.max(...s))); // indexOf: the first maximum
    }
    // truth as Fortran-order big-endian int64: element (n, h, w) at offset n + N*h + N*H*w
    const fortran = new Array(N * H * W);
    for (let n = 0; n < N; n++) {
      for (let h = 0; h < H; h++) {
        for (let w = 0; w < W; w++) fortran[n + N * h + N * H * w] = truth[(n * H + h) * W + w];
      }
    }
    await Deno.writeFile(`${dir}/t.npy`, npy(">i8", [N, H, W], fortran, true));
    await Deno.writeFile(`${dir}/last.npy`, npy("<f4", [N, H, W, C], last));
    await Deno.writeFile(`${dir}/first.npy`, npy("<f8", [N, C, H, W], first));
    const images: RefImage[] = [];
    for (let n = 0; n < N; n++) {
      images.push({
        yTrue: truth.slice(n * H * W, (n + 1) * H * W),
        yPred: pred.slice(n * H * W, (n + 1) * H * W),
      });
    }
    const a = await json([
      "compare",
      "--true",
      `${dir}/t.npy`,
      "--pred",
      `${dir}/last.npy`,
      "--axis",
      "-1",
    ]);
    const b = await json([
      "compare",
      "--true",
      `${dir}/t.npy`,
      "--pred",
      `${dir}/first.npy`,
      "--axis",
      "1",
    ]);
    assert.equal(a.numClasses, 3); // from the class axis
    assert.deepEqual(a.confusionMatrix, refMatrix(images, 3, []));
    assert.deepEqual(b.confusionMatrix, a.confusionMatrix);
    close(a.values["image-first"], refImageFirst(images, 3, []), "image-first");
    // the streaming reader (files above the whole-file limit) gives the same answer
    const s = await json(
      ["compare", "--true", `${dir}/t.npy`, "--pred", `${dir}/last.npy`, "--axis", "-1"],
      { SEGMETRICS_WHOLE_FILE_LIMIT: "0" },
    );
    assert.deepEqual(s.confusionMatrix, a.confusionMatrix);
    assert.deepEqual(s.values, a.values);
  });
});

Deno.test("cli compare --cm: saved matrices, float32 damage signs, and --save-cm round trip", async () => {
  await withDir(async (dir) => {
    // a Keras 3.7 total_cm: cell (0,0) stuck at 2^24, cell (1,1) a float32 value above 2^24
    await Deno.writeFile(
      `${dir}/cm.npy`,
      npy("<f4", [3, 3], [16777216, 10, 0, 5, 33554436, 0, 0, 0, 0]),
    );
    const r = await json(["compare", "--cm", `${dir}/cm.npy`]);
    assert.equal(r.savedMatrix.verdict, "float32-damaged");
    assert.deepEqual(r.savedMatrix.saturatedCells, [{
      trueClass: 0,
      predClass: 0,
      value: 16777216,
    }]);
    assert.deepEqual(r.savedMatrix.aboveLimitCells.map((c: { value: number }) => c.value), [
      33554436,
    ]);
    // class 0: 16777216 / (16777216 + 10 + 5); class 1: 33554436 / (33554436 + 5 + 10);
    // class 2 absent (left out of the mean)
    const i0 = 16777216 / (16777216 + 15), i1 = 33554436 / (33554436 + 15);
    close(r.values.dataset, (i0 + i1) / 2, "dataset from saved matrix");
    assert.equal(r.perClassIoU[2], null);
    // Keras 3.7 result() on this float32 total_cm, by the recipe of docs/keras.md (Keras 3.0-3.7):
    // float32 sums, den = (col + row) - tp, iou = tp / (den + eps), mean over den > 1e-9
    const f = Math.fround, m = [[16777216, 10, 0], [5, 33554436, 0], [0, 0, 0]];
    let sum = 0, nv = 0;
    for (let k = 0; k < 3; k++) {
      const col = f(f(m[0][k] + m[1][k]) + m[2][k]);
      const row = f(f(m[k][0] + m[k][1]) + m[k][2]);
      const den = f(f(col + row) - m[k][k]);
      if (den > f(1e-9)) nv++;
      sum = f(sum + f(m[k][k] / f(den + f(1e-7))));
    }
    const k37 = r.savedMatrix.kerasResults.find((k: { version: string }) => k.version === "3.7.0");
    assert.equal(k37.value, f(sum / f(nv + f(1e-7))));
    // JSON nested arrays, with an odd count above 2^24: not float32, so exact
    await Deno.writeTextFile(`${dir}/cm.json`, JSON.stringify([[16777217, 1], [2, 3]]));
    const j = await json(["compare", "--cm", `${dir}/cm.json`]);
    assert.equal(j.savedMatrix.verdict, "exact");
    assert.equal(j.savedMatrix.notFloat32Cells.length, 1);
    // negative cells: an int32 wrap
    await Deno.writeFile(`${dir}/wrap.npy`, npy("<i4", [2, 2], [-5, 1, 2, 3]));
    const w = await cli(["compare", "--cm", `${dir}/wrap.npy`]);
    assert.equal(w.code, 2);
    assert.match(w.stderr, /wrap\.npy/);
    // --save-cm writes the exact matrix as int64 .npy (read back by hand: header then <i8 cells)
    const images = makeImages(2, 3, 4, 9);
    await Deno.writeFile(`${dir}/a.npy`, npy("|u1", [2, 3, 4], images.flatMap((i) => i.yTrue)));
    await Deno.writeFile(`${dir}/b.npy`, npy("|u1", [2, 3, 4], images.flatMap((i) => i.yPred)));
    const out = await cli([
      "compare",
      "--true",
      `${dir}/a.npy`,
      "--pred",
      `${dir}/b.npy`,
      "--classes",
      "5",
      "--ignore",
      "255",
      "--save-cm",
      `${dir}/saved.npy`,
      "--out",
      `${dir}/report.json`,
      "--format",
      "json",
    ]);
    assert.equal(out.code, 0, out.stderr);
    assert.equal(out.stdout, "");
    const bytes = await Deno.readFile(`${dir}/saved.npy`);
    const headerLen = bytes[8] | (bytes[9] << 8);
    const header = new TextDecoder().decode(bytes.subarray(10, 10 + headerLen));
    assert.match(header, /'descr': '<i8'.*'shape': \(5, 5\)/);
    const dv = new DataView(bytes.buffer, 10 + headerLen);
    const cells = Array.from({ length: 25 }, (_, k) => Number(dv.getBigInt64(8 * k, true)));
    assert.deepEqual(cells, refMatrix(images, 5, [255]).flat());
    const report = JSON.parse(await Deno.readTextFile(`${dir}/report.json`));
    assert.deepEqual(report.confusionMatrix, refMatrix(images, 5, [255]));
    // an output that cannot be written leaves the other one unwritten too
    const failed = await cli([
      "compare",
      "--true",
      `${dir}/a.npy`,
      "--pred",
      `${dir}/b.npy`,
      "--classes",
      "5",
      "--ignore",
      "255",
      "--save-cm",
      `${dir}/second.npy`,
      "--out",
      `${dir}/no/such/dir/r.json`,
    ]);
    assert.equal(failed.code, 2);
    assert.match(failed.stderr, /r\.json: cannot write/);
    await assert.rejects(() => Deno.stat(`${dir}/second.npy`), Deno.errors.NotFound);
    assert.deepEqual([...Deno.readDirSync(dir)].filter((e) => e.name.includes(".tmp-")), []);
    // and the saved .npy is itself accepted by --cm
    const again = await json(["compare", "--cm", `${dir}/saved.npy`]);
    assert.equal(again.values.dataset, report.values.dataset);
  });
});

Deno.test("cli explain: each step's value equals the definition computed independently", async () => {
  await withDir(async (dir) => {
    const images = makeImages(4, 5, 5, 3);
    await Deno.writeFile(`${dir}/t.npy`, npy("|u1", [4, 5, 5], images.flatMap((i) => i.yTrue)));
    await Deno.writeFile(`${dir}/p.npy`, npy("|u1", [4, 5, 5], images.flatMap((i) => i.yPred)));
    const r = await json([
      "explain",
      "dataset-absent-zero",
      "per-batch-2",
      "--true",
      `${dir}/t.npy`,
      "--pred",
      `${dir}/p.npy`,
      "--classes",
      "5",
      "--ignore",
      "255",
    ]);
    const counts = refCounts(images, { numClasses: 5, ignore: [255], outOfRange: "drop" });
    close(r.from.value, refMean(refIoUs(counts, "zero", false))!, "from");
    assert.deepEqual(r.steps.map((s: { option: string }) => s.option), ["absent", "average"]);
    close(r.steps[0].value, refDataset(images, 5, [255])!, "after absent");
    close(r.steps[1].value, refPerBatch(images, 5, [255], 2), "after average");
    close(r.to.value, r.steps[1].value, "to");
    close(r.steps[1].delta, r.steps[1].value - r.steps[0].value, "delta");
    const bad = await cli([
      "explain",
      "dataset",
      "nonsense",
      "--true",
      `${dir}/t.npy`,
      "--pred",
      `${dir}/p.npy`,
      "--classes",
      "5",
      "--ignore",
      "255",
    ]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /nonsense/);
  });
});

Deno.test("cli risk: the freeze batch and errors follow from the sizes by hand", async () => {
  // 500 images of 512x512, batch 8, class shares 0.6/0.3/0.1:
  // class 0: round(0.6 * 262144) = 157286 per image, 1258288 per batch -> reaches 2^24 in
  // batch ceil(16777216 / 1258288) = 14; exact total 500 * 157286 = 78643000
  const r = await json([
    "risk",
    "--images",
    "500",
    "--image-size",
    "512x512",
    "--batch-size",
    "8",
    "--classes",
    "3",
    "--frequencies",
    "0.6,0.3,0.1",
  ]);
  assert.equal(r.numBatches, 63);
  assert.equal(r.compiledFreezeBatch, 14);
  assert.equal(r.cells[0].exact, 78643000);
  assert.equal(r.compiledError, 78643000 - 16777216);
  assert.equal(r.withinBatchSaturationPossible, false);
  assert.equal(r.safeBatchSize, 64);
  assert.equal(r.eagerFirstRiskBatch, 14);
  assert.equal(r.eagerLoses, true);
  // --pixels is rounded up to whole images
  const p = await json([
    "risk",
    "--pixels",
    "262145",
    "--image-size",
    "512x512",
    "--batch-size",
    "1",
    "--classes",
    "2",
  ]);
  assert.equal(p.input.numImages, 2);
  const t = await cli([
    "risk",
    "--images",
    "10",
    "--image-size",
    "4x4",
    "--batch-size",
    "2",
    "--classes",
    "2",
  ]);
  assert.equal(t.code, 0);
  assert.match(t.stdout, /compiled float32: exact/);
});

Deno.test("cli: bad input exits 2 with a message naming the file (and pixel), no stack, no output file", async () => {
  await withDir(async (dir) => {
    const w = (name: string, bytes: Uint8Array) => Deno.writeFile(`${dir}/${name}`, bytes);
    await w("t.npy", npy("|u1", [2, 3], [0, 1, 2, 0, 1, 2]));
    await w("p.npy", npy("|u1", [2, 3], [0, 1, 2, 0, 7, 2]));
    await w("nan.npy", npy("<f4", [2, 3], [0, 1, NaN, 0, 1, 2]));
    await w("frac.npy", npy("<f4", [2, 3], [0, 1, 0.5, 0, 1, 2]));
    await w("wide.npy", npy("|u1", [2, 4], [0, 1, 2, 0, 1, 2, 0, 0]));
    await w(
      "c8.npy",
      (() => {
        const b = npy("<f8", [1], [0]);
        b.set(new TextEncoder().encode("c"), new TextDecoder().decode(b).indexOf("<f8") + 1);
        return b;
      })(),
    );
    await w("trunc.npy", npy("|u1", [2, 3], [0, 1, 2, 0, 1, 2]).subarray(0, 130));
    await w("stack.npy", npy("|u1", [2, 2, 3], [0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2]));
    await w("probs.npy", npy("<f4", [2, 3, 2], [0.1, 0.9, NaN, 0.5, 0.2, 0.8, 1, 0, 0, 1, 1, 0]));
    await w(
      "rgb.png",
      encode({
        width: 3,
        height: 2,
        channels: 3,
        depth: 8,
        data: new Uint8Array(18).fill(1).map((v, i) => i === 4 ? 9 : v),
      }),
    );
    const png = encode({ width: 3, height: 2, channels: 1, depth: 8, data: new Uint8Array(6) });
    await w("cut.png", png.subarray(0, png.length - 8));
    await Deno.mkdir(`${dir}/g`);
    await Deno.mkdir(`${dir}/q`);
    await w("g/a.npy", npy("|u1", [2, 3], [0, 0, 0, 0, 0, 0]));
    await w("g/b.npy", npy("|u1", [2, 3], [0, 0, 0, 0, 0, 0]));
    await w("q/a.npy", npy("|u1", [2, 3], [0, 0, 0, 0, 0, 0]));
    await w("q/c.png", png);
    const cases: [string[], RegExp][] = [
      [
        ["--true", "t.npy", "--pred", "p.npy", "--classes", "3"],
        /p\.npy: .*predicted labels.*found 7 at pixel \(row 1, column 1\)/,
      ],
      [
        ["--true", "nan.npy", "--pred", "t.npy", "--classes", "3"],
        /nan\.npy: .*true labels.*NaN at pixel \(row 0, column 2\)/,
      ],
      [
        ["--true", "t.npy", "--pred", "frac.npy", "--classes", "3"],
        /frac\.npy: .*0\.5 at pixel \(row 0, column 2\).*--axis/,
      ],
      [
        ["--true", "t.npy", "--pred", "wide.npy", "--classes", "3"],
        /wide\.npy.*shape of .*t\.npy: \(2, 3\), but found \(2, 4\)/,
      ],
      [["--true", "t.npy", "--pred", "c8.npy"], /c8\.npy: unsupported dtype.*'<c8'/],
      [["--true", "trunc.npy", "--pred", "t.npy"], /trunc\.npy: truncated/],
      [
        ["--true", "t.npy", "--pred", "stack.npy"],
        /same number of images.*t\.npy \(1\).*stack\.npy \(2\)/,
      ],
      [
        ["--true", "t.npy", "--pred", "probs.npy", "--axis", "-1"],
        /probs\.npy: .*NaN at index \(0, 1, 0\)/,
      ],
      [["--true", "t.npy", "--pred", "probs.npy", "--axis", "5"], /--axis/],
      [
        ["--true", "rgb.png", "--pred", "t.npy"],
        /rgb\.png: .*grayscale or palette-indexed.*row 0, column 1/,
      ],
      [["--true", "cut.png", "--pred", "t.npy"], /cut\.png: truncated PNG/],
      [["--true", "missing.npy", "--pred", "t.npy"], /missing\.npy: no such file/],
      [["--true", "g", "--pred", "q"], /g\/b\.npy.*q\/c\.png/],
      [["--true", "g", "--pred", "t.npy"], /both files or both folders/],
      [["--true", "t.npy"], /--pred is missing/],
      [["--true", "t.npy", "--pred", "t.npy", "--classes", "1"], /--classes.*>= 2/],
      [["--true", "t.npy", "--pred", "t.npy", "--format", "xml"], /--format/],
      [["--true", "t.npy", "--pred", "t.npy", "--ignore", "a"], /--ignore/],
      [["--true", "t.npy", "--pred", "t.npy", "--out-of-range", "clip"], /--out-of-range/],
      [["--cm", "t.npy"], /square confusion matrix/],
      [["--true", "t.npy", "--pred", "t.npy", "--bogus"], /bogus/],
    ];
    for (const [args, re] of cases) {
      const out = `${dir}/out.json`;
      const r = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", CLI, "compare", ...args, "--out", out],
        cwd: dir,
        env: { NO_COLOR: "1" },
      }).output();
      const stderr = new TextDecoder().decode(r.stderr);
      assert.equal(r.code, 2, `${args.join(" ")}: exit ${r.code}, ${stderr}`);
      assert.match(stderr, re, args.join(" "));
      assert.doesNotMatch(stderr, /^\s+at /m, "no stack trace");
      assert.equal(r.stdout.length, 0);
      await assert.rejects(() => Deno.stat(out), Deno.errors.NotFound, "no output file");
      assert.deepEqual(
        [...Deno.readDirSync(dir)].filter((e) => e.name.includes(".tmp-")),
        [],
        "no temporary file",
      );
    }
    const unknown = await cli(["frobnicate"]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /Expected a command/);
    const keras = await cli([
      "compare",
      "--true",
      `${dir}/t.npy`,
      "--pred",
      `${dir}/t.npy`,
      "--keras",
      "9.9",
    ]);
    assert.equal(keras.code, 2);
    assert.match(keras.stderr, /--keras.*9\.9/);
  });
});

Deno.test("cli: corrupted .npy and PNG bytes never crash and never print a number", async () => {
  await withDir(async (dir) => {
    const r = rng(11);
    const goodNpy = npy("<i2", [3, 4], [0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2]);
    const goodPng = encode({
      width: 4,
      height: 3,
      channels: 1,
      depth: 8,
      data: new Uint8Array(12).fill(1),
    });
    await Deno.writeFile(`${dir}/ok.npy`, goodNpy);
    await Deno.writeFile(`${dir}/ok.png`, goodPng);
    for (let k = 0; k < 12; k++) {
      const png = k % 2 === 1;
      const b = (png ? goodPng : goodNpy).slice();
      const cut = k % 3 === 0 ? Math.floor(r() * b.length) : b.length;
      for (let f = 0; f < 3; f++) b[Math.floor(r() * b.length)] = Math.floor(r() * 256);
      const name = `bad${k}.${png ? "png" : "npy"}`;
      await Deno.writeFile(`${dir}/${name}`, b.subarray(0, cut));
      const res = await cli([
        "compare",
        "--true",
        `${dir}/${name}`,
        "--pred",
        `${dir}/ok.${png ? "png" : "npy"}`,
        "--classes",
        "3",
        "--format",
        "json",
      ]);
      assert.ok(res.code === 0 || res.code === 2, `${name}: exit ${res.code} ${res.stderr}`);
      assert.doesNotMatch(res.stderr, /^\s+at /m, `${name}: stack trace`);
      if (res.code === 2) {
        assert.equal(res.stdout, "", `${name}: printed output`);
        assert.match(res.stderr, new RegExp(name.replace(".", "\\.")));
      }
    }
  });
});

Deno.test("cli: --help for every command has an example; no progress output when stderr is not a terminal", async () => {
  for (const command of [[], ["compare"], ["keras"], ["explain"], ["risk"]]) {
    const r = await cli([...command, "--help"]);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /Example/);
    assert.match(r.stdout, /Usage/);
  }
  await withDir(async (dir) => {
    await Deno.writeFile(
      `${dir}/t.npy`,
      npy("|u1", [3, 2, 2], [0, 1, 1, 0, 0, 1, 1, 0, 1, 1, 0, 0]),
    );
    const r = await cli(["compare", "--true", `${dir}/t.npy`, "--pred", `${dir}/t.npy`]);
    assert.equal(r.code, 0);
    assert.equal(r.stderr, "");
    assert.match(r.stdout, /^dataset\s+1(\.0+)?\s/m);
    for (const format of ["csv", "markdown"]) {
      const f = await cli([
        "compare",
        "--true",
        `${dir}/t.npy`,
        "--pred",
        `${dir}/t.npy`,
        "--format",
        format,
      ]);
      assert.equal(f.code, 0);
      assert.match(
        f.stdout,
        format === "csv"
          ? /^definition,value,why\ndataset,1,/
          : /^\| definition \| value \| why \|/m,
      );
    }
  });
});

Deno.test("cli keras/compare --keras: tf.keras 2.15 equals a float32 computation by hand", async () => {
  await withDir(async (dir) => {
    const images = makeImages(3, 4, 6, 21);
    await Deno.writeFile(`${dir}/t.npy`, npy("|u1", [3, 4, 6], images.flatMap((i) => i.yTrue)));
    await Deno.writeFile(`${dir}/p.npy`, npy("|u1", [3, 4, 6], images.flatMap((i) => i.yPred)));
    const base = [
      "--true",
      `${dir}/t.npy`,
      "--pred",
      `${dir}/p.npy`,
      "--classes",
      "5",
      "--ignore",
      "255",
    ];
    const r = await json(["keras", ...base, "--keras", "2.15,3.15", "--batch-size", "2"]);
    const m = refMatrix(images, 5, [255]);
    assert.deepEqual(r.confusionMatrix, m);
    // tf.keras 2.15 result(): float32 per-class tp/den (den = row + col - tp), classes with
    // den = 0 left out, the sum over 5 (< 8) classes sequential in float32, / number valid
    const f = Math.fround;
    let sum = 0, valid = 0;
    for (let c = 0; c < 5; c++) {
      const row = m[c].reduce((a, b) => a + b, 0);
      const col = m.reduce((a, rr) => a + rr[c], 0);
      const den = row + col - m[c][c];
      if (den === 0) continue;
      valid++;
      sum = f(sum + f(m[c][c] / den));
    }
    const k215 = r.keras.find((k: { version: string }) => k.version === "2.15.0");
    assert.equal(k215.value, f(sum / valid));
    assert.deepEqual(k215.totalCm, m);
    assert.equal(k215.batches, 2); // 3 images at batch size 2
    assert.equal(k215.epsilonPart, 0);
    const k315 = r.keras.find((k: { version: string }) => k.version === "3.15.0");
    assert.equal(k315.stateDtype, "int64");
    assert.ok(k315.epsilonPart < 0);
    // compare --keras adds the same values by name
    const c = await json(["compare", ...base, "--keras", "2.15", "--batch-size", "2"]);
    assert.equal(c.values["keras-2.15.0-tensorflow"], k215.value);
    assert.equal(c.keras.length, 1);
    // explain dataset -> keras-3.15: the epsilon step is Σ tp / (den + 1e-7) over valid classes
    const e = await json(["explain", "dataset", "keras-3.15", ...base, "--batch-size", "2"]);
    assert.deepEqual(e.steps.map((s: { option: string }) => s.option), ["epsilon", "keras"]);
    let eps = 0, n = 0;
    for (let cc = 0; cc < 5; cc++) {
      const row = m[cc].reduce((a, b) => a + b, 0);
      const col = m.reduce((a, rr) => a + rr[cc], 0);
      const den = row + col - m[cc][cc];
      if (den === 0) continue;
      n++;
      eps += m[cc][cc] / (den + 1e-7);
    }
    close(e.steps[0].value, eps / n, "epsilon step");
    assert.equal(e.to.value, k315.value);
    // Keras takes one ignore label; bad versions and modes are usage errors before any reading
    for (
      const [args, re] of [
        [["--ignore", "255,254"], /one --ignore label/],
        [["--keras", "1.0"], /version/],
        [["--keras", "3.7", "--backend", "numpy", "--compiled"], /compiled/],
        [["--keras", "3.7", "--backend", "mlx"], /backend/],
      ] as [string[], RegExp][]
    ) {
      const bad = await cli([
        "keras",
        "--true",
        `${dir}/t.npy`,
        "--pred",
        `${dir}/p.npy`,
        "--classes",
        "5",
        ...args,
      ]);
      assert.equal(bad.code, 2, args.join(" "));
      assert.match(bad.stderr, re);
    }
  });
});

Deno.test("cli keras --compiled: a float32 cell freezes at 2^24 (Keras 3.7) and stays exact in 3.8", async () => {
  await withDir(async (dir) => {
    // 65 all-zero images of 512x512: 17039360 pixels in cell (0, 0); batch 64 holds exactly 2^24
    const n = 65 * 512 * 512;
    const header = "{'descr': '|u1', 'fortran_order': False, 'shape': (65, 512, 512), }";
    const h = header.padEnd(128 - 10 - 1, " ") + "\n";
    const bytes = new Uint8Array(10 + h.length + n);
    bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, h.length, 0]);
    bytes.set(new TextEncoder().encode(h), 10);
    await Deno.writeFile(`${dir}/zeros.npy`, bytes);
    const r = await json([
      "keras",
      "--true",
      `${dir}/zeros.npy`,
      "--pred",
      `${dir}/zeros.npy`,
      "--classes",
      "2",
      "--keras",
      "3.7,3.8",
      "--compiled",
      "--batch-size",
      "64",
    ]);
    const by = Object.fromEntries(r.keras.map((k: { name: string }) => [k.name, k]));
    assert.equal(r.confusionMatrix[0][0], n);
    // eager: batch 1 = 2^24, then f32(2^24 + 262144) is exact (a multiple of 2)
    assert.equal(by["keras-3.7.0-tensorflow"].totalCm[0][0], n);
    // compiled: min(total + n, 2^24) batch after batch
    assert.equal(by["keras-3.7.0-tensorflow-xla"].totalCm[0][0], 16777216);
    assert.equal(by["keras-3.7.0-tensorflow-xla"].lostPixels, n - 16777216);
    assert.equal(by["keras-3.8.0-tensorflow-xla"].totalCm[0][0], n);
    // one batch of all 65 images saturates inside the batch, eager too
    const one = await json([
      "keras",
      "--true",
      `${dir}/zeros.npy`,
      "--pred",
      `${dir}/zeros.npy`,
      "--classes",
      "2",
      "--keras",
      "3.7",
      "--batch-size",
      "65",
    ]);
    assert.equal(one.keras[0].totalCm[0][0], 16777216);
  });
});

Deno.test("cli compare: subfolders pair by relative path; singleton channel axes are dropped", async () => {
  await withDir(async (dir) => {
    const images = makeImages(4, 3, 4, 17);
    for (const side of ["gt", "pr"]) {
      await Deno.mkdir(`${dir}/${side}/city_a`, { recursive: true });
      await Deno.mkdir(`${dir}/${side}/city_b`, { recursive: true });
    }
    // same base name in two cities: they must not be confused
    const where = ["city_a/x", "city_b/x", "city_a/y", "city_b/y"];
    for (let i = 0; i < 4; i++) {
      await Deno.writeFile(`${dir}/gt/${where[i]}.npy`, npy("|u1", [3, 4, 1], images[i].yTrue));
      await Deno.writeFile(`${dir}/pr/${where[i]}.npy`, npy("|u1", [1, 3, 4], images[i].yPred));
    }
    const r = await json([
      "compare",
      "--true",
      `${dir}/gt`,
      "--pred",
      `${dir}/pr`,
      "--classes",
      "5",
      "--ignore",
      "255",
    ]);
    assert.equal(r.numImages, 4);
    assert.deepEqual(r.confusionMatrix, refMatrix(images, 5, [255]));
    // images in sorted path order: city_a/x, city_a/y, city_b/x, city_b/y
    const ordered = [images[0], images[2], images[1], images[3]];
    close(r.values["image-first"], refImageFirst(ordered, 5, [255]), "image-first");
    // (N, H, W, 1) stacks are N images of (H, W)
    await Deno.writeFile(`${dir}/s.npy`, npy("|u1", [4, 3, 4, 1], images.flatMap((i) => i.yTrue)));
    await Deno.writeFile(`${dir}/q.npy`, npy("|u1", [4, 1, 3, 4], images.flatMap((i) => i.yPred)));
    const s = await json([
      "compare",
      "--true",
      `${dir}/s.npy`,
      "--pred",
      `${dir}/q.npy`,
      "--classes",
      "5",
      "--ignore",
      "255",
    ]);
    assert.equal(s.numImages, 4);
    const streamed = await json(
      [
        "compare",
        "--true",
        `${dir}/s.npy`,
        "--pred",
        `${dir}/q.npy`,
        "--classes",
        "5",
        "--ignore",
        "255",
      ],
      { SEGMETRICS_WHOLE_FILE_LIMIT: "0" },
    );
    assert.deepEqual(streamed.values, s.values);
    close(s.values["image-first"], refImageFirst(images, 5, [255]), "stack image-first");
    await Deno.writeFile(`${dir}/r4.npy`, npy("|u1", [1, 2, 2, 2], [0, 0, 0, 0, 0, 0, 0, 0]));
    const bad = await cli(["compare", "--true", `${dir}/r4.npy`, "--pred", `${dir}/r4.npy`]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /r4\.npy: expected labels of shape.*\(1, 2, 2, 2\).*--axis/);
  });
});

Deno.test("cli keras: batch counts (default) and pixels (--out-of-range drop) give the same Keras", async () => {
  await withDir(async (dir) => {
    const images = makeImages(7, 5, 6, 33);
    await Deno.writeFile(`${dir}/t.npy`, npy("|u1", [7, 5, 6], images.flatMap((i) => i.yTrue)));
    await Deno.writeFile(`${dir}/p.npy`, npy("|u1", [7, 5, 6], images.flatMap((i) => i.yPred)));
    const base = [
      "keras",
      "--true",
      `${dir}/t.npy`,
      "--pred",
      `${dir}/p.npy`,
      "--classes",
      "5",
      "--ignore",
      "255",
      "--keras",
      "2.15,3.7,3.8,3.15",
      "--compiled",
      "--batch-size",
      "3",
    ];
    const a = await json(base);
    const b = await json([...base, "--out-of-range", "drop"]);
    assert.equal(a.keras.length, 8);
    for (let k = 0; k < 8; k++) {
      assert.equal(a.keras[k].value, b.keras[k].value, a.keras[k].name);
      assert.deepEqual(a.keras[k].totalCm, b.keras[k].totalCm, a.keras[k].name);
      assert.equal(a.keras[k].batches, 3);
    }
  });
});
