import assert from "node:assert/strict";
import fc from "fast-check";
import {
  mergeRunStates,
  RUN_STATE_FORMAT,
  RUN_STATE_VERSION,
  RunState,
  type RunStateJSON,
} from "../../lib/core/run_state.ts";
import { ConfusionMatrix } from "../../lib/core/confusion_matrix.ts";
import { SegmentationStats } from "../../lib/core/segmentation_stats.ts";
import { meanIoU } from "../../lib/metrics/mean_iou.ts";

interface Image {
  t: number[];
  p: number[];
}
interface Dataset {
  numClasses: number;
  imageMatrices: boolean;
  files: { name: string; images: Image[] }[];
}

/** A small dataset: 2-4 classes, label 255 ignored, up to 8 files of 1-3 images. */
const datasetArb: fc.Arbitrary<Dataset> = fc.record({
  numClasses: fc.integer({ min: 2, max: 4 }),
  imageMatrices: fc.boolean(),
}).chain(({ numClasses, imageMatrices }) => {
  const label = fc.oneof(fc.integer({ min: 0, max: numClasses - 1 }), fc.constant(255));
  const image = fc.integer({ min: 1, max: 6 }).chain((n) =>
    fc.record({
      t: fc.array(label, { minLength: n, maxLength: n }),
      p: fc.array(fc.integer({ min: 0, max: numClasses - 1 }), { minLength: n, maxLength: n }),
    })
  );
  // names with "/" and mixed case, so the order is the code-unit order of the names
  const name = fc.stringMatching(/^[aB_/0-9]{1,5}$/);
  return fc.uniqueArray(name, { minLength: 1, maxLength: 8 }).chain((names) =>
    fc.tuple(...names.map(() => fc.array(image, { minLength: 1, maxLength: 3 }))).map((
      images,
    ) => ({
      numClasses,
      imageMatrices,
      files: names.map((n, k) => ({ name: n, images: images[k] })).sort((a, b) =>
        a.name < b.name ? -1 : 1
      ),
    }))
  );
});

function options(d: Dataset) {
  return {
    numClasses: d.numClasses,
    ignoreIndex: 255,
    batchSizes: [2, 3],
    keras: ["keras-3.7-tensorflow"],
    imageMatrices: d.imageMatrices,
    context: { true: "gt", pred: "pred" },
  };
}

function run(d: Dataset, files = d.files): RunState {
  const state = new RunState(options(d));
  for (const f of files) for (const i of f.images) state.addImage(f.name, i.t, i.p);
  return state;
}

/** Splits the files into `k` shards by a random assignment (each shard keeps name order). */
function shards(d: Dataset, assignment: number[], k: number): RunState[] {
  return Array.from(
    { length: k },
    (_, s) => run(d, d.files.filter((_, i) => assignment[i % assignment.length] % k === s)),
  );
}

const shardingArb = fc.tuple(
  datasetArb,
  fc.array(fc.nat(5), { minLength: 1, maxLength: 8 }),
  fc.integer({ min: 1, max: 4 }),
);

Deno.test("the single run's state holds the same counts as SegmentationStats.addImage, image by image", () => {
  fc.assert(fc.property(datasetArb, (d) => {
    const stats = new SegmentationStats(d.numClasses, { ignoreIndex: 255 });
    for (const f of d.files) for (const i of f.images) stats.addImage(i.t, i.p);
    const state = run(d);
    assert.deepEqual(state.stats.toJSON(), stats.toJSON());
    assert.deepEqual(state.files.map((f) => f.images), d.files.map((f) => f.images.length));
  }));
});

Deno.test("merging shards gives the single run's state, whatever the split and the order", () => {
  fc.assert(fc.property(shardingArb, fc.nat(), ([d, assignment, k], seed) => {
    const parts = shards(d, assignment, k);
    const order = parts.map((_, i) => i).sort((a, b) =>
      ((a * 7 + seed) % 5) - ((b * 7 + seed) % 5)
    );
    const merged = mergeRunStates(order.map((i) => parts[i]));
    const single = run(d);
    assert.deepEqual(merged.toJSON(), single.toJSON());
    // every definition then follows, per-batch included (re-batched in global file order)
    for (const batchSize of [1, 2, 3]) {
      const a = meanIoU(merged.stats, { average: "per-batch", batchSize });
      const b = meanIoU(single.stats, { average: "per-batch", batchSize });
      assert.ok(Object.is(a, b));
    }
    if (d.imageMatrices) {
      assert.deepEqual(
        merged.batchMatrices(2).map((m) => m.toJSON()),
        single.batchMatrices(2).map((m) => m.toJSON()),
      );
    }
  }));
});

Deno.test("mergeRunStates is associative and commutative", () => {
  fc.assert(fc.property(datasetArb, fc.array(fc.nat(2), { minLength: 8, maxLength: 8 }), (d, a) => {
    const [x, y, z] = shards(d, a, 3);
    const flat = mergeRunStates([x, y, z]).toJSON();
    assert.deepEqual(mergeRunStates([mergeRunStates([x, y]), z]).toJSON(), flat);
    assert.deepEqual(mergeRunStates([x, mergeRunStates([y, z])]).toJSON(), flat);
    assert.deepEqual(mergeRunStates([y, x]).toJSON(), mergeRunStates([x, y]).toJSON());
    assert.deepEqual(mergeRunStates([z, y, x]).toJSON(), flat);
  }));
});

Deno.test("the JSON form round-trips through text exactly", () => {
  fc.assert(fc.property(datasetArb, (d) => {
    const state = run(d);
    const text = JSON.stringify(state);
    assert.equal(JSON.stringify(RunState.fromJSON(JSON.parse(text))), text);
  }));
});

Deno.test("mergeRunStates refuses states made with different options, naming the option", () => {
  fc.assert(fc.property(datasetArb, (d) => {
    const base = run(d);
    const change = (o: Record<string, unknown>) => new RunState({ ...options(d), ...o });
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ numClasses: d.numClasses + 1 }, /states\[0\] has numClasses \d and states\[1\] has \d/],
      [{ ignoreIndex: [] }, /ignoreIndex \[255\] and states\[1\] has \[\]/],
      [{ outOfRange: "drop" }, /outOfRange "error" and states\[1\] has "drop"/],
      [{ axis: -1 }, /axis null and states\[1\] has -1/],
      [{ batchSizes: [2] }, /batchSizes \[2,3\] and states\[1\] has \[2\]/],
      [{ keras: [] }, /keras/],
      [{ imageMatrices: !d.imageMatrices }, /imageMatrices/],
      [{ context: { true: "gt", pred: "other" } }, /context/],
    ];
    for (const [o, message] of cases) {
      assert.throws(() => mergeRunStates([base, change(o)]), message);
    }
    // the context's key order does not matter
    mergeRunStates([base, change({ context: { pred: "pred", true: "gt" } })]);
  }));
});

Deno.test("mergeRunStates refuses a file counted twice", () => {
  fc.assert(fc.property(datasetArb, fc.nat(), (d, pick) => {
    const f = d.files[pick % d.files.length];
    const again = run(d, [f]);
    assert.throws(
      () => mergeRunStates([run(d), again]),
      new RegExp(`'${f.name.replace(/[/]/g, "\\/")}' in states\\[0\\] and states\\[1\\]`),
    );
  }));
});

Deno.test("RunState takes files in name order only, each once", () => {
  const state = new RunState({ numClasses: 2 }).addImage("b", [0], [0]).addImage("b", [1], [1]);
  assert.equal(state.numImages, 2);
  assert.deepEqual(state.files, [{ name: "b", images: 2 }]);
  assert.throws(
    () => state.addImage("a", [0], [0]),
    /name order, each once, but found 'a' after 'b'/,
  );
  state.addImage("c", [0], [0]);
  assert.throws(() => state.addImage("b", [0], [0]), /found 'b' after 'c'/);
  assert.throws(
    () => state.addImageMatrix("d", new ConfusionMatrix(3)),
    /counted with the run's numClasses/,
  );
  assert.throws(
    () => state.addImageMatrix("d", new ConfusionMatrix(2).update([0], [0], [0.5])),
    /weighted/,
  );
  assert.throws(() => state.batchMatrices(2), /imageMatrices: true/);
  // a bad label fails as in the core, and leaves the state unchanged
  assert.throws(() => state.addImage("d", [0, 7], [0, 0]), /found 7 at index 1/);
  assert.equal(state.numImages, 3);
});

Deno.test("RunState.fromJSON names the bad field", () => {
  const good = (matrices: boolean): RunStateJSON =>
    new RunState({ numClasses: 2, imageMatrices: matrices, outOfRange: "miss" })
      .addImage("a", [0, 1, 1], [0, 1, 0])
      .addImage("b", [1], [5])
      .toJSON();
  assert.equal(good(false).format, RUN_STATE_FORMAT);
  assert.equal(good(false).version, RUN_STATE_VERSION);
  // the missed pixel (prediction 5 under "miss") is cell C * C + 1 = 5
  assert.deepEqual(good(true).files[1].images, [{ cells: [5, 1] }]);
  const bad = (matrices: boolean, edit: (j: RunStateJSON) => void, message: RegExp) => {
    const j = structuredClone(good(matrices));
    edit(j);
    assert.throws(() => RunState.fromJSON(j), message);
  };
  const tp = (j: RunStateJSON, f: number) => (j.files[f].images[0] as { tp: number[] }).tp;
  const cells = (j: RunStateJSON, f: number) => (j.files[f].images[0] as { cells: number[] }).cells;
  bad(
    false,
    (j) => j.format = "other",
    /Expected format "segmetrics-iou\/run-state", but found "other"/,
  );
  bad(false, (j) => j.version = 2, /version 1, but found 2/);
  bad(
    false,
    (j) => delete (j.options as Partial<RunStateJSON["options"]>).axis,
    /options\.axis, but found none/,
  );
  bad(
    false,
    (j) => (j.options as unknown as Record<string, unknown>).extra = 1,
    /no options\.extra/,
  );
  bad(
    false,
    (j) => j.options.batchSizes = [0],
    /batchSizes\[0\] to be an integer >= 1, but found 0/,
  );
  bad(false, (j) => j.options.numClasses = 3, /confusionMatrix to have the numClasses/);
  bad(
    false,
    (j) => tp(j, 0)[1] = 1.5,
    /files\[0\]\.images\[0\]\.tp\[1\] to be a count >= 0 \(a safe integer\), but found 1.5/,
  );
  bad(false, (j) => tp(j, 0)[1] = 2 ** 53, /tp\[1\] to be a count/);
  bad(
    false,
    (j) => tp(j, 0).push(0),
    /files\[0\]\.images\[0\]\.tp to have 2 entries, but found an array of length 3/,
  );
  bad(
    false,
    (j) => tp(j, 0)[0] = 2,
    /images' tp of class 0 to sum to confusionMatrix's 1, but found 2/,
  );
  bad(false, (j) => j.files.reverse(), /files\[1\]\.name 'a' after 'b'/);
  bad(false, (j) => j.files[1].name = "a", /files\[1\]\.name 'a' after 'a'/);
  bad(false, (j) => j.files[0].images = [], /files\[0\]\.images to be a non-empty array/);
  bad(false, (j) => j.confusionMatrix.counts[0][0] = -1, /confusionMatrix: /);
  bad(
    true,
    (j) => cells(j, 1)[0] = 6,
    /files\[1\]\.images\[0\]\.cells\[0\] to be a cell index in \[0, 6\)/,
  );
  bad(true, (j) => cells(j, 1)[1] = 0, /cells\[1\] to be a count >= 1/);
  bad(true, (j) => cells(j, 0).push(1), /cells to be an array of \[cell, count\] pairs/);
  bad(
    true,
    (j) => cells(j, 0).splice(0, 2),
    /cells to sum to confusionMatrix, but cell \(0, 0\) holds 1 and the images 0/,
  );
  bad(true, (j) => cells(j, 1)[0] = 4, /missed\[0\] holds 0 and the images 1/);
});
