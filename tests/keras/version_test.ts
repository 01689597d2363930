import assert from "node:assert/strict";
import {
  NEWEST_KERAS_VERSION,
  parseKerasBackend,
  parseKerasVersion,
} from "../../lib/keras/version.ts";

Deno.test("version strings map to the documented behaviour changes", () => {
  const cases: Array<[string, string, string]> = [
    ["2.15", "tf.keras", "remove"],
    ["2.6.0", "tf.keras", "remove"],
    ["3.0.0", "float32-state", "remove"],
    ["3.2.1", "float32-state", "remove"],
    ["3.3", "float32-state", "multiply"],
    ["3.7.0", "float32-state", "multiply"],
    ["3.8", "int-state", "multiply"],
    ["v3.14.1", "int-state", "multiply"],
    ["3.15.1", "masked", "where"],
    ["3.16.0rc0", "masked", "where"],
  ];
  for (const [v, generation, ignore] of cases) {
    const p = parseKerasVersion(v);
    assert.equal(p.generation, generation, v);
    assert.equal(p.ignoreMode, ignore, v);
  }
  assert.equal(parseKerasVersion("3.7.0").defaultDtype, "float32");
  assert.equal(parseKerasVersion("3.8.0").defaultDtype, "int");
  assert.equal(parseKerasVersion("2.15").epsilon, false);
  assert.equal(parseKerasVersion("3.0").epsilon, true);
  assert.equal(parseKerasVersion("2.9").hasSparseOptions, false);
  assert.equal(parseKerasVersion("2.7").hasIoUFamily, false);
  assert.equal(parseKerasVersion().version, NEWEST_KERAS_VERSION);
});

Deno.test("versions that are not emulated are refused, not guessed", () => {
  assert.throws(() => parseKerasVersion("2.3"), /2\.6 or newer/);
  assert.throws(() => parseKerasVersion("4.0"), RangeError);
  assert.throws(() => parseKerasVersion("latest"), /Keras version such as/);
  assert.throws(() => parseKerasBackend("mlx"), /one of tensorflow, jax, torch, numpy/);
});
