/**
 * Sharded evaluation end to end: `compare --shard I/3 --save-state` in three separate processes,
 * then `merge`, whose output must be byte for byte what one `compare` over all the files prints
 * (JSON and table), Keras and the per-batch definitions included.
 */
import assert from "node:assert/strict";
import { encode } from "fast-png";
import { encodeNpy } from "../../lib/io/npy.ts";
import { cli } from "./run_cli.ts";

/**
 * gt/ and pred/ with 7 pairs in nested folders: PNG and .npy files, one .npy stack of 3 images,
 * ignored label 255, labels from a seeded generator (4 classes; class 3 is rare); with
 * `outOfRange`, some predictions are 4 or 5.
 */
async function dataset(outOfRange = false): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "cli_merge_" });
  let s = 7;
  const rand = () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const label = () => {
    const r = rand();
    return r < 0.05 ? 255 : r < 0.5 ? 0 : r < 0.8 ? 1 : r < 0.97 ? 2 : 3;
  };
  const files = ["a", "b", "city/c", "city/d", "e", "z/f", "z/g"];
  for (const name of files) {
    for (const side of ["gt", "pred"]) {
      await Deno.mkdir(`${dir}/${side}/${name.split("/").slice(0, -1).join("/")}`, {
        recursive: true,
      });
    }
    const stack = name === "city/d" ? 3 : 1;
    const n = stack * 5 * 6;
    const t = Uint8Array.from({ length: n }, label);
    const p = t.map((v) =>
      rand() < 0.3 ? Math.floor(rand() * (outOfRange ? 6 : 4)) : v === 255 ? 0 : v
    );
    if (name === "b" || name === "z/g") {
      await Deno.writeFile(
        `${dir}/gt/${name}.png`,
        encode({ width: 6, height: 5, channels: 1, depth: 8, data: t }),
      );
      await Deno.writeFile(
        `${dir}/pred/${name}.png`,
        encode({ width: 6, height: 5, channels: 1, depth: 8, data: p }),
      );
    } else {
      const shape = stack > 1 ? [stack, 5, 6] : [5, 6];
      await Deno.writeFile(`${dir}/gt/${name}.npy`, encodeNpy({ shape, data: t }));
      await Deno.writeFile(`${dir}/pred/${name}.npy`, encodeNpy({ shape, data: p }));
    }
  }
  return dir;
}

const FLAGS = ["--true", "gt", "--pred", "pred", "--classes", "4", "--ignore", "255"];

for (
  const [what, extra] of [
    ["default Keras 3.7 and 3.15, batch sizes 2 and 3", ["--batch-size", "2,3"]],
    [
      "no Keras, out-of-range predictions missed, batch size 4",
      ["--batch-size", "4", "--keras", "none", "--out-of-range", "miss"],
    ],
  ] as const
) {
  Deno.test(`merge of 3 shards run as separate processes prints what one run prints (${what})`, async () => {
    const dir = await dataset((extra as readonly string[]).includes("miss"));
    try {
      const flags = [...FLAGS, ...extra];
      const shards = await Promise.all([0, 1, 2].map((i) =>
        cli(
          [
            "compare",
            ...flags,
            "--shard",
            `${i}/3`,
            "--save-state",
            `s${i}.json`,
            "--quiet",
            ...(i === 1 ? ["--jobs", "2"] : []), // files read on worker threads: same state
          ],
          dir,
        )
      ));
      shards.forEach((r) => assert.equal(r.code, 0, r.stderr));
      const states = ["s0.json", "s1.json", "s2.json"];
      // each shard holds the pairs whose sorted index is i mod 3: 3, 2 and 2 of the 7 files
      const names = await Promise.all(
        states.map(async (f) =>
          JSON.parse(await Deno.readTextFile(`${dir}/${f}`)).files.map((x: { name: string }) =>
            x.name
          )
        ),
      );
      assert.deepEqual(names, [["a", "city/d", "z/g"], ["b", "e"], ["city/c", "z/f"]]);
      for (const format of ["json", "table"]) {
        const single = await cli(["compare", ...flags, "--format", format], dir);
        assert.equal(single.code, 0, single.stderr);
        const merged = await cli(
          ["merge", "s2.json", "s0.json", "s1.json", "--format", format],
          dir,
        );
        assert.equal(merged.code, 0, merged.stderr);
        assert.equal(merged.stdout, single.stdout);
      }
      // the merged state is the single run's state, and merges again
      const single = await cli(["compare", ...flags, "--save-state", "all.json", "--quiet"], dir);
      assert.equal(single.code, 0, single.stderr);
      const twice = await cli(["merge", "s0.json", "s1.json", "--save-state", "s01.json"], dir);
      assert.equal(twice.code, 0, twice.stderr);
      const again = await cli(["merge", "s01.json", "s2.json", "--save-state", "m.json"], dir);
      assert.equal(again.code, 0, again.stderr);
      assert.equal(
        await Deno.readTextFile(`${dir}/m.json`),
        await Deno.readTextFile(`${dir}/all.json`),
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}

Deno.test("merge refuses overlapping shards and mismatched flags; --shard needs --classes", async () => {
  const dir = await dataset();
  try {
    const shard = (i: number, extra: string[] = []) =>
      cli(["compare", ...FLAGS, "--shard", `${i}/2`, "--save-state", `s${i}.json`, ...extra], dir);
    assert.equal((await shard(0)).code, 0);
    assert.equal((await shard(1, ["--batch-size", "4"])).code, 0);
    const overlap = await cli(["merge", "s0.json", "s0.json"], dir);
    assert.equal(overlap.code, 2);
    assert.match(
      overlap.stderr,
      /Expected each file in one state only, but found 'a' in s0\.json and s0\.json/,
    );
    const mismatch = await cli(["merge", "s0.json", "s1.json"], dir);
    assert.equal(mismatch.code, 2);
    assert.match(mismatch.stderr, /s0\.json has batchSizes \[8\] and s1\.json has \[4\]/);
    const noClasses = await cli(
      ["compare", "--true", "gt", "--pred", "pred", "--shard", "0/2"],
      dir,
    );
    assert.equal(noClasses.code, 2);
    assert.match(noClasses.stderr, /Expected --classes with --shard/);
    const tooMany = await cli(["compare", ...FLAGS, "--shard", "7/8"], dir);
    assert.equal(tooMany.code, 2);
    assert.match(tooMany.stderr, /shard 7\/8 to hold at least one of the 7 file pair\(s\)/);
    const elsewhere = await cli(["keras", ...FLAGS, "--shard", "0/2"], dir);
    assert.equal(elsewhere.code, 2);
    assert.match(
      elsewhere.stderr,
      /Expected --shard with 'compare' only, but found it with 'keras'/,
    );
    const bad = await cli(["compare", ...FLAGS, "--shard", "2/2"], dir);
    assert.match(bad.stderr, /--shard I\/N with 0 <= I < N, but found '2\/2'/);
    await Deno.writeTextFile(
      `${dir}/broken.json`,
      '{"format": "segmetrics-iou/run-state", "version": 9}',
    );
    const broken = await cli(["merge", "broken.json"], dir);
    assert.equal(broken.code, 2);
    assert.match(broken.stderr, /broken\.json: Expected run state version 1, but found 9/);
    // a state file too big to parse whole (sparse: it takes no disk) and a FIFO are refused
    // before they are read
    const huge = await Deno.open(`${dir}/huge.json`, { write: true, create: true });
    await huge.truncate(600 * 2 ** 20);
    huge.close();
    const tooBig = await cli(["merge", "huge.json"], dir);
    assert.equal(tooBig.code, 2);
    assert.match(tooBig.stderr, /huge\.json to be a state file of at most 512 MiB/);
    assert.equal((await new Deno.Command("mkfifo", { args: [`${dir}/f.json`] }).output()).code, 0);
    const fifo = await cli(["merge", "f.json"], dir);
    assert.equal(fifo.code, 2);
    assert.match(fifo.stderr, /f\.json to be a state file, but found no regular file/);
    // nothing is written when the run fails
    const failed = await cli([
      "merge",
      "s0.json",
      "s0.json",
      "--out",
      "o.txt",
      "--save-state",
      "x.json",
    ], dir);
    assert.equal(failed.code, 2);
    await assert.rejects(Deno.stat(`${dir}/o.txt`));
    await assert.rejects(Deno.stat(`${dir}/x.json`));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
