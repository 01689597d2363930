/**
 * The help texts of the CLI, naming the program as the user ran it.
 *
 * @module
 */

import { DEFINITION_GRAMMAR } from "../lib/metrics/explain.ts";

/** The commands with a help text; "main" is the program's own. */
export type HelpTopic = "main" | "compare" | "keras" | "explain" | "risk";

const COMMON = `Input flags:
  --true PATH          ground-truth masks: a .npy or .png file, or a folder of them
  --pred PATH          predicted masks (or class scores with --axis): file or folder; folders
                       are read recursively and paired by path without extension (a.png with
                       a.npy, city/a.png with city/a.npy)
  --symlinks S         follow (default) | skip | error: symbolic links in folders (a loop is
                       walked once); files left out are listed on stderr at the end
  --classes N          number of classes, at most 4096 (default: largest label + 1, or the
                       --axis length; refused above 4096)
  --ignore L[,L...]    true labels whose pixels are not counted (e.g. 255)
  --out-of-range P     error (default) | drop | miss: labels outside [0, N) that are not ignored
  --axis K             predictions are scores: argmax over axis K of each .npy prediction
                       (axis of the whole file, e.g. -1 for (N, H, W, C), 1 for (N, C, H, W));
                       ties go to the first maximum, as in Keras; PNG files stay labels
  --max-pixels P       refuse to read more than P values at once: a whole file, or one image
                       of a stack of more than 64 MiB (default 268435456 = 2^28)
  --batch-size B[,B]   batch size(s) for per-batch definitions, Keras and torchmetrics
                       MeanIoU's update() calls (default 8)
  --jobs N             read, decode and count files on N threads (default 1); every result
                       is the same for every N
Output flags:
  --format F           table (default) | json | csv | markdown
  --out FILE           write the output to FILE (only if the whole run succeeds; never an
                       input file; a link is written through, a FIFO or /dev/stdout written
                       into)
  --save-cm FILE.npy   also save the exact confusion matrix as an int64 .npy
  --quiet              no progress bar (it is shown only when stderr is a terminal)`;

/**
 * The help text of `command` ("main" for the program's own), naming the program `p` as the
 * user ran it.
 *
 * @param command "main", "compare", "keras", "explain" or "risk"
 * @param p the program, e.g. `"segmetrics"` or `"deno task cli"`
 * @returns the text, ending with a newline
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { helpText } from "./help.ts";
 * const text = helpText("compare", "segmetrics");
 * assert.match(text, /^Usage: segmetrics compare --true PATH --pred PATH/);
 * assert.doesNotMatch(text, /deno task cli/);
 * ```
 */
export function helpText(command: HelpTopic, p: string): string {
  // continuation lines of a usage line start under its first flag
  const pad = " ".repeat("Usage: ".length + p.length + " keras".length);
  const help: Record<HelpTopic, string> = {
    main: `Usage: ${p} [COMMAND] [FLAGS]

Audits segmentation masks: the exact mean IoU under every common definition, what Keras would
report, and why the numbers differ.

Commands:
  compare     every definition side by side (default command; no flags: the built-in demo)
  keras       what Keras MeanIoU (by version, backend, eager or compiled) reports for these masks
  explain A B the path from definition A to definition B, one option at a time
  risk        predict float32 count loss of Keras MeanIoU from dataset sizes alone
  merge S...  combine the exact states of sharded 'compare' runs into the output of one run

With no arguments: the built-in synthetic dataset (300 images of 64x64, imbalanced classes, an
absent class, an ignored border), every definition side by side, and what Keras 3.7 and 3.15
report at batch size 8.

Run '${p} COMMAND --help' for a command's flags.

Example:
  ${p} compare --true gt/ --pred pred/ --classes 21 --ignore 255 --format json
`,
    compare: `Usage: ${p} compare --true PATH --pred PATH [FLAGS]
       ${p} compare --cm SAVED.npy|SAVED.json [--format F]

Every definition of mean IoU side by side on the exact counts, with one line each on why it
differs from the dataset mIoU, and what the emulated Keras versions report (one update_state
per batch of --batch-size images), with the gap to exact split into epsilon and float32 parts.
Images are read and counted one at a time.

With --cm: a saved confusion matrix (e.g. Keras total_cm saved with np.save, a JSON nested
array, or this tool's JSON output): the dataset-level definitions and the signs of float32
damage (cells at exactly 2^24 = 16777216, float32 values above 2^24, int32 wraps).

${COMMON}

Keras flags: --keras V[,V...] (default 3.7,3.15; none to skip; left out by default when
--ignore has several labels, which Keras cannot express), --backend B, --compiled (also the
XLA-compiled update); see 'keras --help'.

Sharding flags (see 'merge --help'):
  --shard I/N          count only the pairs whose index in the sorted list is I modulo N
                       (0 <= I < N); needs --classes
  --save-state FILE    also write the run's exact state as JSON, for 'merge'

Example:
  ${p} compare --true val/gt --pred val/pred --classes 21 --ignore 255 --keras 3.7,3.15
  ${p} compare --true y_true.npy --pred probs.npy --axis -1 --format json
  ${p} compare --cm total_cm.npy
`,
    keras: `Usage: ${p} keras --true PATH --pred PATH [--keras V[,V...]] [--backend B]
${pad}[--compiled] [--batch-size B] [FLAGS]

What Keras MeanIoU would report for these masks: the bit-exact emulation of each version fed one
update_state per batch of --batch-size consecutive images (file order), as evaluate() does; its
total_cm, result(), and the gap to the exact dataset mIoU split into epsilon and float32 parts.

Keras flags:
  --keras V[,V...]     versions, e.g. 2.15,3.7,3.8,3.15.1 (default 3.7,3.15)
  --backend B          tensorflow (default) | jax | torch | numpy
  --compiled           also the compiled (XLA) update of fit/evaluate with jit_compile: float32
                       cells freeze at 16777216 for good
  --batch-size B       images per update_state call (default 8)

${COMMON}

Example:
  ${p} keras --true val/gt --pred val/pred --classes 21 --ignore 255 --keras 3.7 \\
    --batch-size 16 --compiled
`,
    explain: `Usage: ${p} explain A B --true PATH --pred PATH [FLAGS]

The step-by-step path from definition A to definition B: one option changes at a time (absent
classes, empty ground truth, epsilon, smoothing, then the averaging level and batch size), with
the value after each step. A or B may be a Keras: keras-VERSION[-BACKEND][-xla] (batch size
from --batch-size): the steps are then Keras 3's epsilon and float32 counting and arithmetic.

Definition names: ${DEFINITION_GRAMMAR}.

${COMMON}

Example:
  ${p} explain dataset per-batch-8 --true gt/ --pred pred/ --ignore 255
  ${p} explain dataset keras-3.7-jax-xla --true gt/ --pred pred/ --batch-size 16
  ${p} explain image-first-skip-empty-gt dataset-absent-one --true y.npy --pred p.npy
`,
    risk: `Usage: ${p} risk --image-size HxW (--images N | --pixels P) --batch-size B
${pad}--classes C [--frequencies f0,f1,...] [--accuracy A] [--format F]

Without data: predicts whether float32 confusion-matrix counting (tf.keras 2.x, Keras 3.0-3.7,
or any Keras 3 MeanIoU(dtype="float32")) loses counts, from which batch, and how much; eager
(update_state, evaluate without XLA) and compiled (JAX, TensorFlow jit_compile=True: the cell
freezes at 2^24 for good); and when the int32 state of Keras 3.8+ on JAX/torch/numpy wraps.
Model: every image holds the class shares --frequencies (default: all pixels in one class, the
worst case), a share --accuracy (default 1) of each predicted right; simulated batch by batch.

Flags:
  --image-size HxW     pixels per image, e.g. 512x512 (or a plain pixel count)
  --images N           number of images per evaluation pass
  --pixels P           total pixels instead of --images (rounded up to whole images)
  --batch-size B       images per update_state call
  --classes C          number of classes
  --frequencies F,...  share of pixels per class (normalised)
  --accuracy A         share of each class's pixels predicted right, in (0, 1]
  --compiled           put the compiled (XLA) figures first in the table
  --format F           table | json | csv | markdown

Example:
  ${p} risk --images 500 --image-size 512x512 --batch-size 8 --classes 21 \\
    --frequencies 0.6,0.2,0.2
`,
  };
  return help[command];
}
