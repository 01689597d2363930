/**
 * compare()'s memory per image, measured in a child process whose garbage can be collected
 * (--expose-gc; it collects before each sample, so the peak is what compare() holds, not
 * garbage the collector has not reached yet): while it runs, compare() may hold the documented
 * 10 bytes per image and class plus 8 bytes per image beyond the exact state (docs/safety.md,
 * "Memory per image"), and nothing per image once it returns. Before the image averages and the
 * peers read the counts image by image, it held about 2.3 KB per image of 4 classes.
 */
import assert from "node:assert/strict";

const PER_IMAGE_AND_CLASS = 10;
const PER_IMAGE = 8;

Deno.test("docs/safety.md states the per-image figures this test holds compare() to", async () => {
  const doc = await Deno.readTextFile(new URL("../../docs/safety.md", import.meta.url));
  assert.match(
    doc,
    new RegExp(
      `${PER_IMAGE_AND_CLASS} bytes per image and class plus ${PER_IMAGE} bytes per image`,
    ),
  );
});

Deno.test("memory per image: compare() on 100,000 and 40,000 images stays within the documented bytes", async () => {
  const script = await Deno.makeTempFile({ suffix: ".ts" });
  const url = (path: string) => JSON.stringify(new URL(path, import.meta.url).href);
  await Deno.writeTextFile(
    script,
    `import { SegmentationStats } from ${url("../../lib/core/segmentation_stats.ts")};
import { compare } from ${url("../../lib/metrics/compare.ts")};
const gc = (globalThis as unknown as { gc: () => void }).gc;
const [N, C] = [Number(Deno.args[0]), Number(Deno.args[1])];
const t = new Uint8Array(64).map((_, i) => i % C), p = new Uint8Array(64).map((_, i) => (i * 7) % C);
const stats = new SegmentationStats(C);
for (let i = 0; i < N; i++) stats.addImage(t, p);
const used = () => { const u = Deno.memoryUsage(); return u.heapUsed + u.external; };
gc(); gc();
const before = used();
let peak = before;
// sample while the images are read, however they are read
const proto = SegmentationStats.prototype;
const each = proto.forEachImage, counts = proto.imageCounts;
let calls = 0;
// collect before each sample, so that the peak is what compare() holds, not garbage that the
// collector has not reached yet (which depends on timing and load)
const sample = () => { if (++calls % 4096 === 0) { gc(); peak = Math.max(peak, used()); } };
proto.forEachImage = function (visit) { return each.call(this, (c, i) => { sample(); visit(c, i); }); };
proto.imageCounts = function (i) { sample(); return counts.call(this, i); };
const result = compare(stats, { batchSizes: [8] });
gc();
peak = Math.max(peak, used());
gc(); gc();
console.log(JSON.stringify({
  peak: (peak - before) / N,
  retained: (used() - before) / N,
  images: result.numImages,
  samples: calls,
}));
`,
  );
  try {
    for (const [N, C] of [[100000, 4], [40000, 19]]) {
      const out = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          "--v8-flags=--expose-gc,--max-semi-space-size=1",
          script,
          String(N),
          String(C),
        ],
      }).output();
      assert.ok(out.success, new TextDecoder().decode(out.stderr));
      const m = JSON.parse(new TextDecoder().decode(out.stdout));
      assert.equal(m.images, N);
      assert.ok(m.samples >= N, `${m.samples} reads of image counts`); // the peers were sampled
      // the documented figure, half again for the growth of arrays, and 1 MB for what a pass
      // allocates regardless of the number of images
      const bound = 1.5 * (PER_IMAGE_AND_CLASS * C + PER_IMAGE) + 2 ** 20 / N;
      assert.ok(m.peak <= bound, `${C} classes: ${m.peak} bytes per image at the peak > ${bound}`);
      assert.ok(m.retained <= 16, `${C} classes: ${m.retained} bytes per image retained`);
    }
  } finally {
    await Deno.remove(script);
  }
});
