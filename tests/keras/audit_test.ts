import assert from "node:assert/strict";
import fc from "fast-check";
import { ConfusionMatrix } from "../../lib/core/confusion_matrix.ts";
import { KerasAudit, kerasResultOnMatrix } from "../../lib/keras/audit.ts";

Deno.test("keras audit: feeding pixels and feeding batch counts give the same Keras", () => {
  const specs = [
    { version: "2.15" },
    { version: "3.7" },
    { version: "3.7", compiled: true },
    { version: "3.15", backend: "jax" as const },
  ];
  fc.assert(
    fc.property(
      fc.array(fc.array(fc.tuple(fc.nat(3), fc.nat(3)), { minLength: 1, maxLength: 20 }), {
        minLength: 1,
        maxLength: 7,
      }),
      fc.integer({ min: 1, max: 3 }),
      (imgs, batchSize) => {
        const byPixels = new KerasAudit(4, specs, { batchSize });
        const byCounts = new KerasAudit(4, specs, { batchSize });
        const exact = new ConfusionMatrix(4);
        let batch = new ConfusionMatrix(4), inBatch = 0;
        for (const img of imgs) {
          const t = Uint8Array.from(img.map((x) => x[0])),
            p = Uint8Array.from(img.map((x) => x[1]));
          byPixels.addImage(t, p);
          exact.update(t, p);
          batch.update(t, p);
          if (++inBatch === batchSize) {
            byCounts.addBatchCounts(batch.counts());
            batch = new ConfusionMatrix(4);
            inBatch = 0;
          }
        }
        if (inBatch > 0) byCounts.addBatchCounts(batch.counts());
        const a = byPixels.finish(exact), b = byCounts.finish(exact);
        for (let k = 0; k < specs.length; k++) {
          assert.equal(a[k].value, b[k].value);
          assert.deepEqual(a[k].totalCm, b[k].totalCm);
          assert.equal(a[k].batches, Math.ceil(imgs.length / batchSize));
          assert.deepEqual(a[k].totalCm, exact.toArray()); // tiny counts: no float32 damage
        }
      },
    ),
    { numRuns: 60 },
  );
});

Deno.test("keras audit: a Keras that raises is reported, not thrown", () => {
  // label 3 with numClasses 3: Keras 3.7 on TensorFlow raises, 3.15 drops it
  const audit = new KerasAudit(3, [{ version: "3.7" }, { version: "3.15" }], { batchSize: 1 });
  audit.addImage(new Uint8Array([0, 1, 3]), new Uint8Array([0, 1, 2]));
  const exact = new ConfusionMatrix(3, { outOfRange: "drop" }).update([0, 1, 3], [0, 1, 2]);
  const [k37, k315] = audit.finish(exact);
  assert.equal(k37.value, null);
  assert.match(k37.error!, /InvalidArgumentError/);
  assert.equal(k315.error, null);
  assert.deepEqual(k315.totalCm, [[1, 0, 0], [0, 1, 0], [0, 0, 0]]);
  assert.throws(() => new KerasAudit(3, [{ version: "1.0" }]), RangeError);
  assert.throws(() => new KerasAudit(3, [{ version: "3.7" }], { batchSize: 0 }), /batchSize/);
});

Deno.test("keras audit: result() on a saved matrix equals result() after real updates", () => {
  const t = [0, 0, 1, 1, 2, 2, 2, 1], p = [0, 1, 1, 1, 2, 0, 2, 2];
  const exact = new ConfusionMatrix(3).update(t, p);
  for (const version of ["2.15", "3.7", "3.15"]) {
    const audit = new KerasAudit(3, [{ version }], { batchSize: 1 });
    audit.addImage(Uint8Array.from(t), Uint8Array.from(p));
    const [run] = audit.finish(exact);
    assert.equal(kerasResultOnMatrix(exact.counts(), 3, version).value, run.value, version);
  }
});
