import assert from "node:assert/strict";
import { replayPeerGolden } from "../../tools/golden_peers.ts";

const dir = new URL("../../golden/peers/", import.meta.url);

function cityscapesGoldens(): { name: string; data: Record<string, unknown> }[] {
  return [...Deno.readDirSync(dir)]
    .filter((e) => e.isFile && /^peers-cityscapes-.*\.json$/.test(e.name))
    .map((e) => ({ name: e.name, data: JSON.parse(Deno.readTextFileSync(new URL(e.name, dir))) }));
}

Deno.test("cityscapes goldens: real evalPixelLevelSemanticLabeling.py scores are reproduced bit for bit", () => {
  const files = cityscapesGoldens();
  assert.ok(files.length >= 1);
  for (const { name, data } of files) {
    assert.equal(data.library, "cityscapesscripts");
    const r = replayPeerGolden(data);
    const failures = r.lines.filter((l) => l.startsWith("FAIL"));
    assert.equal(r.failed, 0, `${name}:\n${failures.slice(0, 10).join("\n")}`);
    assert.ok(r.passed >= 1300, `${name}: only ${r.passed} scores`);
  }
});

Deno.test("cityscapes goldens: one ulp off in any kind of score is caught", () => {
  const { data } = cityscapesGoldens()[0];
  type Exp = Record<string, Record<string, number | null> | number | null>;
  const scenarios = () => (copy.scenarios as { name: string; expected: Exp }[]);
  const ulp = (v: number) => {
    const a = new Float64Array([v]);
    new BigInt64Array(a.buffer)[0] += 1n;
    return a[0];
  };
  let copy = structuredClone(data);
  for (const key of ["classScores", "classInstScores", "categoryScores", "categoryInstScores"]) {
    copy = structuredClone(data);
    const s = scenarios().find((s) => s.name === "random")!;
    const scores = s.expected[key] as Record<string, number | null>;
    const name = Object.keys(scores).find((n) => scores[n] !== null && scores[n]! > 0)!;
    scores[name] = ulp(scores[name]!);
    assert.equal(replayPeerGolden(copy).failed, 1, key);
  }
  copy = structuredClone(data);
  const s = scenarios().find((s) => s.name === "random")!;
  s.expected.averageScoreInstCategories = ulp(s.expected.averageScoreInstCategories as number);
  assert.equal(replayPeerGolden(copy).failed, 1);
  copy = structuredClone(data);
  // NaN (null) expected where the script gives a number.
  scenarios().find((s) => s.name === "random")!.expected.averageScoreClasses = null;
  assert.equal(replayPeerGolden(copy).failed, 1);
});
