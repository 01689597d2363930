import assert from "node:assert/strict";
import { replaySmpGolden } from "../../tools/golden_smp.ts";
import { OTHER_LIBRARY_REPLAYS } from "../../tools/golden_replays.ts";

const dir = new URL("../../golden/peers/", import.meta.url);

function smpGoldens(): { name: string; data: Record<string, unknown> }[] {
  return [...Deno.readDirSync(dir)]
    .filter((e) => e.isFile && e.name.startsWith("peers-smp-") && e.name.endsWith(".json"))
    .map((e) => ({ name: e.name, data: JSON.parse(Deno.readTextFileSync(new URL(e.name, dir))) }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

Deno.test("smp goldens: real smp get_stats and every metric are reproduced bit for bit", () => {
  const files = smpGoldens();
  assert.ok(files.length >= 1);
  assert.equal(OTHER_LIBRARY_REPLAYS.smp, replaySmpGolden);
  for (const { name, data } of files) {
    assert.equal(data.library, "smp");
    const r = replaySmpGolden(data);
    assert.equal(r.failed, 0, `${name}:\n${r.lines.slice(0, 10).join("\n")}`);
    const minimum = name.includes("histc") ? 150 : 2000;
    assert.ok(r.passed >= minimum, `${name}: only ${r.passed} cases`);
  }
});

Deno.test("smp goldens: a changed value, count, warning or error is caught", () => {
  const { data } = smpGoldens().find((f) => f.name.includes("metrics"))!;
  type Case = {
    metric: string;
    params: { reduction: string; zero_division?: unknown };
    value: { bits: number[] } | null;
    error: string | null;
    warnings: string[];
  };
  const copy = structuredClone(data) as {
    scenarios: { stats: { tn: number[][] }; cases: Case[] }[];
  };
  const cases = copy.scenarios.flatMap((s) => s.cases);
  const f1 = cases.find((c) => c.metric === "f1_score" && c.params.reduction === "macro")!;
  f1.value!.bits[0] -= 1; // one float32 ulp
  const warned = cases.find((c) => c.warnings.length > 0)!;
  warned.warnings = [];
  const err = cases.find((c) => c.error !== null)!;
  err.error = null;
  err.value = { bits: [0] };
  copy.scenarios[1].stats.tn[0][0] += 1; // get_stats count: smpGetStats and SegmentationStats both differ
  const r = replaySmpGolden(copy);
  assert.equal(r.failed, 5, r.lines.filter((l) => l.startsWith("FAIL")).join("\n"));
  assert.equal(replaySmpGolden(null).failed, 1);
});

Deno.test("smp goldens past 2^24 pixels: exact counts differ from smp's one-thread float32 histc", () => {
  const { data } = smpGoldens().find((f) => f.name.includes("histc"))!;
  const copy = structuredClone(data) as { scenarios: { name: string; torch_threads?: number }[] };
  copy.scenarios = copy.scenarios.filter((s) => s.torch_threads === 1);
  assert.equal(copy.scenarios.length, 1);
  assert.equal(replaySmpGolden(copy).failed, 0);
  delete copy.scenarios[0].torch_threads; // exact counts: 2^24 + 2 true positives, not 2^24
  const r = replaySmpGolden(copy);
  assert.ok(r.lines.some((l) => l.includes("get_stats: image 0 tp")), r.lines.join("\n"));
});
