import assert from "node:assert/strict";
import fc from "fast-check";
import { argmax } from "../../lib/core/argmax.ts";

/** Obviously correct reference: index arithmetic over nested loops, ties to the first index. */
function slowArgmax(shape: number[], data: number[], axis: number): number[] {
  const rank = shape.length;
  const ax = axis < 0 ? axis + rank : axis;
  const strides = shape.map((_, d) => shape.slice(d + 1).reduce((a, b) => a * b, 1));
  const outShape = shape.filter((_, d) => d !== ax);
  const n = outShape.reduce((a, b) => a * b, 1);
  const out: number[] = [];
  for (let flat = 0; flat < n; flat++) {
    // unravel flat over outShape
    const idx: number[] = [];
    let r = flat;
    for (let d = outShape.length - 1; d >= 0; d--) {
      idx.unshift(r % outShape[d]);
      r = Math.floor(r / outShape[d]);
    }
    idx.splice(ax, 0, 0);
    let best = -1, bestV = -Infinity;
    for (let c = 0; c < shape[ax]; c++) {
      idx[ax] = c;
      const v = data[idx.reduce((s, x, d) => s + x * strides[d], 0)];
      if (best < 0 || v > bestV) {
        best = c;
        bestV = v;
      }
    }
    out.push(best);
  }
  return out;
}

Deno.test("argmax: last axis and channels-first axis, ties to the first maximum", () => {
  // (N=1, H=1, W=2, C=3)
  const a = argmax({ shape: [1, 1, 2, 3], data: [0.2, 0.5, 0.5, 3, -1, 3] }, -1);
  assert.deepEqual(a.shape, [1, 1, 2]);
  assert.deepEqual([...a.data], [1, 0]);
  // the same scores channels-first (N=1, C=3, H=1, W=2): score[c][w]
  const b = argmax({ shape: [1, 3, 1, 2], data: [0.2, 3, 0.5, -1, 0.5, 3] }, 1);
  assert.deepEqual(b.shape, [1, 1, 2]);
  assert.deepEqual([...b.data], [1, 0]);
  const inf = argmax({ shape: [3], data: [-Infinity, Infinity, Infinity] }, 0);
  assert.deepEqual([...inf.data], [1]);
});

Deno.test("argmax: equals a slow reference on random shapes, axes and tied values", () => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 }),
      fc.integer({ min: -4, max: 3 }),
      fc.infiniteStream(fc.integer({ min: -2, max: 2 })),
      (shape, rawAxis, values) => {
        const axis = ((rawAxis % shape.length) + shape.length) % shape.length -
          (rawAxis < 0 ? shape.length : 0);
        const n = shape.reduce((a, b) => a * b, 1);
        const data = Array.from({ length: n }, () => values.next().value as number);
        const got = argmax({ shape, data: new Float32Array(data) }, axis);
        assert.deepEqual([...got.data], slowArgmax(shape, data, axis));
      },
    ),
  );
});

Deno.test("argmax: NaN is an error naming its index, or numpy's first-NaN rule", () => {
  const x = { shape: [2, 3], data: [0, 1, 2, 5, NaN, 1] };
  assert.throws(() => argmax(x, 1, { source: "probs.npy" }), /probs\.npy.*NaN at index \(1, 1\)/);
  const y = argmax(x, 1, { nan: "first-nan" });
  assert.deepEqual([...y.data], [2, 1]); // np.argmax([[0,1,2],[5,nan,1]], 1) == [2, 1]
  const z = argmax({ shape: [2], data: [NaN, 3] }, 0, { nan: "first-nan" });
  assert.deepEqual([...z.data], [0]);
});

Deno.test("argmax: output type follows the axis length; bad arguments throw", () => {
  assert.ok(argmax({ shape: [2, 256], data: new Float32Array(512) }, 1).data instanceof Uint8Array);
  assert.ok(
    argmax({ shape: [1, 257], data: new Float32Array(257) }, 1).data instanceof Uint16Array,
  );
  assert.throws(() => argmax({ shape: [2, 3], data: new Float32Array(6) }, 2), /axis.*\[-2, 1\]/);
  assert.throws(() => argmax({ shape: [2, 3], data: new Float32Array(5) }, 1), /6 values/);
  assert.throws(() => argmax({ shape: [2, 0], data: new Float32Array(0) }, 1), /non-empty/);
});
