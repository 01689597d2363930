/**
 * The uint8 counting kernel against a plain loop: random labels, long runs (the kernel's
 * shortcut for 16 equal pairs), every length around its 16-pixel groups and 64 KiB blocks, and
 * views that start anywhere in their buffer.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { countPairs, histogramUint8, uint8Kernel } from "../../lib/core/pair_counts.ts";
import { countingPolicy } from "../../lib/core/labels.ts";

function referenceHistogram(t: Uint8Array, p: Uint8Array, start: number, end: number) {
  const hist = new Uint32Array(65536);
  for (let i = start; i < end; i++) hist[t[i] * 256 + p[i]] += 1;
  return hist;
}

/** Labels from `alphabet` values in runs of random lengths up to `maxRun`, from a seed. */
function runLabels(n: number, alphabet: number, maxRun: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed >>> 0 || 1;
  const next = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
  for (let i = 0; i < n;) {
    const value = next() % alphabet, run = 1 + (next() % maxRun);
    out.fill(value, i, Math.min(n, i + run));
    i += run;
  }
  return out;
}

function assertSameHistogram(actual: Uint32Array, expected: Uint32Array, what: string) {
  for (let k = 0; k < 65536; k++) {
    if (actual[k] !== expected[k]) {
      assert.fail(`${what}: bin (${k >> 8}, ${k & 255}) is ${actual[k]}, expected ${expected[k]}`);
    }
  }
}

Deno.test("pair_counts: the WebAssembly SIMD kernel is the one in use here", () => {
  assert.equal(uint8Kernel(), "wasm-simd");
});

Deno.test("pair_counts: histogramUint8 equals a plain loop (random, runs, offsets, lengths)", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 140000 }), // length: across the 4,096-pixel switch and blocks
      fc.integer({ min: 0, max: 40 }), // start inside the arrays
      fc.integer({ min: 0, max: 40 }), // pixels left out at the end
      fc.integer({ min: 0, max: 7 }), // byte offset of yTrue's view in its buffer
      fc.integer({ min: 0, max: 7 }), // byte offset of yPred's view
      fc.constantFrom(2, 21, 256), // alphabet
      fc.constantFrom(2, 21, 256), // alphabet of the predictions that disagree
      fc.constantFrom(1, 3, 40, 5000), // longest run
      fc.integer({ min: 1, max: 2 ** 31 }),
      (n, start, cut, offT, offP, alphabet, alphabetP, maxRun, seed) => {
        const t = new Uint8Array(n + 8).subarray(offT, offT + n);
        const p = new Uint8Array(n + 8).subarray(offP, offP + n);
        t.set(runLabels(n, alphabet, maxRun, seed));
        // predictions: the true label in runs, other labels elsewhere
        const other = runLabels(n, alphabetP, maxRun, seed ^ 0x5bd1e995);
        const agree = runLabels(n, 2, maxRun, seed + 17);
        for (let i = 0; i < n; i++) p[i] = agree[i] === 1 ? t[i] : other[i];
        const s = Math.min(start, n), e = Math.max(s, n - cut);
        const hist = new Uint32Array(65536);
        hist[7] = 5; // adds to what is there
        const bounds = histogramUint8(t, p, s, e, hist);
        const expected = referenceHistogram(t, p, s, e);
        expected[7] += 5;
        assertSameHistogram(hist, expected, `n ${n} [${s}, ${e}) offsets ${offT}/${offP}`);
        // the bounds are the largest labels counted (65535: none kept, below 4,096 pixels)
        if (e - s >= 4096) {
          let maxT = 0, maxP = 0;
          for (let i = s; i < e; i++) maxT = Math.max(maxT, t[i]), maxP = Math.max(maxP, p[i]);
          assert.equal(bounds, (maxT << 8) | maxP, "bounds");
        } else assert.equal(bounds, 65535);
        // and the kernel's own histogram is left clean: a second call counts from zero
        const again = new Uint32Array(65536);
        histogramUint8(t, p, s, e, again);
        expected[7] -= 5;
        assertSameHistogram(again, expected, "second call");
      },
    ),
    { numRuns: 150 },
  );
});

Deno.test("pair_counts: all 65,536 pairs, each byte value, in runs and alone", () => {
  // every (t, p) pair once, then each pair as a run of 16 aligned on a group, then of 17
  const n = 65536 * (1 + 16 + 17);
  const t = new Uint8Array(n), p = new Uint8Array(n);
  let i = 0;
  for (const run of [1, 16, 17]) {
    for (let k = 0; k < 65536; k++) {
      t.fill(k >> 8, i, i + run);
      p.fill(k & 255, i, i + run);
      i += run;
    }
  }
  const hist = new Uint32Array(65536);
  histogramUint8(t, p, 0, n, hist);
  assert.ok(hist.every((v) => v === 34), "every bin counts 1 + 16 + 17");
});

Deno.test("pair_counts: countPairs on uint8 labels equals a plain loop under each policy", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 100000 }),
      fc.constantFrom(2, 19, 21),
      fc.constantFrom("error", "drop", "miss") as fc.Arbitrary<"error" | "drop" | "miss">,
      fc.integer({ min: 1, max: 2 ** 31 }),
      (n, C, outOfRange, seed) => {
        const t = runLabels(n, C, 300, seed);
        const p = runLabels(n, C + (outOfRange === "error" ? 0 : 2), 300, seed + 1);
        for (let i = 0; i < n; i += 97) t[i] = 255; // ignored
        const policy = countingPolicy(C, { ignoreIndex: 255, outOfRange });
        const { counts, missed } = countPairs(policy, t, p);
        const expected = new Float64Array(C * C), expectedMissed = new Float64Array(C);
        for (let i = 0; i < n; i++) {
          if (t[i] === 255) continue;
          if (p[i] < C) expected[t[i] * C + p[i]]++;
          else if (outOfRange === "miss") expectedMissed[t[i]]++;
        }
        assert.deepEqual([...counts], [...expected]);
        assert.deepEqual([...missed], [...expectedMissed]);
      },
    ),
    { numRuns: 60 },
  );
});

Deno.test("pair_counts: after wide labels, a call with narrow ones reads no stale bin", () => {
  // The kernel folds and clears only the bins below the largest labels of each call; a call
  // with every label value, then one with small labels, then one with the ignore label 255
  // only in y_true, each against a plain loop.
  const n = 70000;
  const cases: [number, number][] = [[256, 256], [19, 19], [3, 200], [256, 2], [19, 19]];
  for (const [alphabetT, alphabetP] of cases) {
    const t = runLabels(n, alphabetT, 3, alphabetT * 7919 + alphabetP);
    const p = runLabels(n, alphabetP, 3, alphabetP * 104729 + alphabetT);
    if (alphabetT === 19) { for (let i = 0; i < n; i += 10) t[i] = 255; }
    const hist = new Uint32Array(65536);
    histogramUint8(t, p, 0, n, hist);
    assertSameHistogram(
      hist,
      referenceHistogram(t, p, 0, n),
      `labels < ${alphabetT}, ${alphabetP}`,
    );
  }
});

Deno.test("pair_counts: uint16 and mixed labels count as the generic loop does, errors too", () => {
  // The slot-table path (uint16 masks) against the same labels as plain number arrays, which
  // take the generic loop: counts, missed pixels, and the same first error.
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 30000 }),
      fc.constantFrom(2, 19, 150, 254),
      fc.constantFrom("error", "drop", "miss") as fc.Arbitrary<"error" | "drop" | "miss">,
      fc.constantFrom([255], [65535], [0], [3, 300], []),
      fc.constantFrom("u16/u16", "u16/u8", "u8/u16"),
      fc.integer({ min: 0, max: 3 }), // out-of-range labels: none, in y_pred, in y_true, both
      fc.integer({ min: 1, max: 2 ** 31 }),
      (n, C, outOfRange, ignoreIndex, kinds, bad, seed) => {
        const t16 = Uint16Array.from(runLabels(n, C, 300, seed));
        const p16 = Uint16Array.from(runLabels(n, C, 300, seed + 1));
        for (let i = 0; i < n; i += 97) t16[i] = ignoreIndex[0] ?? 1;
        // out-of-range labels from C itself up, and the largest each array type holds
        const outside = (i: number, max: number) => i % 4 === 3 ? max : Math.min(C + (i % 3), max);
        const pMax = kinds === "u16/u8" ? 255 : 65535, tMax = kinds === "u8/u16" ? 255 : 65535;
        if (bad & 1) { for (let i = 5; i < n; i += 1001) p16[i] = outside(i, pMax); }
        if (bad & 2) { for (let i = 7; i < n; i += 1503) t16[i] = outside(i, tMax); }
        const t = kinds === "u8/u16" ? Uint8Array.from(t16) : t16;
        const p = kinds === "u16/u8" ? Uint8Array.from(p16) : p16;
        const policy = countingPolicy(C, { ignoreIndex, outOfRange });
        const run = (a: ArrayLike<number>, b: ArrayLike<number>) => {
          try {
            const r = countPairs(policy, a as Uint16Array, b as Uint16Array);
            return { counts: [...r.counts], missed: [...r.missed] };
          } catch (e) {
            return { error: (e as Error).message };
          }
        };
        assert.deepEqual(run(t, p), run(Array.from(t), Array.from(p)));
      },
    ),
    { numRuns: 150 },
  );
});
