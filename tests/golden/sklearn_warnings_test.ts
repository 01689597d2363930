import assert from "node:assert/strict";
import { replaySklearnWarningsGolden } from "../../tools/golden_sklearn_warnings.ts";

const file = new URL("../../golden/peers/peers-sklearn-warnings-1.9.1.json", import.meta.url);
const golden = () => JSON.parse(Deno.readTextFileSync(file));

Deno.test("sklearn warnings golden: real jaccard_score warnings, errors and values are reproduced", () => {
  const r = replaySklearnWarningsGolden(golden());
  assert.equal(r.failed, 0, r.lines.filter((l) => l.startsWith("FAIL")).slice(0, 10).join("\n"));
  assert.ok(r.passed >= 1000, `only ${r.passed} cases`);
});

Deno.test("sklearn warnings golden: a missing warning, a changed message or value is caught", () => {
  const data = golden();
  const withWarning = data.cases.findIndex((c: { warnings: unknown[] }) => c.warnings.length > 0);
  const withValue = data.cases.findIndex((c: { result: unknown }) => typeof c.result === "number");
  const dropped = structuredClone(data);
  dropped.cases[withWarning].warnings = [];
  assert.equal(replaySklearnWarningsGolden(dropped).failed, 1);
  const reworded = structuredClone(data);
  reworded.cases[withWarning].warnings[0].message += ".";
  assert.equal(replaySklearnWarningsGolden(reworded).failed, 1);
  const changed = structuredClone(data);
  changed.cases[withValue].result += 2 ** -40;
  assert.equal(replaySklearnWarningsGolden(changed).failed, 1);
});
