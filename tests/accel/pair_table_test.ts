import assert from "node:assert/strict";
import fc from "fast-check";
import {
  countPairTable,
  foldPairTable,
  pairCoding,
  predCode,
  toIntegerLabels,
  trueCode,
} from "../../lib/accel/pair_table.ts";
import { ConfusionMatrix } from "../../lib/core/confusion_matrix.ts";

/** Independent count: one map lookup per pixel with trueCode / predCode. */
function naive(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  C: number,
  ignore: readonly number[],
) {
  const coding = pairCoding(C, ignore)!;
  const table = new Float64Array(coding.height * coding.width);
  for (let i = 0; i < yTrue.length; i++) {
    table[trueCode(coding, yTrue[i]) * coding.width + predCode(coding, yPred[i])] += 1;
  }
  return table;
}

Deno.test("countPairTable: byte word loads, offsets and tails equal the naive count", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 2, max: 9 }),
      fc.uint8Array({ maxLength: 300 }),
      fc.integer({ min: 0, max: 7 }),
      fc.integer({ min: 0, max: 7 }),
      fc.constantFrom([], [255], [0, 3]),
      (C, bytes, offT, offP, ignore) => {
        const raw = bytes.map((b) => b % (C + 3) === C + 2 ? 255 : b % (C + 3));
        const bufT = new Uint8Array(raw.length + 8), bufP = new Uint8Array(raw.length + 8);
        bufT.set(raw, offT);
        bufP.set(raw.slice().reverse(), offP);
        const yt = bufT.subarray(offT, offT + raw.length);
        const yp = bufP.subarray(offP, offP + raw.length);
        const coding = pairCoding(C, ignore)!;
        const got = countPairTable(yt, yp, coding, new Float64Array(coding.height * coding.width));
        assert.deepEqual([...got], [...naive(yt, yp, C, ignore)]);
        // the generic (non-byte) path gives the same table
        const gen = countPairTable(
          Int32Array.from(yt),
          Uint16Array.from(yp),
          coding,
          new Float64Array(coding.height * coding.width),
        );
        assert.deepEqual([...gen], [...got]);
      },
    ),
  );
});

Deno.test("countPairTable: int32 labels with negatives and extremes", () => {
  const coding = pairCoding(3, [-1])!;
  const yt = new Int32Array([0, -1, -2, 2 ** 31 - 1, -(2 ** 31), 2]);
  const yp = new Int32Array([3, 0, 1, 1, 2, -(2 ** 31)]);
  const got = countPairTable(yt, yp, coding, new Float64Array(coding.height * coding.width));
  assert.deepEqual([...got], [...naive(yt, yp, 3, [-1])]);
  // by hand: (0,oor) (ignored) (oor,1) (oor,1) (oor,2) (2,oor)
  assert.equal(got[0 * 4 + 3], 1);
  assert.equal(got[4 * 4 + 0], 1);
  assert.equal(got[3 * 4 + 1], 2);
  assert.equal(got[3 * 4 + 2], 1);
  assert.equal(got[2 * 4 + 3], 1);
});

Deno.test("toIntegerLabels passes integer arrays through and refuses non-integers", () => {
  const u8 = new Uint8Array([1]);
  assert.equal(toIntegerLabels(u8), u8);
  assert.deepEqual(
    toIntegerLabels(new Float64Array([-3, 2 ** 31 - 1])),
    new Int32Array([-3, 2 ** 31 - 1]),
  );
  assert.equal(toIntegerLabels([2 ** 31]), null);
  assert.equal(toIntegerLabels([NaN]), null);
  assert.equal(toIntegerLabels(new Float32Array([Infinity])), null);
});

Deno.test("pairCoding validates numClasses and refuses non-int32 ignore values", () => {
  assert.throws(
    () => pairCoding(1.5, []),
    /Expected numClasses to be an integer >= 2, but found 1.5/,
  );
  assert.equal(pairCoding(3, [0.5]), null);
  assert.deepEqual(pairCoding(3, [255, 255])!.ignore, [255]);
});

Deno.test("foldPairTable applies drop / miss like the core and refuses error, leaving cm untouched", () => {
  const coding = pairCoding(2, [])!;
  // rows: true 0, true 1, true out of range, ignored; columns: pred 0, pred 1, out of range
  const table = [5, 1, 2, 0, 3, 7, 4, 0, 1, 9, 9, 9];
  const drop = new ConfusionMatrix(2, { outOfRange: "drop" });
  assert.equal(foldPairTable(drop, table, coding), true);
  assert.deepEqual([...drop.counts()], [5, 1, 0, 3]);
  assert.deepEqual([...drop.missed()], [0, 0]);
  // "miss": an out-of-range true label is still an error for the core, so that table is refused
  const miss = new ConfusionMatrix(2, { outOfRange: "miss" });
  assert.equal(foldPairTable(miss, table, coding), false);
  assert.equal(miss.total, 0);
  // without out-of-range true labels, the (class, pred out of range) column becomes missed()
  const predOnly = [5, 1, 2, 0, 3, 7, 0, 0, 0, 9, 9, 9];
  assert.equal(foldPairTable(miss, predOnly, coding), true);
  assert.deepEqual([...miss.counts()], [5, 1, 0, 3]);
  assert.deepEqual([...miss.missed()], [2, 7]);
  const strict = new ConfusionMatrix(2, { outOfRange: "error" });
  assert.equal(foldPairTable(strict, table, coding), false);
  assert.equal(strict.total, 0);
  // a table without out-of-range pairs folds under "error" too
  const clean = [5, 1, 0, 0, 3, 0, 0, 0, 0, 9, 9, 9];
  assert.equal(foldPairTable(strict, clean, coding), true);
  assert.deepEqual([...strict.counts()], [5, 1, 0, 3]);
});
