import assert from "node:assert/strict";
import { replayMultilabelGolden } from "../../tools/golden_multilabel.ts";
import { OTHER_LIBRARY_REPLAYS } from "../../tools/golden_replays.ts";

const dir = new URL("../../golden/peers/", import.meta.url);

// deno-lint-ignore no-explicit-any
type Golden = Record<string, any>;

function goldens(): { name: string; data: Golden }[] {
  return [...Deno.readDirSync(dir)]
    .filter((e) => e.isFile && e.name.startsWith("peers-multilabel-") && e.name.endsWith(".json"))
    .map((e) => ({ name: e.name, data: JSON.parse(Deno.readTextFileSync(new URL(e.name, dir))) }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

function file(library: string): Golden {
  return structuredClone(goldens().find((f) => f.data.library === library)!.data);
}

Deno.test("multilabel goldens: real torchmetrics and scikit-learn outputs reproduced exactly", () => {
  const files = goldens();
  assert.deepEqual([...new Set(files.map((f) => f.data.library))].sort(), [
    "scikit-learn-multilabel",
    "torchmetrics-multilabel",
  ]);
  // scikit-learn 1.6.1 and 1.9.1 (same behaviour on every case), torchmetrics 1.9.0
  assert.deepEqual(files.map((f) => f.data.library_version).sort(), ["1.6.1", "1.9.0", "1.9.1"]);
  assert.equal(OTHER_LIBRARY_REPLAYS["torchmetrics-multilabel"], replayMultilabelGolden);
  assert.equal(OTHER_LIBRARY_REPLAYS["scikit-learn-multilabel"], replayMultilabelGolden);
  const minimum: Record<string, number> = {
    "torchmetrics-multilabel": 1000,
    "scikit-learn-multilabel": 700,
  };
  for (const { name, data } of files) {
    const r = replayMultilabelGolden(data);
    assert.equal(r.failed, 0, `${name}:\n${r.lines.slice(0, 10).join("\n")}`);
    assert.ok(r.passed >= minimum[data.library], `${name}: only ${r.passed} cases`);
    // every kind of call is there, errors included
    const calls = new Set(data.cases.map((c: Golden) => c.call));
    const errors = data.cases.filter((c: Golden) => c.error !== undefined).length;
    assert.ok(errors >= 5, `${name}: ${errors} error cases`);
    if (data.library === "torchmetrics-multilabel") {
      for (
        const call of [
          "MultilabelJaccardIndex",
          "multilabel_jaccard_index",
          "BinaryJaccardIndex",
          "MeanIoU",
        ]
      ) assert.ok(calls.has(call), call);
    }
  }
});

Deno.test("multilabel goldens: a changed bit, value, warning or error is caught", () => {
  const tm = file("torchmetrics-multilabel");
  // one float32 ulp off in a scalar float32 result (bits and value)
  const c = tm.cases.find((c: Golden) =>
    c.result?.dtype === "float32" && typeof c.result.value === "number" && c.result.value > 0.1
  );
  const bits = Number(c.result.float32_bits) + 1;
  c.result.float32_bits = "0x" + bits.toString(16).padStart(8, "0");
  // an error turned into a result
  const e = tm.cases.find((c: Golden) => c.error !== undefined);
  delete e.error;
  e.result = { value: 0.5, dtype: "float32", float32_bits: "0x3f000000" };
  // a per-class list one element short
  const l = tm.cases.find((c: Golden) =>
    Array.isArray(c.result?.value) && c.result.value.length > 1
  );
  l.result.value.pop();
  l.result.float32_bits.pop();
  assert.equal(replayMultilabelGolden(tm).failed, 3);

  const sk = file("scikit-learn-multilabel");
  const v = sk.cases.find((c: Golden) => typeof c.result?.value === "number" && c.result.value > 0);
  v.result.value = v.result.value * (1 + 2 ** -52); // one float64 ulp
  const w = sk.cases.find((c: Golden) => c.warnings.length > 0);
  w.warnings = [];
  const m = sk.cases.find((c: Golden) => c.error?.startsWith("ValueError: All labels"));
  m.error = m.error.replace("Got", "got");
  assert.equal(replayMultilabelGolden(sk).failed, 3);

  assert.equal(replayMultilabelGolden(null).failed, 1);
  assert.equal(replayMultilabelGolden({ library: "torchmetrics", cases: [{}] }).failed, 1);
});
