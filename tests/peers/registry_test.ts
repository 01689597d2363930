import assert from "node:assert/strict";
import {
  compare,
  ConfusionMatrix,
  getProfile,
  PROFILES,
  runProfiles,
  torchmetricsMeanIoU,
} from "../../mod.ts";
import { near6, TOY_TABLE, toyStats } from "./toy.ts";

Deno.test("registry: unique names, each library's worked-example value", () => {
  const names = PROFILES.map((p) => p.name);
  assert.equal(new Set(names).size, names.length);
  const rows = runProfiles(toyStats());
  const value = (name: string) => rows.find((r) => r.name === name)!.value;
  const expected: Record<string, number> = {
    "torchmetrics-jaccard-macro": TOY_TABLE.datasetMacroExcluded,
    "torchmetrics-jaccard-macro-0.11": TOY_TABLE.datasetMacroAbsentZero,
    "torchmetrics-jaccard-micro": TOY_TABLE.micro,
    "torchmetrics-jaccard-weighted": TOY_TABLE.weighted,
    "torchmetrics-meaniou": TOY_TABLE.pairMean,
    "sklearn-jaccard-macro": TOY_TABLE.datasetMacroExcluded,
    "sklearn-jaccard-macro-all-labels": TOY_TABLE.datasetMacroAbsentZero,
    "sklearn-jaccard-micro": TOY_TABLE.micro,
    "sklearn-jaccard-weighted": TOY_TABLE.weighted,
    "smp-macro": TOY_TABLE.datasetMacroAbsentOne,
    "smp-micro": TOY_TABLE.micro,
    "smp-micro-imagewise": TOY_TABLE.smpMicroImagewise,
    "smp-macro-imagewise": TOY_TABLE.monaiKeepEmpty,
    "mmseg-iou-metric": TOY_TABLE.datasetMacroExcluded,
    "detectron2-main": TOY_TABLE.detectron2Main,
    "detectron2-0.6": TOY_TABLE.datasetMacroExcluded,
    "monai-meaniou": TOY_TABLE.monaiIgnoreEmpty,
    "monai-meaniou-keep-empty": TOY_TABLE.monaiKeepEmpty,
    "cityscapes": TOY_TABLE.datasetMacroExcluded,
  };
  for (const [name, want] of Object.entries(expected)) {
    assert.ok(near6(value(name), want), `${name}: ${value(name)} vs ${want}`);
  }
  // Every profile but the 1.5 per-batch one has a value from the survey table.
  assert.equal(Object.keys(expected).length, PROFILES.length - 1);
});

Deno.test("registry: per-image profiles need SegmentationStats; bad names are named", () => {
  const rows = runProfiles(toyStats().confusionMatrix);
  for (const r of rows) {
    const p = getProfile(r.name);
    if (p.input === "per-image") {
      assert.ok(Number.isNaN(r.value));
      assert.match(r.error!, /per-image/);
    } else assert.ok(!Number.isNaN(r.value));
  }
  assert.throws(() => getProfile("keras"), /Expected a profile name/);
  // A profile that rejects the state reports why instead of a number.
  const missed = new ConfusionMatrix(3, { outOfRange: "miss" }).update([0, 1, 2], [0, 9, 2]);
  const tm = runProfiles(missed).find((r) => r.name === "torchmetrics-jaccard-macro")!;
  assert.ok(Number.isNaN(tm.value));
  assert.match(tm.error!, /out-of-range/);
});

Deno.test("compare lists every library profile beside the definitions", () => {
  const result = compare(toyStats());
  assert.equal(result.libraries.length, PROFILES.length);
  const d2 = result.libraries.find((r) => r.name === "detectron2-main")!;
  assert.ok(near6(d2.value, TOY_TABLE.detectron2Main));
  // From a confusion matrix alone, per-image profiles say why they have no value.
  const fromCm = compare(toyStats().confusionMatrix);
  assert.match(fromCm.libraries.find((r) => r.name === "monai-meaniou")!.error!, /per-image/);
});

Deno.test("runProfiles: torchmetrics MeanIoU takes the batch size and says so", () => {
  const stats = toyStats();
  const once = runProfiles(stats).find((r) => r.name === "torchmetrics-meaniou")!;
  const perImage = runProfiles(stats, { batchSize: 1 }).find((r) =>
    r.name === "torchmetrics-meaniou"
  )!;
  assert.match(once.description, /one update\(\) with every image/);
  assert.match(perImage.description, /one update\(\) per batch of 1 images/);
  assert.equal(once.value, torchmetricsMeanIoU(stats));
  assert.equal(perImage.value, torchmetricsMeanIoU(stats, { batches: [1, 1, 1] }));
  // The other rows do not depend on it.
  const other = (rows: ReturnType<typeof runProfiles>) =>
    rows.filter((r) => r.name !== "torchmetrics-meaniou").map((r) => [r.name, r.value]);
  assert.deepEqual(other(runProfiles(stats, { batchSize: 1 })), other(runProfiles(stats)));
});

Deno.test("docs/libraries.md's profile table lists every profile as the registry does", () => {
  const doc = Deno.readTextFileSync(new URL("../../docs/libraries.md", import.meta.url));
  const section = doc.split("\n## Profiles\n")[1].split("\n## ")[0];
  const rows = new Map<string, string[]>();
  for (const line of section.split("\n")) {
    const m = line.match(/^\| `([a-z0-9.-]+)` +\|(.*)\|$/);
    if (m) rows.set(m[1], m[2].split("|").map((c) => c.trim()));
  }
  for (const p of PROFILES) {
    const row = rows.get(p.name);
    assert.ok(row, `${p.name} missing from the table`);
    assert.deepEqual(row, [p.library, p.versions, p.description, p.checkedAgainst], p.name);
  }
  assert.equal(rows.size, PROFILES.length);
});
