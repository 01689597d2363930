/**
 * Replays the real-Keras 3.15.1 state goldens (golden/keras-state: tensorflow, jax, torch) and
 * checks that the replay catches a changed value.
 */
import assert from "node:assert/strict";
import { replayKerasStateGolden } from "../../tools/golden_keras_state.ts";

const DIR = new URL("../../golden/keras-state/", import.meta.url);
const BACKENDS = ["tensorflow", "jax", "torch"] as const;

// deno-lint-ignore no-explicit-any
function load(backend: string): any {
  return JSON.parse(Deno.readTextFileSync(new URL(`keras-v3.15.1-${backend}.json`, DIR)));
}

for (const b of BACKENDS) {
  Deno.test(`keras-state golden ${b}: every step bit-exact`, () => {
    const r = replayKerasStateGolden(load(b));
    assert.deepEqual(r.lines, []);
    assert.equal(r.failed, 0);
    assert.ok(r.passed >= 110, `only ${r.passed} checks`);
  });
}

Deno.test("keras-state golden: a mutated total_cm, result or error is caught", () => {
  const base = load("tensorflow");
  const cross = base.cases.findIndex((c: { name: string }) =>
    c.name === "float32_crossing_2^24[float32]"
  );
  assert.ok(cross >= 0);
  // the float32 sum past 2^24 rounds 16777219 to 16777220: claim the exact count instead
  const f1 = structuredClone(base);
  assert.equal(f1.cases[cross].records[2].total_cm[0][0], 16777220);
  f1.cases[cross].records[2].total_cm[0][0] = 16777219;
  assert.equal(replayKerasStateGolden(f1).failed, 1);
  // one ulp off in a result
  const f2 = structuredClone(base);
  const rec = f2.cases[cross].records[2];
  rec.result = String(Math.fround(Number(rec.result)) + 2 ** -24);
  assert.equal(replayKerasStateGolden(f2).failed, 1);
  // an error message changed
  const f3 = structuredClone(base);
  f3.cases[0].records[2].error = "AttributeError: 'MeanIoU' object has no attribute 'merge'";
  assert.equal(replayKerasStateGolden(f3).failed, 1);
  // a step that raised in Keras but is claimed not to
  const f4 = structuredClone(base);
  delete f4.cases[0].records[3].error;
  assert.equal(replayKerasStateGolden(f4).failed, 1);
});
