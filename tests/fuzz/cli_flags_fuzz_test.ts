/**
 * Fuzzing the CLI's flags (issue 14): random combinations and values of every flag, good and
 * bad, on a small folder of masks and a saved matrix. Each run must end in exit code 0 or 2,
 * never 1 (an internal error); a refusal is one line on stderr that names a flag or a file of the
 * command line, with no stack and no output file; and a `compare` that succeeds in JSON prints
 * exactly the confusion matrix a plain loop over the pixels gives under the same `--classes`,
 * `--ignore` and `--out-of-range`. `main()` runs in this process.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { encodeNpy } from "../../lib/io/npy.ts";
import { runMain } from "./run_main.ts";

/** Three pairs of 2 x 3 masks: 255 marks ignored pixels, 6 and 7 lie past 5 classes. */
const PAIRS = [
  { t: [0, 1, 2, 255, 1, 0], p: [0, 1, 1, 2, 6, 0] },
  { t: [3, 3, 4, 0, 1, 2], p: [3, 4, 4, 0, 1, 2] },
  { t: [4, 255, 0, 0, 2, 2], p: [4, 4, 0, 7, 2, 1] },
];
const SAVED = [[5, 1, 0], [2, 7, 1], [0, 0, 3]];

type FlagValue = string | true;

const flagArbs: Record<string, fc.Arbitrary<FlagValue>> = {
  classes: fc.constantFrom("2", "5", "8", "9", "1", "0", "-3", "x", "1e3", "4097", "65536", ""),
  ignore: fc.constantFrom("255", "0", "255,0", "x", "-1", "1.5", ""),
  "out-of-range": fc.constantFrom("error", "drop", "miss", "clip"),
  axis: fc.constantFrom("-1", "0", "2", "x"),
  "max-pixels": fc.constantFrom("1", "6", "100", "0", "x"),
  "batch-size": fc.constantFrom("1", "2", "2,1", "0", "x", "8,8"),
  format: fc.constantFrom("json", "json", "table", "csv", "markdown", "xml"),
  keras: fc.constantFrom("none", "none", "3.15", "3.7", "9.9"),
  symlinks: fc.constantFrom("follow", "skip", "error", "sometimes"),
  jobs: fc.constantFrom("1", "0", "x"),
  shard: fc.constantFrom("0/2", "1/2", "2/2", "x"),
  quiet: fc.constant(true),
  out: fc.constantFrom("out.txt", "out.txt", "gt/a.npy", "pr"),
  "save-cm": fc.constantFrom("cm.npy", "out.txt"),
  "save-state": fc.constantFrom("state.json"),
  images: fc.constantFrom("8", "0", "x"),
  "image-size": fc.constantFrom("64x64", "0x3", "x"),
  frequencies: fc.constantFrom("0.5,0.5", "1", "x"),
};

const runArb = fc.record({
  command: fc.constantFrom("compare", "compare", "explain", "keras", "risk"),
  input: fc.constantFrom("folders", "folders", "folders", "files", "cm", "cm", "none", "both"),
  flags: fc.tuple(
    fc.dictionary(fc.constantFrom(...Object.keys(flagArbs)), fc.constant(null), { maxKeys: 4 })
      .chain((keys) =>
        fc.record(Object.fromEntries(Object.keys(keys).map((k) => [k, flagArbs[k]])))
      ),
    // JSON most of the time, so the counts of successful runs can be checked
    fc.constantFrom("json", "json", "json", "json", "table", "csv", "markdown", "xml"),
  ).map(([flags, format]) => ({ ...flags, format } as Record<string, FlagValue>)),
  // definition names for explain; now and then a stray word anywhere
  positional: fc.constantFrom(
    ["dataset", "micro"],
    ["dataset", "micro"],
    ["dataset", "micro"],
    ["image-first", "keras-3.7"],
    [],
    ["stray"],
  ),
});

/** The matrix a plain loop gives, or undefined where the run must be refused. */
function expected(
  pairs: typeof PAIRS,
  classes: number | undefined,
  ignore: number[],
  policy: string,
): number[][] | undefined {
  let max = 1;
  for (const { t, p } of pairs) {
    for (const v of t) if (!ignore.includes(v) && v > max) max = v;
    for (const v of p) if (v > max) max = v;
  }
  const C = classes ?? max + 1;
  const m = Array.from({ length: C }, () => new Array<number>(C).fill(0));
  for (const { t, p } of pairs) {
    for (let k = 0; k < t.length; k++) {
      if (ignore.includes(t[k])) continue;
      const tIn = t[k] >= 0 && t[k] < C, pIn = p[k] >= 0 && p[k] < C;
      if (tIn && pIn) m[t[k]][p[k]]++;
      else if (policy === "error") return undefined;
      else if (policy === "miss" && !tIn) return undefined;
      // drop: left out; miss with the prediction out of range: a miss, not a cell
    }
  }
  return m;
}

Deno.test("fuzz: random flags end in exit 0 with the exact counts, or exit 2 with one line", async () => {
  const dir = await Deno.makeTempDir({ prefix: "flags_fuzz_" });
  const outcomes = { ok: 0, refused: 0, checked: 0 };
  try {
    for (const side of ["gt", "pr"]) await Deno.mkdir(`${dir}/${side}`);
    for (const [k, { t, p }] of PAIRS.entries()) {
      const name = String.fromCharCode(97 + k); // a, b, c
      await Deno.writeFile(
        `${dir}/gt/${name}.npy`,
        encodeNpy({ shape: [2, 3], data: Uint8Array.from(t) }),
      );
      await Deno.writeFile(
        `${dir}/pr/${name}.npy`,
        encodeNpy({ shape: [2, 3], data: Uint8Array.from(p) }),
      );
    }
    await Deno.writeTextFile(`${dir}/cm.json`, JSON.stringify(SAVED));
    const inputs = new Set(["gt", "pr", "cm.json"]);
    await fc.assert(
      fc.asyncProperty(runArb, async ({ command, input, flags, positional }) => {
        const args: string[] = [command, ...(command === "explain" ? positional : [])];
        if (input === "folders" || input === "both") args.push("--true", "gt", "--pred", "pr");
        if (input === "files") args.push("--true", "gt/b.npy", "--pred", "pr/b.npy");
        if (input === "cm" || input === "both") args.push("--cm", "cm.json");
        for (const [k, v] of Object.entries(flags)) {
          if (v === true) args.push(`--${k}`);
          else args.push(`--${k}`, v);
        }
        if (command !== "explain" && positional[0] === "stray") args.push("stray");
        const r = await runMain(args, dir);
        const files = () =>
          [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => !inputs.has(n)).sort();
        assert.ok(r.code === 0 || r.code === 2, `exit ${r.code}: ${args.join(" ")}\n${r.stderr}`);
        if (r.code === 2) {
          const lines = r.stderr.split("\n").filter((l) => l !== "");
          assert.equal(lines.length, 1, `${args.join(" ")}\n${r.stderr}`);
          assert.match(lines[0], /^error: /);
          assert.doesNotMatch(r.stderr, /^\s+at |internal error/m);
          // the message names a flag, a file, a value or the command it is about
          const named = args.some((a) => {
            const word = a.replace(/^--/, "");
            return word.length >= 2 && lines[0].includes(word);
          });
          assert.ok(named, `names nothing of the command line: ${args.join(" ")}\n${lines[0]}`);
          assert.deepEqual(files(), [], `output left by a refused run: ${args.join(" ")}`);
          outcomes.refused++;
          return;
        }
        outcomes.ok++;
        const written = files();
        for (const f of written) await Deno.remove(`${dir}/${f}`);
        // the inputs of this run are untouched; a file that was not an input may be an output
        const a = encodeNpy({ shape: [2, 3], data: Uint8Array.from(PAIRS[0].t) });
        if (input === "folders" || input === "both") {
          assert.deepEqual([...await Deno.readFile(`${dir}/gt/a.npy`)], [...a], args.join(" "));
        }
        assert.deepEqual(JSON.parse(await Deno.readTextFile(`${dir}/cm.json`)), SAVED);
        await Deno.writeFile(`${dir}/gt/a.npy`, a);
        const isJson = (flags.format ?? "table") === "json";
        if (command !== "compare" || !isJson || flags.out !== undefined) return;
        const json = JSON.parse(r.stdout);
        if (input === "cm") {
          // no counting flag was given and ignored
          const counting = ["classes", "ignore", "out-of-range", "axis", "max-pixels", "symlinks"];
          assert.deepEqual(counting.filter((k) => k in flags), [], args.join(" "));
          assert.deepEqual(json.confusionMatrix, SAVED);
          outcomes.checked++;
          return;
        }
        if (flags.shard !== undefined || flags.axis !== undefined) return;
        const pairs = input === "files" ? [PAIRS[1]] : PAIRS;
        const ignore = flags.ignore === undefined
          ? []
          : String(flags.ignore).split(",").map(Number);
        const classes = flags.classes === undefined ? undefined : Number(flags.classes);
        const want = expected(pairs, classes, ignore, String(flags["out-of-range"] ?? "error"));
        assert.ok(want !== undefined, `counted what must be refused: ${args.join(" ")}`);
        assert.deepEqual(json.confusionMatrix, want, args.join(" "));
        outcomes.checked++;
      }),
      { numRuns: 300 },
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  assert.ok(outcomes.refused > 0 && outcomes.checked > 0, JSON.stringify(outcomes));
});
