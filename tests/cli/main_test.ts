import assert from "node:assert/strict";
import { demoDataset } from "../../lib/io/demo_dataset.ts";

Deno.test("cli with no arguments prints every definition for the demo dataset (JSON)", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "cli.ts", "--format", "json"],
    cwd: new URL("../..", import.meta.url),
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  const result = JSON.parse(new TextDecoder().decode(out.stdout));
  const demo = demoDataset();
  assert.equal(result.numImages, demo.images.length);
  // Independent count of the demo's pixels: everything but the 255 border.
  let pixels = 0;
  for (const image of demo.images) for (const t of image.yTrue) if (t !== 255) pixels++;
  assert.equal(result.pixels, pixels);
  assert.deepEqual(result.absentClasses, [5]);
  assert.deepEqual(result.predictedOnlyClasses, [6]);
  const names = result.definitions.map((d: { name: string }) => d.name);
  for (const name of ["dataset", "micro", "weighted", "image-first", "pair-mean", "per-batch-8"]) {
    assert.ok(names.includes(name), name);
  }
});
