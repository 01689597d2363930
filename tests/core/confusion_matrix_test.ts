import assert from "node:assert/strict";
import fc from "fast-check";
import { ConfusionMatrix } from "../../lib/core/confusion_matrix.ts";
import { refCounts } from "../reference.ts";

Deno.test("ConfusionMatrix counts rows = true, columns = predicted, by hand", () => {
  const cm = new ConfusionMatrix(3);
  cm.update([0, 1, 2, 2, 1], [0, 2, 2, 1, 1]);
  assert.deepEqual(cm.toArray(), [[1, 0, 0], [0, 1, 1], [0, 1, 1]]);
  assert.equal(cm.total, 5);
  assert.equal(cm.get(1, 2), 1);
  assert.deepEqual(Array.from(cm.classCounts().fp), [0, 1, 1]);
});

Deno.test("every accepted array type gives the same counts", () => {
  const t = [0, 1, 2, 2, 1, 0, 0, 3];
  const p = [0, 2, 2, 1, 1, 3, 0, 3];
  const expected = new ConfusionMatrix(4).update(t, p).toArray();
  for (const Type of [Uint8Array, Uint16Array, Int32Array, Float32Array, Float64Array]) {
    assert.deepEqual(new ConfusionMatrix(4).update(Type.from(t), Type.from(p)).toArray(), expected);
  }
  // Mixed types go through the generic path.
  assert.deepEqual(
    new ConfusionMatrix(4).update(Uint8Array.from(t), Int32Array.from(p)).toArray(),
    expected,
  );
});

function randomBytes(n: number, seed: number, modulo: number): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    out[i] = (s >>> 16) % modulo;
  }
  return out;
}

Deno.test("uint8 fast path (>= 2^16 pixels) agrees with the generic path at every alignment", () => {
  const n = 70_001;
  const buffer = randomBytes(n + 8, 7, 5);
  const other = randomBytes(n + 8, 11, 5);
  for (
    const [a, b, len] of [[0, 0, n], [1, 1, n - 3], [3, 3, 65536], [0, 1, n - 1], [2, 5, 66000]]
  ) {
    const t = buffer.subarray(a, a + len);
    const p = other.subarray(b, b + len);
    assert.deepEqual(
      new ConfusionMatrix(5).update(t, p).toArray(),
      new ConfusionMatrix(5).update(Array.from(t), Array.from(p)).toArray(),
    );
  }
});

Deno.test("uint8 fast path applies every policy like the generic path, and recovers from errors", () => {
  const n = 100_000;
  // Labels 0..7 with C = 6: 6 and 7 are out of range; 7 is ignored in some policies.
  const t = randomBytes(n, 3, 8);
  const p = randomBytes(n, 5, 8);
  const tIn = t.map((v) => (v >= 6 ? 7 : v)); // true labels in range or 7
  for (
    const [options, yTrue] of [
      [{ outOfRange: "drop" as const }, t],
      [{ outOfRange: "drop" as const, ignoreIndex: [7, 2] }, t],
      [{ outOfRange: "miss" as const, ignoreIndex: 7 }, tIn],
    ] as const
  ) {
    const fast = new ConfusionMatrix(6, options).update(yTrue, p);
    const slow = new ConfusionMatrix(6, options).update(Array.from(yTrue), Array.from(p));
    assert.deepEqual(fast.toJSON(), slow.toJSON());
  }
  const cm = new ConfusionMatrix(6);
  const firstBad = t.findIndex((v, i) => v >= 6 || p[i] >= 6);
  const name = t[firstBad] >= 6 ? "yTrue" : "yPred";
  const value = name === "yTrue" ? t[firstBad] : p[firstBad];
  assert.throws(() => cm.update(t, p), {
    message:
      `Expected ${name} values to be class ids in [0, 6), but found ${value} at index ${firstBad}`,
  });
  // The failed call must leave no trace, in the matrix or in the kernel's scratch histogram.
  const clean = randomBytes(n, 9, 6);
  assert.deepEqual(
    cm.update(clean, clean).toArray(),
    new ConfusionMatrix(6).update(Array.from(clean), Array.from(clean)).toArray(),
  );
});

Deno.test("ignoreIndex: one label, a list, and a label that is also a class id", () => {
  const t = [0, 1, 255, 2, -1, 1];
  const p = [0, 1, 1, 0, 2, 2];
  const cm = new ConfusionMatrix(3, { ignoreIndex: [255, -1] }).update(t, p);
  assert.deepEqual(cm.toArray(), [[1, 0, 0], [0, 1, 1], [1, 0, 0]]);
  const noOnes = new ConfusionMatrix(3, { ignoreIndex: 1 }).update([0, 1, 1, 2], [0, 1, 0, 1]);
  assert.deepEqual(noOnes.toArray(), [[1, 0, 0], [0, 0, 0], [0, 1, 0]]);
  const big = (xs: number[]) =>
    Uint8Array.from({ length: 2 ** 16 * xs.length }, (_, i) => xs[i % xs.length]);
  const u8 = new ConfusionMatrix(3, { ignoreIndex: 1 })
    .update(big([0, 1, 1, 2]), big([0, 1, 0, 1]));
  assert.deepEqual(u8.toArray(), noOnes.toArray().map((row) => row.map((v) => v * 2 ** 16)));
});

Deno.test("outOfRange error names the array, the first bad index and its value", () => {
  const cm = new ConfusionMatrix(3);
  assert.throws(() => cm.update([0, 1, 2], [0, 3, 1]), {
    name: "RangeError",
    message: "Expected yPred values to be class ids in [0, 3), but found 3 at index 1",
  });
  assert.throws(
    () => cm.update(Uint8Array.from([0, 0, 9, 7]), Uint8Array.from([0, 0, 0, 0])),
    /yTrue values to be class ids in \[0, 3\), but found 9 at index 2/,
  );
  assert.throws(
    () => cm.update([0, 0.5], [0, 0]),
    /yTrue values to be integer class ids, but found 0.5 at index 1/,
  );
  assert.throws(
    () => cm.update([0, 1], [NaN, 0]),
    /yPred values to be integer class ids, but found NaN at index 0/,
  );
  assert.equal(cm.total, 0, "nothing half-written");
});

Deno.test("an ignore label in the predictions is out of range, and the message says which array", () => {
  const cm = new ConfusionMatrix(3, { ignoreIndex: 255 });
  assert.throws(
    () => cm.update([0, 1], [0, 255]),
    { message: "Expected yPred values to be class ids in [0, 3), but found 255 at index 1" },
  );
  assert.throws(
    () => cm.update([0, 7], [0, 1]),
    {
      message:
        "Expected yTrue values to be class ids in [0, 3) or an ignored label (255), but found 7 at index 1",
    },
  );
});

Deno.test("outOfRange drop and miss", () => {
  const t = [0, 1, 1, 5, 2];
  const p = [0, 7, 1, 1, -1];
  const drop = new ConfusionMatrix(3, { outOfRange: "drop" }).update(t, p);
  assert.deepEqual(drop.toArray(), [[1, 0, 0], [0, 1, 0], [0, 0, 0]]);
  assert.equal(drop.total, 2);
  const miss = new ConfusionMatrix(3, { outOfRange: "miss" });
  assert.throws(() => miss.update(t, p), /yTrue .* found 5 at index 3 \(outOfRange "miss" applies/);
  miss.update([0, 1, 1, 2], [0, 7, 1, -1]);
  assert.deepEqual(Array.from(miss.missed()), [0, 1, 1]);
  const { tp, fp, fn } = miss.classCounts();
  assert.deepEqual([Array.from(tp), Array.from(fp), Array.from(fn)], [[1, 1, 0], [0, 0, 0], [
    0,
    1,
    1,
  ]]);
  const u8 = new ConfusionMatrix(3, { outOfRange: "miss" })
    .update(Uint8Array.from([0, 1, 1, 2]), Uint8Array.from([0, 7, 1, 200]));
  assert.deepEqual(Array.from(u8.missed()), [0, 1, 1]);
});

Deno.test("bad arguments are named", () => {
  assert.throws(
    () => new ConfusionMatrix(1),
    /numClasses to be an integer in \[2, 65536\], but found 1/,
  );
  assert.throws(
    () => new ConfusionMatrix(3, { outOfRange: "clip" as "drop" }),
    /outOfRange to be one of/,
  );
  assert.throws(
    () => new ConfusionMatrix(3, { ignoreIndex: 2.5 }),
    /ignoreIndex to hold integers, but found 2.5/,
  );
  const cm = new ConfusionMatrix(3);
  assert.throws(() => cm.update([0, 1], [0]), /same length, but found 2 and 1/);
  assert.throws(() => cm.update("01" as unknown as number[], [0, 1]), /yTrue to be a number\[\]/);
  assert.throws(
    () => cm.update([0, 1], [0, 1], [1, -1]),
    /sampleWeight values to be finite and >= 0, but found -1 at index 1/,
  );
  assert.throws(() => cm.update([0, 1], [0, 1], [1]), /sampleWeight to have the same length/);
  assert.throws(() => cm.get(3, 0), /trueClass in \[0, 3\), but found 3/);
});

Deno.test("sample weights are float64 sums; 0/1 weights keep counts exact", () => {
  const cm = new ConfusionMatrix(2).update([0, 0, 1, 1], [0, 1, 1, 1], [1, 0, 1, 1]);
  assert.deepEqual(cm.toArray(), [[1, 0], [0, 2]]);
  assert.equal(cm.weighted, false);
  const w = new ConfusionMatrix(2).update([0, 0, 1], [0, 0, 1], [0.1, 0.2, 2.5]);
  assert.equal(w.get(0, 0), 0.1 + 0.2);
  assert.equal(w.weighted, true);
  const copy = ConfusionMatrix.fromJSON(JSON.parse(JSON.stringify(w)));
  assert.equal(copy.get(0, 0), 0.1 + 0.2);
  assert.equal(copy.weighted, true);
});

Deno.test("counts above 2^24 and 2^32 in one cell are exact; past 2^53 throws, all or nothing", () => {
  const n = 2 ** 24 + 3;
  const ones = new Uint8Array(n).fill(1);
  const cm = new ConfusionMatrix(2).update(ones, ones).update(ones, ones);
  assert.equal(cm.get(1, 1), 2 * n);
  // 2^32 + 5 pixels in one cell without allocating them: through addCounts.
  cm.addCounts([0, 0, 0, 2 ** 32 + 5]);
  assert.equal(cm.get(1, 1), 2 * n + 2 ** 32 + 5);
  const near = new ConfusionMatrix(2).addCounts([2 ** 53 - 2, 0, 0, 7]);
  assert.throws(() => near.addCounts([2, 0, 0, 1]), /stay below 2\^53/);
  assert.throws(() => near.update([0], [0]).update([0], [0]), /stay below 2\^53/);
  assert.deepEqual(near.toArray(), [[2 ** 53 - 1, 0], [0, 7]], "the failed update changed nothing");
  assert.throws(
    () => near.addCounts([0.5, 0, 0, 0]),
    /integers in \[0, 2\^53\), but found 0.5 at index 0/,
  );
});

Deno.test("merge needs the same policy; toJSON/fromJSON round-trips and validates", () => {
  const a = new ConfusionMatrix(3, { ignoreIndex: 255 }).update([0, 1, 255], [0, 2, 1]);
  const b = new ConfusionMatrix(3, { ignoreIndex: 255 }).update([2, 2], [2, 0]);
  assert.deepEqual(a.clone().merge(b).toArray(), [[1, 0, 0], [0, 0, 1], [1, 0, 1]]);
  assert.throws(() => a.merge(new ConfusionMatrix(3)), /same policy/);
  assert.throws(() => a.merge(new ConfusionMatrix(4, { ignoreIndex: 255 })), /same policy/);
  const json = JSON.parse(JSON.stringify(a));
  assert.deepEqual(ConfusionMatrix.fromJSON(json).toJSON(), a.toJSON());
  assert.throws(
    () => ConfusionMatrix.fromJSON({ ...json, counts: [[1, 2, 3]] }),
    /counts to be 3 rows/,
  );
  assert.throws(
    () => ConfusionMatrix.fromJSON({ ...json, counts: [[1, 0, 0], [0, -1, 0], [0, 0, 0]] }),
    /Expected counts\[1\]\[1\] to be a non-negative safe integer, but found -1/,
  );
});

Deno.test("fromJSON accepts only JSON numbers that are counts, in the exact shape", () => {
  const good = new ConfusionMatrix(2, { outOfRange: "miss" }).update([0, 1, 1], [0, 1, 5]);
  const json = JSON.parse(JSON.stringify(good));
  assert.deepEqual(ConfusionMatrix.fromJSON(json).toJSON(), good.toJSON());
  // JSON.parse turns each of these into a value that `+v` or `flat[k] = v` would make a count
  const bad: [unknown, string][] = [
    ["5", '"5"'],
    [null, "null"],
    [true, "true"],
    [[4], "\\[4\\]"],
    [{}, "\\{\\}"],
    [1.5, "1.5"],
    [-3, "-3"],
    [2 ** 53, "9007199254740992"],
  ];
  for (const [value, shown] of bad) {
    const counts = [[1, 0], [0, value]];
    assert.throws(
      () => ConfusionMatrix.fromJSON({ ...json, counts }),
      new RegExp(
        `^RangeError: Expected counts\\[1\\]\\[1\\] to be a non-negative safe integer, but found ${shown}$`,
      ),
      String(value),
    );
    assert.throws(
      () => ConfusionMatrix.fromJSON({ ...json, missed: [0, value] }),
      new RegExp(`Expected missed\\[1\\] to be a non-negative safe integer, but found ${shown}$`),
    );
  }
  // holes and missing cells: a sparse row is as wrong as a short one
  assert.throws(
    () => ConfusionMatrix.fromJSON({ ...json, counts: [[1, 0], [0, undefined]] }),
    /counts\[1\]\[1\] to be a non-negative safe integer, but found undefined/,
  );
  assert.throws(
    () => ConfusionMatrix.fromJSON({ ...json, counts: [[1, 0], "01"] }),
    /counts row 1 to have 2 cells, but found 01/,
  );
  assert.throws(
    () => ConfusionMatrix.fromJSON({ ...json, missed: [0, 0, 0] }),
    /missed to have 2 entries, but found an array of length 3/,
  );
  assert.throws(
    () => ConfusionMatrix.fromJSON({ ...json, weighted: "false" }),
    /Expected weighted to be true or false, but found "false"/,
  );
  assert.throws(
    () => ConfusionMatrix.fromJSON({ ...json, numClasses: "2" }),
    /Expected numClasses to be an integer in \[2, 65536\], but found "2"$/,
  );
  assert.throws(
    () => ConfusionMatrix.fromJSON({ ...json, ignoreIndex: "255" }),
    /Expected ignoreIndex to be an array of integer labels, but found "255"$/,
  );
  assert.throws(
    () => ConfusionMatrix.fromJSON({ ...json, ignoreIndex: [255, null] }),
    /Expected ignoreIndex\[1\] to be an integer label, but found null$/,
  );
  assert.throws(
    () => ConfusionMatrix.fromJSON({ ...json, outOfRange: 1 }),
    /Expected outOfRange to be one of "error", "drop", "miss", but found 1$/,
  );
  assert.throws(() => ConfusionMatrix.fromJSON([] as never), /JSON object, but found \[\]/);
  // absent `missed` and `weighted` read as zeros and false (older files)
  const { missed: _m, weighted: _w, ...old } = json;
  assert.deepEqual(ConfusionMatrix.fromJSON(old).toArray(), good.toArray());
  assert.equal(ConfusionMatrix.fromJSON(old).total, 2);
});

Deno.test("fromJSON of a weighted matrix: finite sums of weights >= 0, nothing else", () => {
  const w = new ConfusionMatrix(2).update([0, 1], [0, 0], [0.25, 1.5]);
  const json = JSON.parse(JSON.stringify(w));
  assert.deepEqual(ConfusionMatrix.fromJSON(json).toArray(), [[0.25, 0], [1.5, 0]]);
  for (
    const [value, shown] of [["0.5", '"0.5"'], [null, "null"], [-0.5, "-0.5"], [1e300, "1e\\+300"]]
  ) {
    assert.throws(
      () => ConfusionMatrix.fromJSON({ ...json, counts: [[value, 0], [1.5, 0]] }),
      new RegExp(
        `Expected counts\\[0\\]\\[0\\] to be a finite number in \\[0, 2\\^53\\) \\(a sum of sample weights\\), but found ${shown}$`,
      ),
    );
  }
});

const labels = (C: number, extra: number[]) =>
  fc.oneof(fc.integer({ min: 0, max: C - 1 }), fc.constantFrom(...extra));

const pixelsArb = fc.integer({ min: 2, max: 6 }).chain((C) =>
  fc.record({
    C: fc.constant(C),
    pairs: fc.array(fc.tuple(labels(C, [255, C, C + 3]), labels(C, [C, 200])), { maxLength: 300 }),
    cuts: fc.array(fc.nat(300), { maxLength: 6 }),
    outOfRange: fc.constantFrom("drop" as const, "miss" as const),
  })
);

Deno.test("property: any split into batches gives the same matrix as one update, and the reference", () => {
  fc.assert(fc.property(pixelsArb, ({ C, pairs, cuts, outOfRange }) => {
    const t = pairs.map(([a]) => a), p = pairs.map(([, b]) => b);
    // "miss" rejects out-of-range true labels, so keep the true labels in range or ignored there.
    const tt = outOfRange === "miss" ? t.map((v) => v === C || v === C + 3 ? 255 : v) : t;
    const whole = new ConfusionMatrix(C, { ignoreIndex: 255, outOfRange }).update(tt, p);
    const bounds = [
      0,
      ...cuts.map((c) => c % (pairs.length + 1)).sort((a, b) => a - b),
      pairs.length,
    ];
    const parts = new ConfusionMatrix(C, { ignoreIndex: 255, outOfRange });
    for (let k = 0; k + 1 < bounds.length; k++) {
      parts.update(
        Uint8Array.from(tt.slice(bounds[k], bounds[k + 1])),
        Uint8Array.from(p.slice(bounds[k], bounds[k + 1])),
      );
    }
    assert.deepEqual(parts.toJSON(), whole.toJSON());
    const ref = refCounts([{ yTrue: tt, yPred: p }], { numClasses: C, ignore: [255], outOfRange });
    const got = whole.classCounts();
    assert.deepEqual([Array.from(got.tp), Array.from(got.fp), Array.from(got.fn)], [
      ref.tp,
      ref.fp,
      ref.fn,
    ]);
  }));
});

Deno.test("property: merge is associative and commutative", () => {
  const matrix = fc.array(fc.tuple(fc.nat(3), fc.nat(3)), { maxLength: 50 }).map((pairs) =>
    new ConfusionMatrix(4).update(pairs.map(([a]) => a), pairs.map(([, b]) => b))
  );
  fc.assert(fc.property(matrix, matrix, matrix, (a, b, c) => {
    const left = a.clone().merge(b).merge(c);
    const right = a.clone().merge(b.clone().merge(c));
    const swapped = c.clone().merge(a).merge(b);
    assert.deepEqual(left.toArray(), right.toArray());
    assert.deepEqual(left.toArray(), swapped.toArray());
  }));
});
