import assert from "node:assert/strict";
import {
  BinaryIoU,
  IoU,
  KerasError,
  MeanIoU,
  OneHotIoU,
  OneHotMeanIoU,
} from "../../lib/keras/mod.ts";
import { keras } from "../../mod.ts";

/** float32 bit pattern of a number, as hex (docs/keras.md lists these). */
function bits(x: number): string {
  const b = new DataView(new ArrayBuffer(4));
  b.setFloat32(0, x);
  assert.equal(Math.fround(x), x, `${x} is not a float32 value`);
  return b.getUint32(0).toString(16).padStart(8, "0");
}

const OH_TRUE = [[0, 0, 1], [1, 0, 0], [0, 1, 0], [1, 0, 0]];
const OH_PRED = [[0.2, 0.3, 0.5], [0.1, 0.2, 0.7], [0.5, 0.3, 0.1], [0.1, 0.4, 0.5]];

// Reference vectors of docs/keras.md (cross-checked against real Keras source;
// the tf.keras column equals the values printed in the tf.keras docstrings).
const VECTORS: Array<{
  name: string;
  run: (version: string) => number;
  expected: Record<string, string>;
}> = [
  {
    name: "IoU(2, [0])",
    run: (v) =>
      new IoU({ numClasses: 2, targetClassIds: [0], version: v })
        .updateState([0, 0, 1, 1], [0, 1, 0, 1]).result(),
    expected: { "2.15": "3eaaaaab", "3.7.0": "3eaaaaaa", "3.8.0": "3eaaaaaa" },
  },
  {
    name: "IoU(2, [0]) weighted",
    run: (v) =>
      new IoU({ numClasses: 2, targetClassIds: [0], version: v })
        .updateState([0, 0, 1, 1], [0, 1, 0, 1], [0.3, 0.3, 0.3, 0.1]).result(),
    expected: { "2.15": "3eaaaaab", "3.7.0": "3eaaaaa8", "3.8.0": "00000000" },
  },
  {
    name: "MeanIoU(2)",
    run: (v) =>
      new MeanIoU({ numClasses: 2, version: v }).updateState([0, 0, 1, 1], [0, 1, 0, 1])
        .result(),
    expected: { "2.15": "3eaaaaab", "3.7.0": "3eaaaaab", "3.8.0": "3eaaaaab" },
  },
  {
    name: "MeanIoU(2) weighted",
    run: (v) =>
      new MeanIoU({ numClasses: 2, version: v })
        .updateState([0, 0, 1, 1], [0, 1, 0, 1], [0.3, 0.3, 0.3, 0.1]).result(),
    expected: { "2.15": "3e73cf3e", "3.7.0": "3e73cf3a", "3.8.0": "00000000" },
  },
  {
    name: "BinaryIoU(t=0.3) weighted",
    run: (v) =>
      new BinaryIoU({ targetClassIds: [0, 1], threshold: 0.3, version: v })
        .updateState([0, 1, 0, 1], [0.1, 0.2, 0.4, 0.7], [0.2, 0.3, 0.4, 0.1]).result(),
    expected: { "2.15": "3e31c71d", "3.7.0": "3e31c71b", "3.8.0": "00000000" },
  },
  {
    name: "OneHotIoU(3, [0, 2]) weighted",
    run: (v) =>
      new OneHotIoU({ numClasses: 3, targetClassIds: [0, 2], version: v })
        .updateState(OH_TRUE, OH_PRED, [0.1, 0.2, 0.3, 0.4]).result(),
    expected: { "2.15": "3d924924", "3.7.0": "3d924922", "3.8.0": "00000000" },
  },
  {
    name: "OneHotMeanIoU(3) weighted",
    run: (v) =>
      new OneHotMeanIoU({ numClasses: 3, version: v })
        .updateState(OH_TRUE, OH_PRED, [0.1, 0.2, 0.3, 0.4]).result(),
    expected: { "2.15": "3d430c30", "3.7.0": "3d430c2d", "3.8.0": "00000000" },
  },
  {
    name: "IoU(2, [0, 1]) on a single perfect pixel",
    run: (v) =>
      new IoU({ numClasses: 2, targetClassIds: [0, 1], version: v })
        .updateState([0], [0]).result(),
    expected: { "2.15": "3f800000", "3.7.0": "3f7ffffc", "3.8.0": "3f7ffffc" },
  },
  {
    name: "MeanIoU(3), class 2 absent",
    run: (v) =>
      new MeanIoU({ numClasses: 3, version: v }).updateState([0, 0, 1], [0, 1, 1])
        .result(),
    expected: { "2.15": "3f000000", "3.7.0": "3f000000", "3.8.0": "3f000000" },
  },
  {
    name: "MeanIoU(3), float predictions truncated",
    run: (v) =>
      new MeanIoU({ numClasses: 3, version: v })
        .updateState([0, 1, 2, 2], [0.9, 1.99, 2.5, -0.5]).result(),
    expected: { "2.15": "3f2aaaab", "3.7.0": "3f2aaaaa", "3.8.0": "3f2aaaaa" },
  },
];

for (const v of VECTORS) {
  Deno.test(`reference vector: ${v.name}`, () => {
    for (const [version, hex] of Object.entries(v.expected)) {
      assert.equal(bits(v.run(version)), hex, `version ${version}`);
    }
  });
}

Deno.test("keras-team/keras#20574: one-go saturation and cross-batch rounding", () => {
  const n = 16777216 + 5;
  const old = new MeanIoU({ numClasses: 2, version: "3.7.0" });
  old.updateState(new Uint8Array(n), new Uint8Array(n));
  assert.equal(old.totalCm[0][0], 16777216);
  const fixed = new MeanIoU({ numClasses: 2, version: "3.8.0" });
  fixed.updateState(new Uint8Array(n), new Uint8Array(n));
  assert.equal(fixed.totalCm[0][0], 16777221);
  // total preset to 2^24, then a batch of 1155: f32(16777216 + 1155) rounds to even
  const drift = new MeanIoU({ numClasses: 2, version: "3.7.0" });
  drift.updateState(new Uint8Array(16777216), new Uint8Array(16777216));
  drift.updateState(new Uint8Array(1155), new Uint8Array(1155));
  assert.equal(drift.totalCm[0][0], 16778372);
  const exact = new MeanIoU({ numClasses: 2, version: "3.15.1" });
  exact.updateState(new Uint8Array(16777216), new Uint8Array(16777216));
  exact.updateState(new Uint8Array(1155), new Uint8Array(1155));
  assert.equal(exact.totalCm[0][0], 16778371);
});

Deno.test("compiled float32 cells freeze at 2^24 across batches, eager ones keep rounding", () => {
  const batch = new Uint8Array(10000001);
  const eager = new MeanIoU({ numClasses: 2, version: "3.7.0", backend: "jax" });
  const xla = new MeanIoU({ numClasses: 2, version: "3.7.0", backend: "jax", compiled: "xla" });
  for (const m of [eager, xla]) {
    m.updateState(batch, batch);
    m.updateState(batch.subarray(1), batch.subarray(1));
  }
  // 10,000,001 + 10,000,000 = 20,000,001: eager rounds to even, XLA stops at 2^24
  assert.equal(eager.totalCm[0][0], 20000000);
  assert.equal(xla.totalCm[0][0], 16777216);
  // the int state of 3.8+ is exact in both modes
  const fixed = new MeanIoU({ numClasses: 2, version: "3.8.0", backend: "jax", compiled: "xla" });
  fixed.updateState(batch, batch);
  fixed.updateState(batch.subarray(1), batch.subarray(1));
  assert.equal(fixed.totalCm[0][0], 20000001);
});

/** Same data through the unit fast path and the ordered weighted path (one extra 0-weight pixel). */
function bothPaths(
  make: () => IoU,
  yTrue: number[],
  yPred: number[],
): [IoU, IoU, IoU] {
  const fast = make().updateState(Int32Array.from(yTrue), Uint8Array.from(yPred));
  const loop = make().updateState(yTrue, yPred); // plain arrays: the per-element loop
  const w = new Float32Array(yTrue.length + 1).fill(1);
  w[yTrue.length] = 0;
  const slow = make().updateState([...yTrue, 1], [...yPred, 0], w);
  return [fast, loop, slow];
}

Deno.test("fast path (exact counts), counting loop and ordered weighted path agree", () => {
  const yTrue: number[] = [];
  const yPred: number[] = [];
  let s = 12345;
  for (let i = 0; i < 5000; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    yTrue.push(s % 5);
    yPred.push((s >>> 8) % 5 === 0 ? (s >>> 12) % 5 : s % 5);
  }
  for (const version of ["2.15", "3.7.0", "3.8.0", "3.15.1"]) {
    for (const backend of ["tensorflow", "jax", "numpy"] as const) {
      if (version === "2.15" && backend !== "tensorflow") continue;
      const [a, b, c] = bothPaths(
        () => new MeanIoU({ numClasses: 5, version, backend, ignoreClass: 4 }),
        yTrue,
        yPred,
      );
      assert.deepEqual(a.totalCm, b.totalCm);
      assert.deepEqual(a.totalCm, c.totalCm);
      assert.equal(a.result(), c.result());
    }
  }
});

Deno.test("fast and ordered paths agree past 2^24, eager and compiled", () => {
  const n = 16777216 + 3000;
  const t = new Uint8Array(n);
  const p = new Uint8Array(n);
  p.fill(1, n - 1000);
  const w = new Float32Array(n + 1).fill(1);
  w[n] = 0;
  const t2 = new Uint8Array(n + 1);
  const p2 = new Uint8Array(n + 1);
  p2.set(p);
  for (const compiled of [false, "xla"] as const) {
    const fast = new MeanIoU({ numClasses: 2, version: "3.7.0", backend: "tensorflow", compiled });
    const slow = new MeanIoU({ numClasses: 2, version: "3.7.0", backend: "tensorflow", compiled });
    for (let k = 0; k < 2; k++) {
      fast.updateState(t, p);
      slow.updateState(t2, p2, w);
    }
    assert.deepEqual(fast.totalCm, slow.totalCm);
    // eager: each batch sticks at 2^24, the two batch matrices add up to 2^25; XLA: stuck for good
    assert.equal(fast.totalCm[0][0], compiled ? 16777216 : 33554432);
    assert.equal(fast.result(), slow.result());
  }
});

Deno.test("out-of-range ids before 3.15: numpy and torch wrap -1 and raise on K, TF raises, JAX drops K", () => {
  const mk = (backend: "numpy" | "tensorflow" | "jax" | "torch", version = "3.7.0") =>
    new MeanIoU({ numClasses: 3, version, backend });
  // numpy: -1 wraps to the last class
  const np = mk("numpy").updateState([0, 1, 2, 2], [0, 1, 2, -1]);
  assert.deepEqual(np.totalCm, [[1, 0, 0], [0, 1, 0], [0, 0, 2]]);
  // numpy: id == K raises IndexError and leaves the state unchanged
  const npK = mk("numpy");
  assert.throws(() => npK.updateState([0, 1, 2, 2], [0, 1, 2, 3]), (e: unknown) => {
    assert.ok(e instanceof KerasError);
    assert.equal(e.kerasError, "IndexError: index 3 is out of bounds for axis 1 with size 3");
    assert.match(e.message, /Keras 3\.7\.0 MeanIoU on numpy/);
    return true;
  });
  assert.deepEqual(npK.totalCm, [[0, 0, 0], [0, 0, 0], [0, 0, 0]]);
  assert.equal(npK.result(), 0);
  // TensorFlow eager: InvalidArgumentError for -1 too
  assert.throws(
    () => mk("tensorflow").updateState([0, 1, 2, -1], [0, 1, 2, 2]),
    (e: unknown) => e instanceof KerasError && e.kerasErrorType === "InvalidArgumentError",
  );
  // TF compiled (XLA): dropped
  const xla = new MeanIoU({ numClasses: 3, version: "3.8.0", compiled: "xla" });
  xla.updateState([0, 1, 2, -1], [0, 1, 2, 2]);
  assert.deepEqual(xla.totalCm, [[1, 0, 0], [0, 1, 0], [0, 0, 1]]);
  // JAX: -1 wraps, K dropped
  const jax = mk("jax", "3.8.0").updateState([0, 1, 2, 3, -1], [0, 1, 2, 2, 2]);
  assert.deepEqual(jax.totalCm, [[1, 0, 0], [0, 1, 0], [0, 0, 2]]);
  // torch (emulated from the notes): like numpy, with torch's wording
  assert.throws(
    () => mk("torch", "3.8.0").updateState([0, 3], [0, 0]),
    (e: unknown) =>
      e instanceof KerasError &&
      e.kerasError === "IndexError: index 3 is out of bounds for dimension 0 with size 3",
  );
  // 3.15+: masked everywhere
  for (const backend of ["numpy", "tensorflow", "jax", "torch"] as const) {
    const m = mk(backend, "3.15.1").updateState([0, 1, 2, 3, -1], [0, 1, 2, 2, -1]);
    assert.deepEqual(m.totalCm, [[1, 0, 0], [0, 1, 0], [0, 0, 1]]);
  }
  // tf.keras: TF's label asserts
  assert.throws(
    () => mk("tensorflow", "2.15").updateState([0, 1, 2, 3], [0, 1, 2, 2]),
    /`labels` out of bound/,
  );
});

Deno.test("ignore_class: ignored pixels never fail, kept ones still do", () => {
  const m = new MeanIoU({ numClasses: 3, version: "3.8.0", backend: "numpy", ignoreClass: 255 });
  m.updateState([255, 0, 1], [7, 0, 1]); // the 7 sits on an ignored pixel
  assert.deepEqual(m.totalCm, [[1, 0, 0], [0, 1, 0], [0, 0, 0]]);
  assert.throws(() => m.updateState([0, 1], [7, 1]), KerasError);
  assert.deepEqual(m.totalCm, [[1, 0, 0], [0, 1, 0], [0, 0, 0]]);
});

Deno.test("NaN weight on an ignored pixel poisons cell (0, 0) in 3.3-3.14 only", () => {
  const run = (version: string) =>
    new MeanIoU({ numClasses: 2, version, dtype: "float32", ignoreClass: 1, backend: "numpy" })
      .updateState([1, 0], [1, 0], new Float32Array([NaN, 1])).totalCm[0][0];
  assert.ok(Number.isNaN(run("3.7.0")));
  assert.ok(Number.isNaN(run("3.8.0")));
  assert.equal(run("3.15.1"), 1);
  assert.equal(run("3.2.0"), 1); // 3.0-3.2 remove ignored pixels
});

Deno.test("float weights with an int state: truncated, with Keras's warning for arrays", () => {
  const m = new MeanIoU({ numClasses: 2, version: "3.8.0" });
  m.updateState([0, 1], [0, 1], new Float32Array([1.9, 0.5]));
  assert.deepEqual(m.totalCm, [[1, 0], [0, 0]]);
  assert.equal(m.warnings.length, 1);
  assert.match(m.warnings[0], /You are passing weight as `float`, but dtype is `int`/);
  const scalar = new MeanIoU({ numClasses: 2, version: "3.8.0" });
  scalar.updateState([0, 1], [0, 1], 0.75); // a Python float: silent in Keras
  assert.deepEqual(scalar.totalCm, [[0, 0], [0, 0]]);
  assert.equal(scalar.warnings.length, 0);
  assert.equal(scalar.result(), 0);
  assert.ok(scalar.caveats.some((c) => /silently truncates/.test(c)));
  const old = new MeanIoU({ numClasses: 2, version: "3.7.0" });
  old.updateState([0, 1], [0, 1], new Float32Array([1.9, 0.5]));
  assert.deepEqual(old.totalCm, [[Math.fround(1.9), 0], [0, 0.5]]);
  assert.equal(old.warnings.length, 0);
});

Deno.test("int32 state wraps on JAX/numpy/torch, int64 on TensorFlow does not (golden S8)", () => {
  for (
    const [backend, cell, result] of [
      ["jax", -2147483648, 10000000],
      ["numpy", -2147483648, 10000000],
      ["torch", -2147483648, 10000000],
      ["tensorflow", 2147483648, 0.9999998807907104],
    ] as const
  ) {
    const m = new MeanIoU({ numClasses: 2, version: "3.8.0", backend });
    m.updateState([0], [0], { data: [2147483647], shape: [1], dtype: "int64" });
    m.updateState([0], [0], { data: [1], shape: [1], dtype: "int64" });
    assert.equal(m.totalCm[0][0], cell, backend);
    assert.equal(m.result(), result, backend);
  }
});

Deno.test("NumPy 1 makes Keras 3.7/3.8 return a float64 result (docstring case 1)", () => {
  const np1 = new MeanIoU({
    numClasses: 2,
    version: "3.7.0",
    backend: "numpy",
    numpyVersion: "1.24.2",
  });
  np1.updateState([0, 0, 1, 1], [0, 1, 0, 1]);
  // f64(sum_f32(iou)) / (2 + 1e-7), the sum being 2 * f32(1 / 3)
  const sum = Math.fround(2 * Math.fround(1 / Math.fround(3 + 1e-7)));
  assert.equal(np1.result(), sum / (2 + 1e-7));
  const np2 = new MeanIoU({
    numClasses: 2,
    version: "3.7.0",
    backend: "numpy",
    numpyVersion: "2.4.6",
  });
  np2.updateState([0, 0, 1, 1], [0, 1, 0, 1]);
  assert.equal(np2.result(), Math.fround(sum / 2));
  const v315 = new MeanIoU({
    numClasses: 2,
    version: "3.15.1",
    backend: "numpy",
    numpyVersion: "1.24.2",
  });
  v315.updateState([0, 0, 1, 1], [0, 1, 0, 1]);
  assert.equal(v315.result(), Math.fround(sum / 2));
});

Deno.test("compiled single-target IoU before 3.15: one division instead of two (golden S6)", () => {
  // tp = 18, den = 40 (a 2-class toy with the same counts for class 0)
  const yt = [...Array(18).fill(0), ...Array(22).fill(0)];
  const yp = [...Array(18).fill(0), ...Array(22).fill(1)];
  const eager = new IoU({ numClasses: 2, targetClassIds: [0], version: "3.7.0" });
  const xla = new IoU({ numClasses: 2, targetClassIds: [0], version: "3.7.0", compiled: "xla" });
  eager.updateState(yt, yp);
  xla.updateState(yt, yp);
  const e = Math.fround(1e-7);
  const den = Math.fround(40 + e);
  const nv = Math.fround(1 + e);
  assert.equal(eager.result(), Math.fround(Math.fround(18 / den) / nv));
  assert.equal(xla.result(), Math.fround(18 / Math.fround(den * nv)));
  assert.equal(eager.result(), 0.44999992847442627);
  assert.equal(xla.result(), 0.44999995827674866);
});

Deno.test("input forms: nested arrays, typed arrays and { data, shape } give the same state", () => {
  const nested = new MeanIoU({ numClasses: 3 }).updateState([[0, 1], [2, 2]], [[0, 2], [2, 1]]);
  const typed = new MeanIoU({ numClasses: 3 }).updateState(
    new Int32Array([0, 1, 2, 2]),
    new Uint8Array([0, 2, 2, 1]),
  );
  const explicit = new MeanIoU({ numClasses: 3 }).updateState(
    { data: [0, 1, 2, 2], shape: [2, 2] },
    { data: new Float32Array([0, 2, 2, 1]), shape: [2, 2] },
  );
  assert.deepEqual(nested.totalCm, [[1, 0, 0], [0, 0, 1], [0, 1, 1]]);
  assert.deepEqual(typed.totalCm, nested.totalCm);
  assert.deepEqual(explicit.totalCm, nested.totalCm);
  assert.throws(
    () => new MeanIoU({ numClasses: 3 }).updateState([[0, 1], [2]], [0, 1, 2]),
    RangeError,
  );
});

Deno.test("argmax over a channels-first axis, and Keras 3's result() failing for axis=1", () => {
  // shape (2 classes, 3 pixels): argmax over axis 0
  const probs = { data: [0.9, 0.2, 0.4, 0.1, 0.8, 0.6], shape: [2, 3] };
  const m = new MeanIoU({ numClasses: 2, sparseYPred: false, axis: 0 });
  m.updateState([0, 1, 1], probs);
  assert.deepEqual(m.totalCm, [[1, 0], [0, 2]]);
  const bad = new MeanIoU({ numClasses: 2, sparseYPred: false, axis: 1 });
  bad.updateState([0, 1], { data: [0.9, 0.1, 0.2, 0.8], shape: [2, 2] });
  assert.throws(
    () => bad.result(),
    (e: unknown) => e instanceof KerasError && e.kerasErrorType === "AxisError",
  );
});

Deno.test("constructor checks mirror Keras and the version's API", () => {
  assert.throws(
    () => new IoU({ numClasses: 3, targetClassIds: [0, 3] }),
    /ValueError: Target class id 3 is out of range/,
  );
  assert.throws(
    () => new IoU({ numClasses: 3, targetClassIds: [0], version: "2.7" }),
    /AttributeError/,
  );
  assert.throws(
    () => new MeanIoU({ numClasses: 3, version: "2.9", ignoreClass: 0 }),
    /unexpected keyword argument 'ignore_class'/,
  );
  assert.throws(() => new MeanIoU({ numClasses: 3, version: "2.3" }), RangeError);
  assert.throws(() => new MeanIoU({ numClasses: 3, backend: "jax", version: "2.15" }), RangeError);
  assert.throws(
    () => new MeanIoU({ numClasses: 3, backend: "numpy", compiled: "xla" }),
    RangeError,
  );
  assert.throws(
    () => new MeanIoU({ numClasses: 1.5 }),
    /numClasses to be an integer >= 1, but found 1.5/,
  );
  assert.throws(() => new MeanIoU({ numClasses: 2, version: "3.7.0", dtype: "int32" }), RangeError);
});

Deno.test("dtype resolution: 'int' is int64 on TensorFlow, int32 elsewhere; JAX narrows 64-bit", () => {
  assert.equal(new MeanIoU({ numClasses: 2, version: "3.8" }).stateDtype, "int64");
  assert.equal(new MeanIoU({ numClasses: 2, version: "3.8", backend: "jax" }).stateDtype, "int32");
  assert.equal(
    new MeanIoU({ numClasses: 2, version: "3.8", backend: "torch" }).stateDtype,
    "int32",
  );
  assert.equal(
    new MeanIoU({ numClasses: 2, version: "3.8", backend: "jax", dtype: "int64" }).stateDtype,
    "int32",
  );
  assert.equal(
    new MeanIoU({ numClasses: 2, version: "3.7.0", dtype: "float64" }).stateDtype,
    "float32",
  );
  assert.equal(
    new MeanIoU({ numClasses: 2, version: "3.15.1", dtype: "float32" }).stateDtype,
    "float32",
  );
  const jaxWarn = new MeanIoU({ numClasses: 2, version: "3.15.1", backend: "jax" });
  jaxWarn.updateState({ data: [0, 1], shape: [2], dtype: "int64" }, [0, 1]);
  assert.ok(jaxWarn.warnings.some((w) => /truncated to dtype int32/.test(w)));
});

Deno.test("the mod.ts namespace exposes the classes and resetState clears the state", () => {
  const m = new keras.MeanIoU({ numClasses: 2, version: "3.15.1", backend: "jax" });
  m.updateState([0, 1], [0, 1]);
  assert.notDeepEqual(m.totalCm, [[0, 0], [0, 0]]);
  m.resetState();
  assert.deepEqual(m.totalCm, [[0, 0], [0, 0]]);
  assert.equal(m.result(), 0);
  assert.equal(m.name, "mean_iou");
});
