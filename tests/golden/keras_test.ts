import assert from "node:assert/strict";
import { generateGoldenBatch } from "../../lib/io/golden_generator.ts";
import { replayGoldenDirs, replayKerasGolden } from "../../tools/golden.ts";

const FIXTURES = new URL("../fixtures/", import.meta.url).pathname;
const KERAS_GOLDEN = new URL("../../golden/keras/", import.meta.url).pathname;

Deno.test("extra real-Keras 3.15.1 runs (tools/keras_oracle.py, scenarios X) replay exactly", () => {
  const r = replayGoldenDirs([FIXTURES]);
  assert.ok(r.passed > 790, `only ${r.passed} records compared`);
  // Including the TF XLA MeanIoU with 12 and 16 classes and an int64 state, whose IoU sum LLVM
  // vectorizes (see sumXlaCpu and tests/float32/keras_tf_xla_sum_test.ts).
  assert.deepEqual(r.lines, []);
  assert.equal(r.failed, 0);
});

const TINY = () => ({
  keras_version: "3.7.0",
  keras_backend: "tensorflow",
  compiled: null,
  scenarios: {
    S9: [{
      name: "S9a",
      y_true: [0, 1, 2, 2],
      y_pred: [0, 1, 2, -1],
      metrics: [{ class: "MeanIoU", config: { num_classes: 3, dtype: "float32" } }],
      per_metric: [{
        error: "InvalidArgumentError: indices[3] = [2, -1] does not index into shape [3,3]",
        result: 0,
        total_cm: [[0, 0, 0], [0, 0, 0], [0, 0, 0]],
      }],
    }],
  },
});

Deno.test("a replay reports each mismatch (result bits, matrix, error) on its own line", () => {
  assert.deepEqual(replayKerasGolden(TINY(), "tiny"), { passed: 1, failed: 0, lines: [] });
  // the same record against numpy: -1 wraps there, no error, a different matrix and result
  const numpy = { ...TINY(), keras_backend: "numpy" };
  const r = replayKerasGolden(numpy, "tiny-numpy");
  assert.equal(r.failed, 1);
  assert.match(r.lines[0], /error expected InvalidArgumentError.*got none/);
  assert.match(r.lines[0], /total_cm expected/);
  assert.match(r.lines[0], /result expected 0, got 0\.99999/);
  // a result one ulp off is a mismatch
  const off = TINY();
  off.scenarios.S9[0].per_metric[0].result = 1e-45;
  assert.equal(replayKerasGolden(off, "off").failed, 1);
});

Deno.test("golden dispatch: peer-library files are not supported yet, counted as failed", () => {
  const dir = Deno.makeTempDirSync();
  try {
    Deno.writeTextFileSync(`${dir}/torchmetrics.json`, JSON.stringify({ library: "torchmetrics" }));
    Deno.writeTextFileSync(`${dir}/keras.json`, JSON.stringify(TINY()));
    Deno.writeTextFileSync(`${dir}/other.json`, JSON.stringify({ hello: 1 }));
    const r = replayGoldenDirs([dir]);
    assert.equal(r.passed, 1);
    assert.equal(r.failed, 1);
    assert.match(r.lines.join("\n"), /torchmetrics.*not supported yet/);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test({
  name: "the generator reproduces the inputs stored in the shared golden files",
  fn: () => {
    const file = JSON.parse(Deno.readTextFileSync(`${KERAS_GOLDEN}keras-v3.15.1-tensorflow.json`));
    let checked = 0;
    for (const value of Object.values(file.scenarios)) {
      for (const sc of (Array.isArray(value) ? value : [value]) as Array<Record<string, never>>) {
        const gen = sc.generator;
        const inputs = sc.inputs as Array<Record<string, number[] | null>> | null | undefined;
        if (!gen || !Array.isArray(inputs)) continue;
        inputs.forEach((inp, b) => {
          const g = generateGoldenBatch(gen, b);
          assert.deepEqual(Array.from(g.yTrue), inp.y_true);
          assert.deepEqual(Array.from(g.yPred), inp.y_pred);
          if (inp.sample_weight) {
            assert.deepEqual(Array.from(g.sampleWeight ?? []), inp.sample_weight);
          }
          checked++;
        });
      }
    }
    assert.ok(checked >= 20);
  },
});

Deno.test({
  name:
    "NumPy 1: Keras 3.7/3.8 return float64, 3.15 float32 (final results of compare.md's np1 columns)",
  fn: () => {
    const rows = Deno.readTextFileSync(`${KERAS_GOLDEN}compare.md`).split("\n").filter((l) =>
      l.startsWith("| S")
    );
    const column: Record<string, number> = { "3.7.0": 1, "3.8.0": 3, "3.15.1": 5 };
    for (const v of ["3.7.0", "3.8.0", "3.15.1"]) {
      const file = JSON.parse(Deno.readTextFileSync(`${KERAS_GOLDEN}keras-v${v}-np2.json`));
      file.numpy_version = "1.24.2";
      delete file.scenarios.T1;
      const expected = new Map<string, string>();
      for (const l of rows) {
        const c = l.split("|").map((x) => x.trim());
        expected.set(c[1], c[1 + column[v]]);
      }
      let finals = 0;
      for (const value of Object.values(file.scenarios)) {
        // deno-lint-ignore no-explicit-any
        for (const sc of (Array.isArray(value) ? value : [value]) as any[]) {
          // deno-lint-ignore no-explicit-any
          const lists: any[][] = Array.isArray(sc.steps)
            // deno-lint-ignore no-explicit-any
            ? sc.steps.map((s: any) => s.per_metric)
            : [sc.per_metric];
          lists.forEach((recs, si) =>
            // deno-lint-ignore no-explicit-any
            recs.forEach((r: any, mi: number) => {
              if (si < lists.length - 1) {
                delete r.result; // only final values are listed for NumPy 1
                return;
              }
              const e = expected.get(`${sc.name}/m${mi}`);
              assert.ok(e !== undefined, `${sc.name}/m${mi} in compare.md`);
              if (!e.startsWith("ERR")) r.result = Number(e.split(" ")[0]);
              finals++;
            })
          );
        }
      }
      const r = replayKerasGolden(file, `np1-${v}`);
      assert.deepEqual(r.lines, []);
      assert.ok(finals >= 30);
    }
  },
});
