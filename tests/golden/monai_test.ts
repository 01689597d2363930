import assert from "node:assert/strict";
import { replayMonaiGolden } from "../../tools/golden_monai.ts";
import { OTHER_LIBRARY_REPLAYS } from "../../tools/golden_replays.ts";

const dir = new URL("../../golden/peers/", import.meta.url);

function monaiGoldens(): { name: string; data: Record<string, unknown> }[] {
  return [...Deno.readDirSync(dir)]
    .filter((e) => e.isFile && e.name.startsWith("peers-monai-") && e.name.endsWith(".json"))
    .map((e) => ({ name: e.name, data: JSON.parse(Deno.readTextFileSync(new URL(e.name, dir))) }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

Deno.test("MONAI goldens: real MONAI 1.5 MeanIoU/DiceMetric outputs are reproduced bit for bit", () => {
  const files = monaiGoldens();
  assert.ok(files.length >= 1);
  assert.equal(OTHER_LIBRARY_REPLAYS.monai, replayMonaiGolden);
  for (const { name, data } of files) {
    assert.equal(data.library, "monai");
    const r = replayMonaiGolden(data);
    assert.equal(r.failed, 0, `${name}:\n${r.lines.slice(0, 10).join("\n")}`);
    assert.ok(r.passed >= 224, `${name}: only ${r.passed} cases`);
  }
});

Deno.test("MONAI goldens: a changed bit in a table, a value or not_nans is caught", () => {
  const { data } = monaiGoldens()[0];
  type Bits = { bits: number[] };
  const copy = structuredClone(data) as {
    scenarios: { cases: { table: Bits; value: Bits; not_nans: Bits; reduction: string }[] }[];
  };
  const cases = copy.scenarios.flatMap((s) => s.cases);
  const mean = cases.find((c) => c.reduction === "mean")!;
  mean.value.bits[0] += 1; // one float32 ulp
  const batch = cases.find((c) => c.reduction === "mean_batch")!;
  batch.not_nans.bits[0] ^= 0x40000000; // a count changed
  const none = cases.find((c) => c.reduction === "none")!;
  none.table.bits[0] = 0x7fc00000; // a value turned into NaN
  const r = replayMonaiGolden(copy);
  assert.equal(r.failed, 3, r.lines.join("\n"));
  assert.equal(replayMonaiGolden(null).failed, 1);
  assert.equal(replayMonaiGolden({ library: "monai", scenarios: [] }).failed, 1);
});
