/**
 * End-to-end throughput of the audit CLI on a folder of uint8 .npy masks, side by side with
 * raw counting of the same pixels already in memory (`SegmentationStats.addImage`, the work
 * the CLI must do per image) in one run. Rounds alternate so that load on a shared machine
 * hits both alike. Reports Mpx/s (pixels of ground truth per second) and the ratio. A first
 * row times the bare kernel (`ConfusionMatrix.update` per image into one matrix, no per-image
 * counts) for scale.
 *
 * - "cli in-process": `main(["compare", ...])` imported and awaited: reading, pairing, decoding,
 *   counting, all definitions, JSON output to a file; no Deno start-up.
 *   compare's default includes Keras 3.7 and 3.15 (eager), fed the batches' exact counts.
 * - "cli + --compiled": the same with the compiled (XLA) Keras emulations added.
 * - "reading + decoding only": the file reads and .npy decoding alone, for scale.
 * - "cli subprocess": `deno run cli.ts compare ...`, start-up included.
 *
 * Run: deno run -A bench/cli_end_to_end.ts [--images 128] [--size 512] [--rounds 3]
 */

import { parseArgs } from "node:util";
import { main } from "../cli.ts";
import { decodeNpy, encodeNpy } from "../lib/io/npy.ts";
import { ConfusionMatrix } from "../lib/core/confusion_matrix.ts";
import { SegmentationStats } from "../lib/core/segmentation_stats.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    images: { type: "string", default: "128" },
    size: { type: "string", default: "512" },
    rounds: { type: "string", default: "3" },
  },
});
const N = Number(values.images), S = Number(values.size), ROUNDS = Number(values.rounds);
const C = 21;
const px = S * S;

const dir = await Deno.makeTempDir({ prefix: "cli_bench_" });
await Deno.mkdir(`${dir}/gt`);
await Deno.mkdir(`${dir}/pred`);
const trues: Uint8Array[] = [], preds: Uint8Array[] = [];
let s = 2463534242;
for (let i = 0; i < N; i++) {
  const t = new Uint8Array(px), p = new Uint8Array(px);
  for (let k = 0; k < px; k++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    t[k] = s % C;
    p[k] = (s >>> 8) % 10 < 7 ? t[k] : (s >>> 16) % C;
  }
  trues.push(t);
  preds.push(p);
  const name = `img_${String(i).padStart(5, "0")}.npy`;
  await Deno.writeFile(`${dir}/gt/${name}`, encodeNpy({ shape: [S, S], data: t }));
  await Deno.writeFile(`${dir}/pred/${name}`, encodeNpy({ shape: [S, S], data: p }));
}

const args = [
  "compare",
  "--true",
  `${dir}/gt`,
  "--pred",
  `${dir}/pred`,
  "--classes",
  String(C),
  "--format",
  "json",
  "--out",
  `${dir}/out.json`,
  "--quiet",
];
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const times: Record<string, number[]> = {
  kernel: [],
  raw: [],
  read: [],
  inproc: [],
  keras: [],
  sub: [],
};
const names = [...Deno.readDirSync(`${dir}/gt`)].map((e) => e.name).sort();
let rawStats: SegmentationStats | undefined;
for (let round = 0; round < ROUNDS; round++) {
  let t0 = performance.now();
  const cm = new ConfusionMatrix(C);
  for (let i = 0; i < N; i++) cm.update(trues[i], preds[i]);
  times.kernel.push((performance.now() - t0) / 1000);

  t0 = performance.now();
  const stats = new SegmentationStats(C);
  for (let i = 0; i < N; i++) stats.addImage(trues[i], preds[i]);
  times.raw.push((performance.now() - t0) / 1000);
  rawStats = stats;

  t0 = performance.now(); // reading and decoding alone, as the CLI does it
  for (const name of names) {
    decodeNpy(Deno.readFileSync(`${dir}/gt/${name}`), name, { share: true });
    decodeNpy(Deno.readFileSync(`${dir}/pred/${name}`), name, { share: true });
  }
  times.read.push((performance.now() - t0) / 1000);

  t0 = performance.now();
  if ((await main(args)) !== 0) throw new Error("cli failed");
  times.inproc.push((performance.now() - t0) / 1000);

  t0 = performance.now();
  if ((await main([...args, "--compiled"])) !== 0) {
    throw new Error("cli --keras failed");
  }
  times.keras.push((performance.now() - t0) / 1000);

  t0 = performance.now();
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      "--allow-write",
      new URL("../cli.ts", import.meta.url).pathname,
      ...args,
    ],
  }).output();
  times.sub.push((performance.now() - t0) / 1000);
  if (out.code !== 0) throw new Error(new TextDecoder().decode(out.stderr));
}
const result = JSON.parse(await Deno.readTextFile(`${dir}/out.json`));
const same = JSON.stringify(result.confusionMatrix) ===
  JSON.stringify(rawStats!.confusionMatrix.toArray());
await Deno.remove(dir, { recursive: true });

const mpx = (t: number) => (N * px) / t / 1e6;
const r = median(times.raw);
console.log(
  `${N} images of ${S}x${S} uint8 (${(N * px / 1e6).toFixed(1)} Mpx), C = ${C}, ` +
    `${ROUNDS} rounds (medians)`,
);
const rows: [string, string, string][] = [
  ["kernel", "kernel: one matrix, in memory", ""],
  ["raw", "raw counting, in memory", "(per-image stats)"],
  ["read", "reading + decoding only", "(no counting)"],
  ["inproc", "cli in process", "(default: + Keras 3.7, 3.15)"],
  ["keras", "cli + --compiled", "(+ Keras 3.7, 3.15 XLA)"],
  ["sub", "cli subprocess", "(start-up included)"],
];
for (const [key, label, note] of rows) {
  const t = median(times[key]);
  console.log(
    `${label.padEnd(36)} ${t.toFixed(3)} s  ${mpx(t).toFixed(0).padStart(5)} Mpx/s  ${
      (r / t).toFixed(2)
    }x raw ${note}`,
  );
}
console.log(`cli matrix equals the raw matrix: ${same}`);
