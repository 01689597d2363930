/**
 * Deterministic synthetic labels shared by the benches, so that every bench measures the same
 * kind of data.
 *
 * @module
 */

/** A xorshift32 generator: the next 32-bit value on each call (a seed of 0 counts as 1). */
export function xorshift32(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

/**
 * Fills `yTrue` with labels uniform in [0, C) (xorshift32) and `yPred` with the same label in
 * about 7 of 10 pixels, a uniform one otherwise.
 */
export function fillIidLabels(
  yTrue: Uint8Array,
  yPred: Uint8Array,
  numClasses: number,
  seed = 2463534242,
): void {
  let s = seed >>> 0 || 1;
  for (let i = 0; i < yTrue.length; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    const t = s % numClasses;
    yTrue[i] = t;
    yPred[i] = (s >>> 8) % 10 < 7 ? t : (s >>> 16) % numClasses;
  }
}

/** Cheap patterned labels: t = 7919 i mod C, p = t in 7 of 10 pixels, else 104729 i mod C. */
export function patternLabels(n: number, numClasses: number): { t8: Uint8Array; p8: Uint8Array } {
  const t8 = new Uint8Array(n);
  const p8 = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    t8[i] = (i * 7919) % numClasses;
    p8[i] = i % 10 < 7 ? t8[i] : (i * 104729) % numClasses;
  }
  return { t8, p8 };
}
