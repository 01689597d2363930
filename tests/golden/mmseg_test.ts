import assert from "node:assert/strict";
import { replayPeerGolden } from "../../tools/golden_peers.ts";

const dir = new URL("../../golden/peers/", import.meta.url);

function mmsegGoldens(): { name: string; data: Record<string, unknown> }[] {
  return [...Deno.readDirSync(dir)]
    .filter((e) => e.isFile && /^peers-mmseg-.*\.json$/.test(e.name))
    .map((e) => ({ name: e.name, data: JSON.parse(Deno.readTextFileSync(new URL(e.name, dir))) }));
}

Deno.test("mmseg goldens: real IoUMetric outputs are reproduced bit for bit", () => {
  const files = mmsegGoldens();
  assert.ok(files.length >= 1);
  for (const { name, data } of files) {
    assert.equal(data.library, "mmsegmentation");
    const r = replayPeerGolden(data); // through the library table, as tools/golden.ts does
    const failures = r.lines.filter((l) => l.startsWith("FAIL"));
    assert.equal(r.failed, 0, `${name}:\n${failures.slice(0, 10).join("\n")}`);
    assert.ok(r.passed >= 121, `${name}: only ${r.passed} cases`);
  }
});

/** Replays only the scenario holding the mutated case (`touched`), to keep the test short. */
function replayOnly(copy: Record<string, unknown>) {
  const scenarios = copy.scenarios as { cases: { touched?: boolean }[] }[];
  return replayPeerGolden({
    ...copy,
    scenarios: scenarios.filter((s) => s.cases.some((c) => c.touched)),
  });
}

Deno.test("mmseg goldens: a changed value, a changed label map or a missing error is caught", () => {
  const { data } = mmsegGoldens()[0];
  type Rec = { bits: number | number[] };
  type Case = {
    label_map: Record<string, number> | null;
    expected: { error: string | null; summary?: Record<string, Rec>; raw?: Record<string, Rec> };
  };
  const cases = () => (copy.scenarios as { cases: Case[] }[]).flatMap((s) => s.cases);
  let copy = structuredClone(data);
  // One float32 ulp off in a summary value (the all-ignored aAcc with nan_to_num=1).
  const c = cases().find((c) => c.expected.summary?.aAcc.bits === 0x42c80000)!;
  (c.expected.summary!.aAcc as Rec).bits = 0x42c80001;
  Object.assign(c, { touched: true });
  assert.equal(replayOnly(copy).failed, 1);
  copy = structuredClone(data);
  // One ulp off in one per-class Fscore.
  const f = cases().find((c) => Array.isArray(c.expected.raw?.Fscore?.bits))!;
  const bits = f.expected.raw!.Fscore.bits as number[];
  const i = bits.findIndex((b) => b > 0 && b < 0x7f800000);
  bits[i] += 1;
  Object.assign(f, { touched: true });
  assert.equal(replayOnly(copy).failed, 1);
  copy = structuredClone(data);
  // A label map that differs from the one the library ran with.
  const m = cases().find((c) => c.label_map !== null)!;
  m.label_map = { "1": 1 };
  Object.assign(m, { touched: true });
  assert.ok(replayOnly(copy).failed >= 1);
  copy = structuredClone(data);
  // Past 2^24: the one-thread total of class 0 (stuck at 2^24 in histc, + 4) is not the exact one.
  const big = cases().find((c) => (c as { threads?: number }).threads === 1) as unknown as {
    expected: { totals: Record<string, Rec> };
  };
  assert.equal((big.expected.totals.intersect.bits as number[])[0], 0x4b800002); // 16777220
  (big.expected.totals.intersect.bits as number[])[0] = 0x4b800003;
  Object.assign(big, { touched: true });
  assert.equal(replayOnly(copy).failed, 1);
  copy = structuredClone(data);
  // The library's KeyError for an unknown metric, turned into "no error expected".
  const e = cases().find((c) => c.expected.error !== null)!;
  assert.match(e.expected.error!, /^KeyError: "metrics \['mAP'\] is not supported"/);
  e.expected.error = null;
  Object.assign(e, { touched: true });
  assert.equal(replayOnly(copy).failed, 1);
});
