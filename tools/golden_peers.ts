/**
 * Replay of golden files written by other libraries (torchmetrics, scikit-learn): files with a
 * top-level `library` field. Placeholder until the peer emulations land: every such file is
 * reported as not supported yet and counted as failed, never as passed.
 *
 * @module
 */

/** Outcome of replaying one golden file. */
export interface PeerReplay {
  passed: number;
  failed: number;
  lines: string[];
}

/**
 * Replays a peer-library golden file (placeholder: reports it as not supported yet).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { replayPeerGolden } from "./golden_peers.ts";
 * const r = replayPeerGolden({ library: "torchmetrics" });
 * assert.equal(r.passed, 0);
 * assert.equal(r.failed, 1);
 * ```
 */
export function replayPeerGolden(file: unknown): PeerReplay {
  const lib = file !== null && typeof file === "object" && "library" in file
    ? String((file as { library: unknown }).library)
    : "unknown";
  return { passed: 0, failed: 1, lines: [`${lib} golden files: not supported yet`] };
}
