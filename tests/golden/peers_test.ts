import assert from "node:assert/strict";
import { replayPeerGolden } from "../../tools/golden_peers.ts";

const dir = new URL("../../golden/peers/", import.meta.url);

function peerGoldens(): { name: string; data: Record<string, unknown> }[] {
  const out: { name: string; data: Record<string, unknown> }[] = [];
  for (const entry of Deno.readDirSync(dir)) {
    if (!entry.isFile || !entry.name.endsWith(".json")) continue;
    const data = JSON.parse(Deno.readTextFileSync(new URL(entry.name, dir)));
    if (typeof data.library === "string") out.push({ name: entry.name, data });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

Deno.test("peer goldens: real torchmetrics and scikit-learn outputs are reproduced", () => {
  const files = peerGoldens();
  const libraries = new Set(files.map((f) => f.data.library));
  assert.ok(libraries.has("torchmetrics") && libraries.has("scikit-learn"));
  for (const { name, data } of files) {
    const r = replayPeerGolden(data);
    const failures = r.lines.filter((l) => l.startsWith("FAIL"));
    assert.equal(r.failed, 0, `${name}:\n${failures.slice(0, 10).join("\n")}`);
    assert.ok(r.passed > 100, `${name}: only ${r.passed} cases`);
  }
});

Deno.test("peer goldens: a changed value or a missing error is caught", () => {
  const { data } = peerGoldens().find((f) => f.data.library === "torchmetrics")!;
  const copy = structuredClone(data) as {
    scenarios: {
      cases: { result: { value: unknown; dtype: string } | null; error: string | null }[];
    }[];
  };
  // Two float32 ulps off in the first scalar float32 result.
  const c = copy.scenarios.flatMap((s) => s.cases).find((c) =>
    c.result !== null && c.result.dtype === "float32" && typeof c.result.value === "number" &&
    c.result.value > 0.1
  )!;
  const v = c.result!.value as number;
  c.result!.value = v + 2 * (Math.fround(v * (1 + 2 ** -23)) - v);
  // And an error case turned into a result.
  const e = copy.scenarios.flatMap((s) => s.cases).find((c) => c.error !== null)!;
  e.error = null;
  e.result = { value: 0.5, dtype: "float32" };
  const r = replayPeerGolden(copy);
  assert.equal(r.failed, 2);
  assert.equal(replayPeerGolden({ library: "keras" }).failed, 1);
  assert.equal(replayPeerGolden({ library: "torchmetrics" }).failed, 1); // nothing to replay
  assert.equal(replayPeerGolden(null).failed, 1);
});

Deno.test("torchmetrics goldens per CPU capability: DEFAULT and AVX2, torch.sum and torch.histc", () => {
  const tm = peerGoldens().filter((f) => f.data.library === "torchmetrics");
  const caps = tm.map((f) => f.data.cpu_capability).sort();
  assert.deepEqual(caps, ["AVX2", "DEFAULT"]);
  for (const { name, data } of tm) {
    const cases = (data.scenarios as { name: string; cases: { metric: string }[] }[])
      .flatMap((s) => s.cases);
    assert.ok(cases.length >= 500, `${name}: ${cases.length} cases`);
    assert.ok(cases.filter((c) => c.metric === "torch.histc").length >= 24, name);
    assert.ok(cases.filter((c) => c.metric === "torch.sum").length >= 100, name);
    const r = replayPeerGolden(data);
    assert.equal(r.failed, 0, name);
  }
});

Deno.test("torchmetrics golden: a histc bin one off, or a sum one ulp off, is caught", () => {
  const { data } = peerGoldens().find((f) =>
    f.data.library === "torchmetrics" && f.data.cpu_capability === "AVX2"
  )!;
  const copy = structuredClone(data) as {
    scenarios: {
      cases: {
        metric: string;
        options: Record<string, unknown>;
        result: { value: number | number[] };
      }[];
    }[];
  };
  const cases = copy.scenarios.flatMap((s) => s.cases);
  // 16,777,219 pixels of one class on 2 threads: real torch says 16777220; 16777216 must fail
  const h = cases.find((c) =>
    c.metric === "torch.histc" && c.options.threads === 2 &&
    JSON.stringify(c.options.runs) === "[[0,16777219]]"
  )!;
  const bins = h.result.value as number[];
  assert.equal(bins[0], 16777220);
  bins[0] = 16777216;
  // torch.tensor([2**24] + [1.0] * 16).sum(): 16777230 on 8 lanes; 16-lane's 16777216 must fail
  const s = cases.find((c) =>
    c.metric === "torch.sum" && (c.options.values as number[]).length === 17 &&
    (c.options.values as number[])[0] === 2 ** 24
  )!;
  assert.equal(s.result.value, 16777230);
  s.result.value = 16777216;
  assert.equal(replayPeerGolden(copy).failed, 2);
});
