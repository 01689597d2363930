/**
 * `--jobs N`: files read and decoded on N threads. Every output (JSON with every definition,
 * per-batch values and the Keras emulations fed batch by batch; the saved matrix) is the same
 * byte for byte for every N, and so is the first error.
 */
import assert from "node:assert/strict";
import { encode } from "fast-png";
import { encodeNpy } from "../../lib/io/npy.ts";
import { cli } from "./run_cli.ts";

/** 11 pairs: PNG and .npy, a 3-image stack, classes 0..4 and 255, shapes that differ. */
async function folder(dir: string): Promise<void> {
  await Deno.mkdir(`${dir}/gt`);
  await Deno.mkdir(`${dir}/pred`);
  let s = 12345;
  const next = () => (s = (s * 1103515245 + 12345) >>> 0) >>> 16;
  for (let k = 0; k < 11; k++) {
    const h = 20 + k, w = 30 + 2 * k, n = k === 4 ? 3 : 1;
    const t = new Uint8Array(n * h * w), p = new Uint8Array(n * h * w);
    for (let i = 0; i < t.length; i++) {
      t[i] = next() % 13 === 0 ? 255 : (i >> 5) % 5; // runs of 32, some ignored pixels
      p[i] = next() % 4 === 0 ? next() % 5 : t[i] === 255 ? 0 : t[i];
    }
    const name = `img_${String(k).padStart(2, "0")}`;
    if (k % 2 === 0) {
      const shape = n > 1 ? [n, h, w] : [h, w];
      await Deno.writeFile(`${dir}/gt/${name}.npy`, encodeNpy({ shape, data: t }));
      await Deno.writeFile(`${dir}/pred/${name}.npy`, encodeNpy({ shape, data: p }));
    } else {
      const png = (data: Uint8Array) =>
        encode({ width: w, height: h, channels: 1, depth: 8, data });
      await Deno.writeFile(`${dir}/gt/${name}.png`, png(t));
      await Deno.writeFile(`${dir}/pred/${name}.png`, png(p));
    }
  }
}

Deno.test("cli --jobs: the same output, byte for byte, for 1, 2 and 4 jobs", async () => {
  const dir = await Deno.makeTempDir({ prefix: "cli_jobs_" });
  try {
    await folder(dir);
    const run = async (jobs: string[]) => {
      const args = ["compare", "--true", "gt", "--pred", "pred", "--classes", "5", "--ignore"];
      const r = await cli(
        [...args, "255", "--batch-size", "3,4", "--format", "json", "--save-cm", "cm.npy", ...jobs],
        dir,
      );
      assert.equal(r.code, 0, r.stderr);
      return { json: r.stdout, cm: await Deno.readFile(`${dir}/cm.npy`) };
    };
    const serial = await run([]);
    const parsed = JSON.parse(serial.json);
    assert.equal(parsed.numImages, 13); // 10 single images and a stack of 3
    assert.ok(parsed.keras.length > 0, "the Keras emulations ran");
    for (const jobs of ["1", "2", "4"]) {
      const r = await run(["--jobs", jobs]);
      assert.equal(r.json, serial.json, `--jobs ${jobs}`);
      assert.deepEqual(r.cm, serial.cm, `--jobs ${jobs}`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("cli --jobs: the first bad file is the error for every N; a bad N is refused", async () => {
  const dir = await Deno.makeTempDir({ prefix: "cli_jobs_" });
  try {
    await folder(dir);
    await Deno.writeFile(`${dir}/pred/img_07.png`, new Uint8Array([137, 80, 78, 71])); // cut
    const args = ["compare", "--true", "gt", "--pred", "pred", "--classes", "5", "--ignore", "255"];
    const serial = await cli([...args, "--format", "json"], dir);
    assert.equal(serial.code, 2);
    assert.match(serial.stderr, /img_07\.png/);
    for (const jobs of ["2", "3"]) {
      const r = await cli([...args, "--format", "json", "--jobs", jobs], dir);
      assert.equal(r.code, serial.code);
      assert.equal(r.stderr, serial.stderr);
      assert.equal(r.stdout, "");
    }
    // a label the counting refuses (class 4 of 4): counted in a worker, the same message
    await Deno.remove(dir, { recursive: true });
    await Deno.mkdir(dir);
    await folder(dir);
    const four = ["compare", "--true", "gt", "--pred", "pred", "--classes", "4", "--ignore", "255"];
    const refused = await cli([...four, "--keras", "none"], dir);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /Expected (true|predicted) labels /);
    for (const jobs of ["2", "3"]) {
      const r = await cli([...four, "--keras", "none", "--jobs", jobs], dir);
      assert.deepEqual([r.code, r.stderr, r.stdout], [refused.code, refused.stderr, ""]);
    }
    const zero = await cli([...args, "--jobs", "0"], dir);
    assert.equal(zero.code, 2);
    assert.match(zero.stderr, /Expected --jobs to be an integer >= 1, but found '0'/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("cli --jobs: without Keras, and with Keras fed the pixels, the output of one job", async () => {
  const dir = await Deno.makeTempDir({ prefix: "cli_jobs_" });
  try {
    await folder(dir);
    const base = [
      "compare",
      "--true",
      "gt",
      "--pred",
      "pred",
      "--ignore",
      "255",
      "--format",
      "json",
    ];
    // --keras none; --out-of-range drop with Keras, which then gets each image's pixels rather
    // than each batch's counts (4 classes: labels 4 are out of range, dropped)
    for (
      const flags of [
        ["--classes", "5", "--keras", "none"],
        ["--classes", "4", "--out-of-range", "drop", "--batch-size", "2"],
      ]
    ) {
      const serial = await cli([...base, ...flags], dir);
      assert.equal(serial.code, 0, serial.stderr);
      for (const jobs of ["2", "3"]) {
        const r = await cli([...base, ...flags, "--jobs", jobs], dir);
        assert.equal(r.stdout, serial.stdout, `${flags.join(" ")} --jobs ${jobs}`);
      }
    }
    // a label the policy rejects: the same message
    const labels = [
      "compare",
      "--true",
      "gt",
      "--pred",
      "pred",
      "--classes",
      "4",
      "--keras",
      "none",
    ];
    const serial = await cli([...labels, "--ignore", "255"], dir);
    assert.equal(serial.code, 2);
    assert.match(serial.stderr, /Expected (true|predicted) labels to be class ids in \[0, 4\)/);
    for (const jobs of ["2", "3"]) {
      const r = await cli([...labels, "--ignore", "255", "--jobs", jobs], dir);
      assert.equal(r.code, 2);
      assert.equal(r.stderr, serial.stderr);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
