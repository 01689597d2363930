#!/usr/bin/env python3
"""Oracle for the multilabel profiles (issue 16): runs the REAL torchmetrics and scikit-learn.

Usage (from the repository root, in a virtual environment with torch, torchmetrics,
scikit-learn and numpy):

    /work/venv-peers/bin/python tools/multilabel_oracle.py [--out golden/peers]

Another scikit-learn version needs no torch: `--only scikit-learn` from a virtual environment with
that version (the committed 1.6.1 file came from one built out of the local wheel store).

Writes `peers-multilabel-torchmetrics-<version>.json` (library "torchmetrics-multilabel") and
`peers-multilabel-sklearn-<version>.json` (library "scikit-learn-multilabel");
`tools/golden_multilabel.ts` replays them.

Every input is stored explicitly (small arrays drawn from numpy's default_rng with a fixed
seed), channel first: torchmetrics `preds`/`target` of shape (N, C, P) (P pixels per image,
the spatial dimensions flattened), scikit-learn `y_true`/`y_pred` of shape (rows, labels)
where a row is one pixel (the user's (N, C, H, W) masks moved to (N*H*W, C)). float32 inputs
are stored as the float64 value of the float32. A torchmetrics case may give `confmat` instead:
the (L, 2, 2) int64 state set on the module before `compute()` (counts past 2^24).

Each case stores `call`, `options`, the inputs, `batches` (the images of each `update()`) and
either `result` (`value`; `float32_bits` as hex for float32 tensors) or `error`
(`Class: first line of the message`), with `warnings` (`Category: message`).
"""

import argparse
import json
import math
import os
import platform
import struct
import sys
import warnings

import numpy as np

SEED = 20261204


def enc_float(x):
    x = float(x)
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    return x


def f32_bits(x):
    return "0x%08x" % struct.unpack("<I", struct.pack("<f", float(x)))[0]


def enc_result(t):
    try:
        import torch

        if isinstance(t, torch.Tensor):
            arr = t.detach().cpu().numpy()
            dtype = str(arr.dtype)
            if arr.ndim == 0:
                out = {"value": enc_float(arr), "dtype": dtype}
                if dtype == "float32":
                    out["float32_bits"] = f32_bits(arr)
                return out
            out = {"value": [enc_float(v) for v in arr.reshape(-1)], "dtype": dtype}
            if dtype == "float32":
                out["float32_bits"] = [f32_bits(v) for v in arr.reshape(-1)]
            return out
    except ImportError:
        pass
    if isinstance(t, np.ndarray):
        return {"value": [enc_float(v) for v in t.reshape(-1)], "dtype": str(t.dtype)}
    return {"value": enc_float(t), "dtype": "float64"}


def run_case(fn):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            res = {"result": enc_result(fn())}
        except Exception as e:  # noqa: BLE001 - the error is the record
            msg = str(e).split("\n")[0]
            res = {"error": f"{type(e).__name__}: {msg}"}
    res["warnings"] = sorted({f"{w.category.__name__}: {str(w.message).splitlines()[0]}" for w in caught})
    return res


# ------------------------------------------------------------------------------- torchmetrics
def torchmetrics_cases(rng):
    import torch
    import torchmetrics
    from torchmetrics.classification import (
        BinaryJaccardIndex,
        MulticlassJaccardIndex,
        MultilabelJaccardIndex,
    )
    from torchmetrics.functional.classification import multilabel_jaccard_index
    from torchmetrics.segmentation import MeanIoU

    torch.set_num_threads(1)
    cases = []

    def tensor(a, dtype):
        return torch.tensor(np.array(a), dtype=getattr(torch, dtype))

    def updates(metric, preds, target, batches, pdtype, tdtype="int64"):
        k = 0
        for b in batches:
            metric.update(tensor(preds[k : k + b], pdtype), tensor(target[k : k + b], tdtype))
            k += b
        return metric.compute()

    def draw_inputs(n, c, p, kind, ignore=None, density=0.4):
        target = (rng.random((n, c, p)) < density).astype(np.int64)
        if ignore is not None:
            target[rng.random((n, c, p)) < 0.15] = ignore
        if kind == "int":
            preds = (rng.random((n, c, p)) < density).astype(np.int64)
        elif kind == "prob":
            # quarters hit the thresholds 0.25 / 0.5 / 0.75 exactly; 0.3 as float32 too
            preds = rng.choice(
                np.array([0.0, 0.1, 0.25, 0.3, 0.5, 0.7, 0.75, 1.0, *rng.random(4)], dtype=np.float32),
                size=(n, c, p),
            ).astype(np.float32)
        else:  # logits: values outside [0, 1] make torchmetrics apply a sigmoid
            preds = (rng.standard_normal((n, c, p)) * 3).astype(np.float32)
        return preds.tolist(), target.tolist()

    # A. MultilabelJaccardIndex module (and the functional form where ignore_index is a label)
    ml_id = 0
    for c in (2, 3, 4):
        for kind in ("int", "prob", "logit"):
            for ignore in (None, -1, 0):
                n, p = 3, int(rng.integers(4, 9))
                preds, target = draw_inputs(n, c, p, kind, ignore if ignore == -1 else None)
                pdtype = "int64" if kind == "int" else "float32"
                ml_id += 1
                for avg in ("macro", "micro", "weighted", "none"):
                    for zd in (0.0, 1.0):
                        for thr in ((0.5,) if kind == "int" else (0.5, 0.3, 0.75)):
                            for functional in (False, True):
                                if functional and ignore != 0:
                                    continue
                                opts = {"num_labels": c, "threshold": thr, "average": avg,
                                        "ignore_index": ignore, "zero_division": zd}

                                def fn(opts=opts, functional=functional, preds=preds, target=target, pdtype=pdtype):
                                    if functional:
                                        return multilabel_jaccard_index(
                                            tensor(preds, pdtype), tensor(target, "int64"), **opts)
                                    m = MultilabelJaccardIndex(**opts)
                                    return updates(m, preds, target, [2, 1], pdtype)

                                cases.append({"name": f"multilabel-{ml_id}", "call": "multilabel_jaccard_index" if functional else "MultilabelJaccardIndex",
                                              "options": opts, "preds": preds, "preds_dtype": pdtype,
                                              "target": target, "batches": [2, 1], **run_case(fn)})
    # edge cases: no true label anywhere (weighted divides 0 by 0), nothing at all, and a
    # sigmoid that applies per update (logits in the first update, probabilities in the second)
    edge = [
        ("no-true-label", [[[0.9, 0.2], [0.1, 0.1]]], [[[0, 0], [0, 0]]], [1]),
        ("nothing", [[[0.1, 0.2], [0.1, 0.1]]], [[[0, 0], [0, 0]]], [1]),
        ("sigmoid-per-update", [[[3.0, 0.3], [0.2, -1.0]], [[0.3, 0.6], [0.45, 0.2]]],
         [[[1, 1], [0, 0]], [[1, 1], [1, 0]]], [1, 1]),
    ]
    for name, preds, target, batches in edge:
        for avg in ("macro", "micro", "weighted", "none"):
            for zd in (0.0, 1.0):
                opts = {"num_labels": 2, "threshold": 0.5, "average": avg, "ignore_index": None, "zero_division": zd}

                def fn(opts=opts, preds=preds, target=target, batches=batches):
                    return updates(MultilabelJaccardIndex(**opts), preds, target, batches, "float32")

                cases.append({"name": f"multilabel-{name}", "call": "MultilabelJaccardIndex", "options": opts,
                              "preds": preds, "preds_dtype": "float32", "target": target, "batches": batches,
                              **run_case(fn)})
    # state-level: counts past 2^24 set on the module
    for k in range(4):
        L = 3 + k
        cm = rng.integers(0, 3 * 2**24, size=(L, 2, 2)).astype(np.int64)
        if k == 1:
            cm[0, :, 1] = 0
            cm[0, 1, :] = 0  # label 0 absent
        for avg in ("macro", "micro", "weighted", "none"):
            for zd in (0.0, 1.0):
                opts = {"num_labels": L, "average": avg, "zero_division": zd}

                def fn(opts=opts, cm=cm):
                    m = MultilabelJaccardIndex(**opts)
                    m.confmat = torch.tensor(cm)
                    return m.compute()

                cases.append({"name": f"multilabel-state-{k}", "call": "MultilabelJaccardIndex",
                              "options": opts, "confmat": cm.tolist(), **run_case(fn)})

    # B. BinaryJaccardIndex on probabilities / logits / labels, (N, 1, P) shaped as one channel
    for kind in ("int", "prob", "logit"):
        for ignore in (None, -1):
            n, p = 3, int(rng.integers(4, 10))
            preds, target = draw_inputs(n, 1, p, kind, ignore)
            pdtype = "int64" if kind == "int" else "float32"
            for thr in ((0.5,) if kind == "int" else (0.5, 0.3, 0.25)):
                for zd in (0.0, 1.0):
                    opts = {"threshold": thr, "ignore_index": ignore, "zero_division": zd}

                    def fn(opts=opts, preds=preds, target=target, pdtype=pdtype):
                        return updates(BinaryJaccardIndex(**opts), preds, target, [1, 2], pdtype)

                    cases.append({"name": f"binary-{kind}", "call": "BinaryJaccardIndex", "options": opts,
                                  "preds": preds, "preds_dtype": pdtype, "target": target,
                                  "batches": [1, 2], **run_case(fn)})
    # binary: empty target and prediction (zero division), and big counts
    for zd in (0.0, 1.0):
        opts = {"threshold": 0.5, "ignore_index": None, "zero_division": zd}
        z = [[[0, 0, 0]]]

        def fn(opts=opts, z=z):
            return updates(BinaryJaccardIndex(**opts), z, z, [1], "int64")

        cases.append({"name": "binary-empty", "call": "BinaryJaccardIndex", "options": opts, "preds": z,
                      "preds_dtype": "int64", "target": z, "batches": [1], **run_case(fn)})
    for k in range(3):
        cm = rng.integers(0, 3 * 2**24, size=(2, 2)).astype(np.int64)
        opts = {"threshold": 0.5, "ignore_index": None, "zero_division": 0.0}

        def fn(opts=opts, cm=cm):
            m = BinaryJaccardIndex(**opts)
            m.confmat = torch.tensor(cm)
            return m.compute()

        cases.append({"name": f"binary-state-{k}", "call": "BinaryJaccardIndex", "options": opts,
                      "confmat": cm.tolist(), **run_case(fn)})

    # C. errors and single-class settings
    errs = [
        ("MultilabelJaccardIndex", {"num_labels": 1}),
        ("MultilabelJaccardIndex", {"num_labels": 2, "threshold": 1.5}),
        # (threshold=1, an int, is refused too; JSON cannot tell 1 from 1.0, so it is left out)
        ("MultilabelJaccardIndex", {"num_labels": 2, "average": "samples"}),
        ("MulticlassJaccardIndex", {"num_classes": 1}),
        ("BinaryJaccardIndex", {"threshold": -0.1}),
        ("MeanIoU", {"num_classes": 0}),
    ]
    ctor = {"MultilabelJaccardIndex": MultilabelJaccardIndex, "MulticlassJaccardIndex": MulticlassJaccardIndex,
            "BinaryJaccardIndex": BinaryJaccardIndex, "MeanIoU": MeanIoU}
    for call, opts in errs:
        cases.append({"name": "constructor-error", "call": call, "options": opts, "construct_only": True,
                      **run_case(lambda call=call, opts=opts: (ctor[call](**opts), 0)[1])})
    # target values outside {0, 1, ignore}
    bad = [
        ("BinaryJaccardIndex", {"threshold": 0.5, "ignore_index": None, "zero_division": 0.0}, [[[0.2, 0.9]]], [[[0, 2]]]),
        ("BinaryJaccardIndex", {"threshold": 0.5, "ignore_index": None, "zero_division": 0.0}, [[[0, 3]]], [[[0, 1]]]),
        ("MultilabelJaccardIndex", {"num_labels": 2, "threshold": 0.5, "average": "macro", "ignore_index": None, "zero_division": 0.0},
         [[[0.2, 0.9], [0.1, 0.1]]], [[[0, 1], [1, 5]]]),
        ("MultilabelJaccardIndex", {"num_labels": 3, "threshold": 0.5, "average": "macro", "ignore_index": None, "zero_division": 0.0},
         [[[0.2, 0.9], [0.1, 0.1]]], [[[0, 1], [1, 0]]]),
    ]
    for call, opts, preds, target in bad:
        pdtype = "float32" if isinstance(preds[0][0][0], float) else "int64"

        def fn(call=call, opts=opts, preds=preds, target=target, pdtype=pdtype):
            return updates(ctor[call](**opts), preds, target, [1], pdtype)

        cases.append({"name": "input-error", "call": call, "options": opts, "preds": preds, "preds_dtype": pdtype,
                      "target": target, "batches": [1], **run_case(fn)})

    # D. segmentation.MeanIoU, one-hot input, non-exclusive (multi-hot) int masks
    for c in (1, 2, 3, 4):
        for rep in range(3):
            n, p = 4, int(rng.integers(3, 8))
            target = (rng.random((n, c, p)) < 0.35).astype(np.int64)
            preds = (rng.random((n, c, p)) < 0.35).astype(np.int64)
            if rep == 1:
                target[0] = 0
                preds[0] = 0  # an image where every class is absent
            if rep == 2 and c > 1:
                target[:, 1] = 0
                preds[:, 1] = 0  # a class absent from every image
            for bg in (True, False):
                for per_class in (False, True):
                    for nc in (None, c):
                        for batches in ([4], [1, 1, 1, 1], [3, 1]):
                            opts = {"num_classes": nc, "include_background": bg, "per_class": per_class,
                                    "input_format": "one-hot"}

                            def fn(opts=opts, preds=preds.tolist(), target=target.tolist(), batches=batches):
                                return updates(MeanIoU(**opts), preds, target, batches, "int64")

                            cases.append({"name": f"meaniou-onehot-{c}-{rep}", "call": "MeanIoU", "options": opts,
                                          "preds": preds.tolist(), "preds_dtype": "int64", "target": target.tolist(),
                                          "batches": batches, **run_case(fn)})
    return {
        "library": "torchmetrics-multilabel",
        "library_version": torchmetrics.__version__,
        "torch_version": torch.__version__,
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "torch_num_threads": torch.get_num_threads(),
        "python": platform.python_version(),
        "generated_by": "tools/multilabel_oracle.py",
        "cases": cases,
    }


# ------------------------------------------------------------------------------- scikit-learn
def sklearn_cases(rng):
    import sklearn
    from sklearn.metrics import jaccard_score

    cases = []

    def add(name, y_true, y_pred, opts):
        def fn():
            return jaccard_score(np.array(y_true), np.array(y_pred), **opts)

        cases.append({"name": name, "call": "jaccard_score", "options": opts, "y_true": y_true,
                      "y_pred": y_pred, **run_case(fn)})

    for L in (2, 3, 4):
        for rep in range(4):
            rows = int(rng.integers(5, 16))
            yt = (rng.random((rows, L)) < 0.4).astype(np.int64)
            yp = (rng.random((rows, L)) < 0.4).astype(np.int64)
            if rep == 1:
                yt[:, L - 1] = 0
                yp[:, L - 1] = 0  # a label never present
                yt[0] = 0
                yp[0] = 0  # a row with no label at all (samples: zero division)
            if rep == 2:
                yt[:, 0] = 0  # label 0 predicted, never true
            label_sets = [None, list(range(L))[::-1], [0], [L - 1, 0]]
            for avg in (None, "micro", "macro", "weighted", "samples"):
                for zd in ("warn", 0, 1):
                    for labels in label_sets:
                        opts = {"average": avg, "zero_division": zd}
                        if labels is not None:
                            opts["labels"] = labels
                        add(f"multilabel-{L}-{rep}", yt.tolist(), yp.tolist(), opts)
    # all weights of the weighted average 0 (no true label anywhere)
    z = np.zeros((4, 3), dtype=np.int64)
    yp = z.copy()
    yp[1, 2] = 1
    for avg in ("weighted", "macro", "micro", "samples", None):
        add("no-true-labels", z.tolist(), yp.tolist(), {"average": avg, "zero_division": "warn"})
        add("nothing-at-all", z.tolist(), z.tolist(), {"average": avg, "zero_division": 1})
    # errors
    yt = [[1, 0, 1], [0, 1, 1]]
    yp = [[1, 1, 0], [0, 1, 1]]
    add("error-binary-average", yt, yp, {"average": "binary"})
    add("error-label-high", yt, yp, {"average": "macro", "labels": [0, 3]})
    add("error-label-negative", yt, yp, {"average": "macro", "labels": [-1, 0]})
    add("error-zero-division", yt, yp, {"average": "macro", "zero_division": 2})
    # (an unknown average is left out: its message lists a Python set, in hash-seed order)
    # one column: scikit-learn sees a binary target, not multilabel
    one_t = [[1], [0], [1], [0]]
    one_p = [[1], [1], [0], [0]]
    for avg in ("binary", "macro", "micro", "samples", None):
        add("one-column", one_t, one_p, {"average": avg, "zero_division": "warn"})
    return {
        "library": "scikit-learn-multilabel",
        "library_version": sklearn.__version__,
        "numpy_version": np.__version__,
        "python": platform.python_version(),
        "generated_by": "tools/multilabel_oracle.py",
        "cases": cases,
    }


def dump(doc, path):
    """Header fields indented, then one case per line (diffs stay readable, the file small)."""
    head = {k: v for k, v in doc.items() if k != "cases"}
    lines = json.dumps(head, indent=2)[:-2] + ',\n  "cases": [\n'
    lines += ",\n".join("    " + json.dumps(c, separators=(",", ":")) for c in doc["cases"])
    with open(path, "w") as f:
        f.write(lines + "\n  ]\n}\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="golden/peers")
    ap.add_argument("--only", choices=["torchmetrics", "scikit-learn"])
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    if args.only != "scikit-learn":
        doc = torchmetrics_cases(np.random.default_rng(SEED))
        path = os.path.join(args.out, f"peers-multilabel-torchmetrics-{doc['library_version']}.json")
        dump(doc, path)
        print(f"{path}: {len(doc['cases'])} cases", file=sys.stderr)
    if args.only != "torchmetrics":
        doc = sklearn_cases(np.random.default_rng(SEED + 1))
        path = os.path.join(args.out, f"peers-multilabel-sklearn-{doc['library_version']}.json")
        dump(doc, path)
        print(f"{path}: {len(doc['cases'])} cases", file=sys.stderr)


if __name__ == "__main__":
    main()
