/**
 * Replays of the golden files of libraries other than torchmetrics and scikit-learn (those two
 * live in `golden_peers.ts`), by the file's top-level `library` field. Each replay reads one
 * parsed golden file and never throws: a case it cannot replay is a failure with its reason.
 *
 * @module
 */

import { replaySklearnWarningsGolden } from "./golden_sklearn_warnings.ts";
import type { PeerReplay } from "./golden_peers.ts";
import { replayMonaiGolden } from "./golden_monai.ts";
import { replayCityscapesGolden } from "./golden_cityscapes.ts";
import { replayMmsegGolden } from "./golden_mmseg.ts";
import { replaySmpGolden } from "./golden_smp.ts";
import { replayMultilabelGolden } from "./golden_multilabel.ts";
import { replayKerasStateGolden } from "./golden_keras_state.ts";

/** A replay of one parsed golden file of one library. */
export type GoldenReplayFunction = (file: unknown) => PeerReplay;

/**
 * The replay for each `library` field value. To add a library: write `tools/golden_<lib>.ts`
 * exporting its replay, import it here and add one entry.
 */
export const OTHER_LIBRARY_REPLAYS: Readonly<Record<string, GoldenReplayFunction>> = {
  monai: replayMonaiGolden,
  mmsegmentation: replayMmsegGolden,
  cityscapesscripts: replayCityscapesGolden,
  smp: replaySmpGolden,
  "torchmetrics-multilabel": replayMultilabelGolden,
  "scikit-learn-multilabel": replayMultilabelGolden,
  "keras-state": replayKerasStateGolden,
  "scikit-learn-warnings": replaySklearnWarningsGolden,
};
