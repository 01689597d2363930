#!/usr/bin/env python3
"""Oracle for the peer-library profiles (issue 8): runs the REAL torchmetrics and scikit-learn.

Usage (from the repository root):

    python3 -m venv .venv-peers
    .venv-peers/bin/pip install torch torchmetrics scikit-learn numpy
    .venv-peers/bin/python tools/peers_oracle.py [--out golden/peers]

Writes `golden/peers/peers-torchmetrics-<version>-<capability>.json` (run it once per
`ATEN_CPU_CAPABILITY`: `avx2`, `default`; torch.sum and torch.histc cases included) and
`golden/peers/peers-sklearn-<version>.json` (JSON indented by 2, as committed; `--only
scikit-learn` needs no torch: `.venv-oracle/bin/python tools/peers_oracle.py --only scikit-learn`).
Each file has a top-level `library` ("torchmetrics" / "scikit-learn") and `library_version`
field; `tools/golden_peers.ts` replays them against the TypeScript profiles.

Inputs of a scenario are one of (all regenerable exactly in TypeScript):

* `images`: explicit small arrays, `[{"true": [...], "pred": [...]}, ...]` (one entry per image);
* `runs`: per image a list of `[true, pred, count]` runs, laid out in that order;
* `generator`: the lowbias32 generator of golden/keras/README.md (parameters stored);
* `confmat`: an exact int64 confusion matrix given to the library's reduction directly
  (`state-level` cases: counts far above 2^24 in several cells without allocating the pixels).

Each case stores `options`, and either `result` or `error` (`Class: first line of the message`,
which the scikit-learn replay compares with the profile's `SklearnError`). A `sample_weight`
option may name `zero_labels`: pixels whose true or predicted label is one of them get weight 0. A result is stored as exact float64
(`value`, a number, a list, or "NaN"/"Infinity" strings) and, where the library returns float32,
as float32 bit patterns (`float32_bits`, hex strings).
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

M32 = 0xFFFFFFFF


# ---------------------------------------------------------------- generator (golden/keras/README.md)
def imul(a, b):
    return (a * b) & M32


def lowbias32(x):
    x &= M32
    x ^= x >> 16
    x = imul(x, 0x7FEB352D)
    x ^= x >> 15
    x = imul(x, 0x846CA68B)
    x ^= x >> 16
    return x & M32


def u24_vec(s, idx):
    """Vectorised u24 over a uint64 index array (all arithmetic mod 2**32)."""
    x = (idx + imul(s, 0x9E3779B9)) & M32
    x = x.astype(np.uint64)
    x ^= x >> np.uint64(16)
    x = (x * np.uint64(0x7FEB352D)) & np.uint64(M32)
    x ^= x >> np.uint64(15)
    x = (x * np.uint64(0x846CA68B)) & np.uint64(M32)
    x ^= x >> np.uint64(16)
    return (x >> np.uint64(8)).astype(np.int64)


def cdf(w):
    total = sum(w)
    out = []
    acc = 0
    for k in range(len(w) - 1):
        acc += w[k]
        out.append((acc * (1 << 24)) // total)
    return np.array(out, dtype=np.int64)


def pick(u, w):
    c = cdf(w)
    return np.searchsorted(c, u, side="right").astype(np.int64)


def generate(g):
    """Images from generator parameters: list of (true, pred) int64 arrays."""
    n = g["pixels_per_image"]
    images = []
    labels_true = g.get("labels_true")
    void = g.get("void_category")
    acc = g["acc"]
    for b in range(g["num_images"]):
        idx = np.arange(b * n, (b + 1) * n, dtype=np.uint64)
        cat = pick(u24_vec(g["sT"], idx), g["wT"])
        y_true = np.array(labels_true, dtype=np.int64)[cat] if labels_true else cat
        acc_arr = np.array(acc if isinstance(acc, list) else [acc] * len(g["wT"]), dtype=np.int64)
        keep = u24_vec(g["sC"], idx) < acc_arr[cat]
        if void is not None:
            keep &= cat != void
        y_pred = np.where(keep, cat, pick(u24_vec(g["sP"], idx), g["wP"]))
        images.append((y_true, y_pred))
    return images


def scenario_images(sc):
    inp = sc["inputs"]
    if "images" in inp:
        return [(np.array(im["true"], dtype=np.int64), np.array(im["pred"], dtype=np.int64))
                for im in inp["images"]]
    if "runs" in inp:
        out = []
        for runs in inp["runs"]:
            t = np.concatenate([np.full(c, a, dtype=np.int64) for a, _, c in runs])
            p = np.concatenate([np.full(c, b, dtype=np.int64) for _, b, c in runs])
            out.append((t, p))
        return out
    if "generator" in inp:
        return generate(inp["generator"])
    raise ValueError("scenario without pixel inputs")


# ---------------------------------------------------------------- encoding of results
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
    """A torch tensor or numpy/python scalar → {value, dtype, float32_bits?}."""
    torch = sys.modules.get("torch")  # only the torchmetrics oracle imports torch

    if torch is not None and isinstance(t, torch.Tensor):
        dtype = str(t.dtype).replace("torch.", "")
        arr = t.detach().cpu().double().numpy()
        if arr.ndim == 0:
            value = enc_float(arr)
            bits = f32_bits(arr) if dtype == "float32" else None
        else:
            value = [enc_float(v) for v in arr.reshape(-1)]
            bits = [f32_bits(v) for v in arr.reshape(-1)] if dtype == "float32" else None
        out = {"value": value, "dtype": dtype}
        if bits is not None:
            out["float32_bits"] = bits
        return out
    if isinstance(t, np.ndarray):
        return {"value": [enc_float(v) for v in t.reshape(-1)], "dtype": str(t.dtype)}
    return {"value": enc_float(t), "dtype": "float64"}


def run_case(fn):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        try:
            res = fn()
            out = {"result": enc_result(res), "error": None}
        except Exception as e:  # noqa: BLE001 - the error is the recorded outcome
            out = {"result": None, "error": f"{type(e).__name__}: {str(e).splitlines()[0][:200]}"}
    msgs = sorted({str(x.message).splitlines()[0][:160] for x in w})
    if msgs:
        out["warnings"] = msgs
    return out


# ---------------------------------------------------------------- scenarios (shared by both libs)
TOY = {  # the worked example of docs/libraries.md (C = 5, 255 = ignore)
    "num_classes": 5,
    "images": [
        {"true": [0, 0, 0, 0, 1, 1, 1, 255], "pred": [0, 0, 0, 2, 1, 1, 0, 1]},
        {"true": [0, 0, 2, 2, 2, 2, 0, 0, 0, 0], "pred": [0, 0, 2, 2, 2, 0, 0, 3, 0, 0]},
        {"true": [1, 1, 1, 1], "pred": [1, 1, 1, 1]},
    ],
}
TOY_NO_IGNORE = {  # the same without the 255 pixel (for metrics that have no ignore index)
    "num_classes": 5,
    "images": [
        {"true": [0, 0, 0, 0, 1, 1, 1], "pred": [0, 0, 0, 2, 1, 1, 0]},
        TOY["images"][1],
        TOY["images"][2],
    ],
}
OUT_OF_RANGE = {  # C = 4; prediction 4 (== C) at GT 0 and GT 1; only 4 distinct predictions
    "num_classes": 4,
    "images": [
        {"true": [0, 0, 1, 1, 1, 2, 2, 3], "pred": [0, 4, 1, 4, 1, 2, 2, 0]},
    ],
}
OUT_OF_RANGE_LAST = {  # prediction C at the last class: t*C+p == C*C, beyond the C×C matrix
    "num_classes": 4,
    "images": [{"true": [0, 1, 2, 3, 3], "pred": [0, 1, 2, 4, 4]}],
}
IGNORE_IN_RANGE = {  # ignore_index = 0, a valid class id (background dropped as pixels)
    "num_classes": 4,
    "images": [
        {"true": [0, 0, 0, 1, 1, 2, 2, 2, 3], "pred": [0, 1, 0, 1, 0, 2, 0, 3, 3]},
        {"true": [0, 0, 1, 1, 1, 1], "pred": [2, 0, 1, 1, 3, 1]},
    ],
}
GEN_SKEWED = {  # 12 classes, classes 9..11 never true, 10 and 11 predicted: absent + FP-only
    "num_classes": 12,
    "generator": {
        "num_images": 6, "pixels_per_image": 1024, "sT": 81, "sC": 82, "sP": 83,
        "wT": [30, 20, 10, 8, 6, 5, 4, 2, 1, 0, 0, 0],
        "wP": [30, 20, 10, 8, 6, 5, 4, 2, 1, 0, 1, 1],
        "acc": 12582912,
    },
}
GEN_VOID = {  # 8 classes + void category mapped to 255 in y_true
    "num_classes": 8,
    "generator": {
        "num_images": 4, "pixels_per_image": 900, "sT": 91, "sC": 92, "sP": 93,
        "wT": [10, 9, 8, 7, 6, 5, 0, 1, 4],
        "wP": [10, 9, 8, 7, 6, 5, 1, 1],
        "acc": [14000000, 13000000, 12000000, 11000000, 10000000, 9000000, 8000000, 7000000, 0],
        "labels_true": [0, 1, 2, 3, 4, 5, 6, 7, 255],
        "void_category": 8,
    },
}
GEN_21 = {  # VOC-sized class count, 8 images of 64 x 64, two classes never true
    "num_classes": 21,
    "generator": {
        "num_images": 8, "pixels_per_image": 4096, "sT": 101, "sC": 102, "sP": 103,
        "wT": [40, 9, 8, 7, 6, 5, 5, 4, 4, 3, 3, 3, 2, 2, 2, 1, 1, 1, 1, 0, 0],
        "wP": [40, 9, 8, 7, 6, 5, 5, 4, 4, 3, 3, 3, 2, 2, 2, 1, 1, 1, 1, 1, 0],
        "acc": 11744051,
    },
}
BIG_RUNS = {  # counts above 2^24 in a cell (float32 rounding of counts and sums)
    "num_classes": 3,
    "runs": [
        [[0, 0, 17001234], [0, 1, 100], [1, 0, 50], [1, 1, 1000], [2, 2, 333], [2, 0, 7]],
        [[2, 2, 16777217], [1, 2, 3], [0, 0, 5]],
    ],
}
BIG_CONFMATS = [  # state-level: exact int64 matrices handed to the library's reduction
    [[33554433, 5, 3], [7, 16777219, 1], [0, 11, 100000001]],
    [[123456789, 1, 0, 2, 3], [4, 98765431, 5, 0, 0], [0, 0, 0, 0, 0], [6, 0, 7, 50331651, 8],
     [0, 9, 0, 0, 0]],
    [[int(x) for x in row] for row in
     (np.arange(81, dtype=np.int64).reshape(9, 9) * 1234567 + np.eye(9, dtype=np.int64) * 40000001)],
    [[int(x) for x in row] for row in
     (np.arange(144, dtype=np.int64).reshape(12, 12) % 7 * 3000001
      + np.eye(12, dtype=np.int64) * 70000003)],
    [[int(x) for x in row] for row in  # 40 classes: the 32-column block path of torch sums
     (np.arange(1600, dtype=np.int64).reshape(40, 40) % 11 * 1900037
      + np.eye(40, dtype=np.int64) * 50000017)],
]


def pixel_inputs(sc):
    inp = {"num_classes": sc["num_classes"]}
    for k in ("images", "runs", "generator"):
        if k in sc:
            inp[k] = sc[k]
    return inp


# ---------------------------------------------------------------- torchmetrics
def torchmetrics_scenarios():
    import torch
    import torchmetrics
    from torchmetrics.classification import (
        BinaryJaccardIndex,
        MulticlassJaccardIndex,
        MultilabelJaccardIndex,
    )
    from torchmetrics.functional.classification.jaccard import _jaccard_index_reduce
    from torchmetrics.functional.segmentation import mean_iou as functional_mean_iou
    from torchmetrics.segmentation import MeanIoU

    torch.set_num_threads(1)
    averages = ["macro", "micro", "weighted", "none"]
    scenarios = []

    def jaccard_cases(images, c, ignores, zds=(0.0, 1.0, "nan")):
        cases = []
        for ig in ignores:
            for avg in averages:
                for zd in zds:
                    def fn(avg=avg, zd=zd, ig=ig):
                        m = MulticlassJaccardIndex(num_classes=c, average=avg, ignore_index=ig,
                                                   zero_division=zd)
                        for t, p in images:  # one update per image (state = summed confmat)
                            m.update(torch.from_numpy(p), torch.from_numpy(t))
                        return m.compute()
                    case = {"metric": "MulticlassJaccardIndex",
                            "options": {"num_classes": c, "average": avg, "ignore_index": ig,
                                        "zero_division": zd}}
                    case.update(run_case(fn))
                    cases.append(case)
        return cases

    def meaniou_cases(images, c, batchings):
        cases = []
        for batches in batchings:
            for per_class in (False, True):
                for bg in (True, False):
                    for nc in (c, None):
                        def fn(per_class=per_class, bg=bg, nc=nc, batches=batches):
                            fmt = "index" if nc is not None else "one-hot"
                            m = MeanIoU(num_classes=nc, per_class=per_class, include_background=bg,
                                        input_format=fmt)
                            k = 0
                            for size in batches:
                                ts = [torch.from_numpy(images[k + j][0]) for j in range(size)]
                                ps = [torch.from_numpy(images[k + j][1]) for j in range(size)]
                                k += size
                                t = torch.stack(ts)[:, None]  # (N, 1, L): N images
                                p = torch.stack(ps)[:, None]
                                if nc is None:  # one-hot (N, C, ...) inputs
                                    t = torch.nn.functional.one_hot(t, c).movedim(-1, 1)
                                    p = torch.nn.functional.one_hot(p, c).movedim(-1, 1)
                                m.update(p, t)
                            return m.compute()
                        case = {"metric": "MeanIoU",
                                "options": {"num_classes": nc, "per_class": per_class,
                                            "include_background": bg,
                                            "input_format": "index" if nc is not None else "one-hot",
                                            "batches": batches}}
                        case.update(run_case(fn))
                        cases.append(case)
        # functional mean_iou on all images as one batch (one value per image)
        for per_class in (False, True):
            for bg in (True, False):
                def fn(per_class=per_class, bg=bg):
                    t = torch.stack([torch.from_numpy(a) for a, _ in images])[:, None]
                    p = torch.stack([torch.from_numpy(b) for _, b in images])[:, None]
                    return functional_mean_iou(p, t, num_classes=c, include_background=bg,
                                               per_class=per_class, input_format="index")
                case = {"metric": "mean_iou", "options": {"num_classes": c, "per_class": per_class,
                                                          "include_background": bg,
                                                          "input_format": "index"}}
                case.update(run_case(fn))
                cases.append(case)
        return cases

    def equal_size(images):
        return len({len(t) for t, _ in images}) == 1

    # toy (the worked example of docs/libraries.md)
    imgs = scenario_images({"inputs": TOY})
    scenarios.append({"name": "toy_peers_s11", "description": "worked example of docs/libraries.md, ignore 255",
                      "inputs": pixel_inputs(TOY),
                      "cases": jaccard_cases(imgs, 5, [255, None])})
    # MeanIoU needs equal image sizes for stacking: pad-free variant with one image per batch
    imgs = scenario_images({"inputs": TOY_NO_IGNORE})
    cases = []
    for batches in ([1, 1, 1],):
        for per_class in (False, True):
            for bg in (True, False):
                def fn(per_class=per_class, bg=bg, batches=batches):
                    m = MeanIoU(num_classes=5, per_class=per_class, include_background=bg,
                                input_format="index")
                    for t, p in imgs:
                        m.update(torch.from_numpy(p)[None], torch.from_numpy(t)[None])
                    return m.compute()
                case = {"metric": "MeanIoU", "options": {"num_classes": 5, "per_class": per_class,
                                                         "include_background": bg,
                                                         "input_format": "index",
                                                         "batches": batches}}
                case.update(run_case(fn))
                cases.append(case)
    for per_class in (False, True):
        for bg in (True, False):
            def fn(per_class=per_class, bg=bg):
                return torch.cat([functional_mean_iou(torch.from_numpy(p)[None],
                                                      torch.from_numpy(t)[None], num_classes=5,
                                                      include_background=bg, per_class=per_class,
                                                      input_format="index") for t, p in imgs])
            case = {"metric": "mean_iou", "options": {"num_classes": 5, "per_class": per_class,
                                                      "include_background": bg,
                                                      "input_format": "index"}}
            case.update(run_case(fn))
            cases.append(case)
    scenarios.append({"name": "toy_peers_s11_no_ignore",
                      "description": "worked-example toy without the 255 pixel, one image per update",
                      "inputs": pixel_inputs(TOY_NO_IGNORE), "cases": cases + jaccard_cases(
                          imgs, 5, [None], zds=(0.0,))})

    imgs = scenario_images({"inputs": IGNORE_IN_RANGE})
    scenarios.append({"name": "ignore_index_in_range", "description": "ignore_index=0 is a class",
                      "inputs": pixel_inputs(IGNORE_IN_RANGE),
                      "cases": jaccard_cases(imgs, 4, [0, 2, None], zds=(0.0,))})

    for name, sc in (("out_of_range_pred", OUT_OF_RANGE), ("out_of_range_pred_last", OUT_OF_RANGE_LAST)):
        imgs = scenario_images({"inputs": sc})
        scenarios.append({"name": name, "description": "prediction == num_classes (unchecked)",
                          "inputs": pixel_inputs(sc),
                          "cases": jaccard_cases(imgs, 4, [None], zds=(0.0,))})

    for name, sc in (("generated_skewed_12", GEN_SKEWED), ("generated_void_8", GEN_VOID),
                     ("generated_21", GEN_21)):
        imgs = scenario_images({"inputs": sc})
        c = sc["num_classes"]
        ignores = [255] if name.endswith("void_8") else [None, 3]
        cases = jaccard_cases(imgs, c, ignores)
        if equal_size(imgs) and name == "generated_skewed_12":
            cases += meaniou_cases(imgs, c, [[2, 2, 2], [1, 5], [4, 1, 1], [6], [1] * 6, [4, 2]])
        if name == "generated_21":
            cases += meaniou_cases(imgs, c, [[3, 3, 2], [8], [1] * 8, [5, 3], [2, 2, 2, 2]])
        scenarios.append({"name": name, "description": "lowbias32 generator (golden/keras/README.md)",
                          "inputs": pixel_inputs(sc), "cases": cases})

    imgs = scenario_images({"inputs": BIG_RUNS})
    cases = jaccard_cases(imgs, 3, [None, 1], zds=(0.0,))
    scenarios.append({"name": "counts_above_2_24", "description": "cells above 2^24 (runs)",
                      "inputs": pixel_inputs(BIG_RUNS), "cases": cases})
    # MeanIoU on one image with > 2^24 pixels of one class (float32 IoU of exact int64 counts)
    big_img = {"num_classes": 2, "runs": [[[0, 0, 16777219], [0, 1, 5], [1, 0, 3], [1, 1, 777]]]}
    imgs = scenario_images({"inputs": big_img})
    scenarios.append({"name": "meaniou_big_image", "description": "one image, > 2^24 pixels",
                      "inputs": pixel_inputs(big_img),
                      "cases": meaniou_cases(imgs, 2, [[1]])})

    for k, cm in enumerate(BIG_CONFMATS):
        c = len(cm)
        cases = []
        for avg in averages:
            for ig in (None, 1):
                for zd in (0.0, 1.0):
                    def fn(avg=avg, ig=ig, zd=zd, cm=cm):
                        return _jaccard_index_reduce(torch.tensor(cm, dtype=torch.long), average=avg,
                                                     ignore_index=ig, zero_division=zd)
                    case = {"metric": "MulticlassJaccardIndex.compute",
                            "options": {"num_classes": c, "average": avg, "ignore_index": ig,
                                        "zero_division": zd}}
                    case.update(run_case(fn))
                    cases.append(case)
        scenarios.append({"name": f"state_confmat_{k}_c{c}",
                          "description": "exact int64 confmat → library reduction (state-level)",
                          "inputs": {"num_classes": c, "confmat": cm}, "cases": cases})

    # confmats whose float32 row/column sums cross 2^24 in many lanes (issue 16: the summation
    # order per CPU capability shows in the last bits)
    rng = np.random.default_rng(16)
    for k, c in enumerate((9, 17, 33, 70)):
        cm = rng.integers(0, 2 ** 21, size=(c, c))
        cm[np.arange(c), np.arange(c)] = rng.integers(2 ** 23, 2 ** 24 + 9, size=c)
        cm = (cm | 1).tolist()  # odd counts: every float32 rounding step above 2^24 shows
        cases = []
        for avg in averages:
            for zd in (0.0,):
                def fn(avg=avg, zd=zd, cm=cm):
                    return _jaccard_index_reduce(torch.tensor(cm, dtype=torch.long), average=avg,
                                                 ignore_index=None, zero_division=zd)
                case = {"metric": "MulticlassJaccardIndex.compute",
                        "options": {"num_classes": c, "average": avg, "ignore_index": None,
                                    "zero_division": zd}}
                case.update(run_case(fn))
                cases.append(case)
        scenarios.append({"name": f"state_confmat_sums_2_24_{k}_c{c}",
                          "description": "float32 sums of the confmat cross 2^24 (state-level)",
                          "inputs": {"num_classes": c, "confmat": cm}, "cases": cases})

    scenarios += torch_numerics_scenarios(torch)

    # multilabel task: (N, L, P) binary masks, -1 = ignore in target; label 3 never positive
    rng = np.random.default_rng(8)
    L, P = 5, 12
    ml_t = (rng.random((3, L, P)) < 0.4).astype(np.int64)
    ml_p = (rng.random((3, L, P)) < 0.45).astype(np.int64)
    ml_t[:, 3] = 0
    ml_p[:, 3] = 0
    ml_p[:, 4] = np.where(rng.random((3, P)) < 0.5, ml_t[:, 4], 1 - ml_t[:, 4])
    ml_t[0, 1, :3] = -1
    ml_t[2, 0, 5:7] = -1
    clean_t = np.where(ml_t < 0, 0, ml_t)
    for name, tgt, ignores in (("multilabel_task", ml_t, (None, -1)),
                               ("multilabel_task_ignore_1", clean_t, (None, 1))):
        ml = {"num_labels": L, "multilabel_images": [
            {"true": tgt[i].tolist(), "pred": ml_p[i].tolist()} for i in range(3)]}
        cases = []
        for ig in ignores:
            for avg in averages:
                for zd in (0.0, 1.0):
                    def fn(avg=avg, zd=zd, ig=ig, tgt=tgt):
                        m = MultilabelJaccardIndex(num_labels=L, average=avg, ignore_index=ig,
                                                   zero_division=zd)
                        for i in range(3):
                            m.update(torch.from_numpy(ml_p[i])[None], torch.from_numpy(tgt[i])[None])
                        return m.compute()
                    case = {"metric": "MultilabelJaccardIndex",
                            "options": {"num_labels": L, "average": avg, "ignore_index": ig,
                                        "zero_division": zd}}
                    case.update(run_case(fn))
                    cases.append(case)
        scenarios.append({"name": name, "description": "task='multilabel', (N, L, P) per image",
                          "inputs": ml, "cases": cases})

    # binary task
    bin_sc = {"num_classes": 2, "images": [
        {"true": [0, 0, 0, 0], "pred": [0, 0, 0, 0]},
        {"true": [0, 1, 1, 0, 255], "pred": [1, 1, 0, 0, 1]},
    ]}
    cases = []
    for imgset, label in (([0], "all_negative"), ([0, 1], "both")):
        for ig in (None, 255):
            for zd in (0.0, 1.0, "nan"):
                def fn(imgset=imgset, ig=ig, zd=zd):
                    m = BinaryJaccardIndex(ignore_index=ig, zero_division=zd)
                    for i in imgset:
                        im = bin_sc["images"][i]
                        m.update(torch.tensor(im["pred"]), torch.tensor(im["true"]))
                    return m.compute()
                case = {"metric": "BinaryJaccardIndex",
                        "options": {"images": imgset, "ignore_index": ig, "zero_division": zd}}
                case.update(run_case(fn))
                cases.append(case)
    scenarios.append({"name": "binary_task", "description": "task='binary'",
                      "inputs": pixel_inputs(bin_sc), "cases": cases})

    return {
        "library": "torchmetrics",
        "library_version": torchmetrics.__version__,
        "torch_version": torch.__version__,
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "torch_num_threads": torch.get_num_threads(),
        "python": platform.python_version(),
        "generated_by": "tools/peers_oracle.py",
        "scenarios": scenarios,
    }


def torch_numerics_scenarios(torch):
    """torch.sum of float32 vectors and matrices, and torch.histc with 1, 2 and 4 threads."""
    rng = np.random.default_rng(1616)
    vec_cases = []
    vectors = [[2.0 ** 24] + [1.0] * k for k in range(1, 40)]
    vectors += [[1.0] * k + [2.0 ** 24] for k in (7, 8, 15, 16, 17, 31, 33)]
    for n in list(range(1, 70)) + [95, 128, 129, 200, 257, 300, 513, 1000]:
        vectors.append(rng.integers(0, 2 ** 22, size=n).astype(np.float64).tolist())
    for k, v in enumerate(vectors):
        def fn(v=v):
            return torch.tensor(v, dtype=torch.float32).sum()
        case = {"metric": "torch.sum", "options": {"values": [int(x) for x in v], "shape": [len(v)],
                                                   "dim": None}}
        case.update(run_case(fn))
        vec_cases.append(case)
    for r, c in ((3, 5), (8, 8), (9, 17), (17, 9), (33, 40), (70, 70), (5, 130), (130, 5)):
        m = rng.integers(0, 2 ** 22, size=(r, c)) | 1
        for dim in (0, 1):
            def fn(m=m, dim=dim):
                return torch.tensor(m, dtype=torch.float32).sum(dim)
            case = {"metric": "torch.sum", "options": {"values": m.flatten().tolist(),
                                                       "shape": [r, c], "dim": dim}}
            case.update(run_case(fn))
            vec_cases.append(case)
    out = [{"name": "torch_sum_float32", "description": "torch.sum of float32 vectors/matrices",
            "inputs": {"num_classes": 2, "confmat": [[0, 0], [0, 0]]}, "cases": vec_cases}]
    histc_cases = []
    layouts = [
        ([[0, 16777219]], 3, 0, 2),
        ([[0, 16777216 + 3], [1, 500], [0, 10]], 3, 0, 2),
        ([[1, 9000001], [0, 8000000], [1, 9000000]], 2, 0, 1),
        ([[0, 33554435]], 2, 0, 1),
        ([[2, 20000001], [0, 3], [5, 7], [2, 30000000]], 3, 0, 2),
        ([[1, 150], [0, 40]], 2, 0, 1),
        ([[0, 450], [1, 17]], 2, 0, 1),
        ([[3, 16777217], [1, 16777221]], 4, 0, 3),
    ]
    for runs, bins, lo, hi in layouts:
        x = torch.cat([torch.full((n,), float(v), dtype=torch.float32) for v, n in runs])
        for threads in (1, 2, 4):
            def fn(x=x, threads=threads, bins=bins, lo=lo, hi=hi):
                torch.set_num_threads(threads)
                try:
                    return torch.histc(x, bins=bins, min=lo, max=hi)
                finally:
                    torch.set_num_threads(1)
            case = {"metric": "torch.histc", "options": {"runs": runs, "bins": bins, "min": lo,
                                                         "max": hi, "threads": threads}}
            case.update(run_case(fn))
            histc_cases.append(case)
        del x
    out.append({"name": "torch_histc_threads", "description": "torch.histc float32, 1/2/4 threads",
                "inputs": {"num_classes": 2, "confmat": [[0, 0], [0, 0]]}, "cases": histc_cases})
    return out


# ---------------------------------------------------------------- scikit-learn
def sklearn_scenarios():
    import sklearn
    from sklearn.metrics import confusion_matrix, jaccard_score

    scenarios = []

    def jac_cases(images, label_sets, zds=("warn", 0, 1), averages=("macro", "micro", "weighted", None),
                  mask=None, weights=None, pos_labels=(1,), cm=True):
        t = np.concatenate([a for a, _ in images])
        p = np.concatenate([b for _, b in images])
        w = None
        if weights is not None:
            w = np.array(weights["values"], dtype=np.float64)[
                (u24_vec(weights["sW"], np.arange(len(t), dtype=np.uint64)) * len(weights["values"]))
                >> 24]
            if weights.get("zero_labels"):  # labels seen only on pixels of weight 0
                w[np.isin(t, weights["zero_labels"]) | np.isin(p, weights["zero_labels"])] = 0.0
        if mask is not None:
            keep = t != mask
            t, p = t[keep], p[keep]
            if w is not None:
                w = w[keep]
        cases = []
        for labels in label_sets:
            for avg in averages:
                for zd in zds:
                    for pos in (pos_labels if avg == "binary" else (1,)):
                        def fn(avg=avg, zd=zd, labels=labels, pos=pos):
                            return jaccard_score(t, p, labels=labels, average=avg,
                                                 zero_division=zd, sample_weight=w, pos_label=pos)
                        case = {"metric": "jaccard_score",
                                "options": {"labels": labels, "average": avg, "zero_division": zd,
                                            "mask_true": mask,
                                            "sample_weight": weights}}
                        if avg == "binary":
                            case["options"]["pos_label"] = pos
                        case.update(run_case(fn))
                        cases.append(case)
        for labels in (label_sets if cm else ()):
            def fn(labels=labels):
                return confusion_matrix(t, p, labels=labels, sample_weight=w).astype(np.float64)
            case = {"metric": "confusion_matrix",
                    "options": {"labels": labels, "mask_true": mask, "sample_weight": weights}}
            case.update(run_case(fn))
            cases.append(case)
        return cases

    imgs = scenario_images({"inputs": TOY})
    cases = jac_cases(imgs, [None, list(range(5))], mask=255)
    cases += jac_cases(imgs, [None, list(range(5))], mask=None)  # the 255 pitfall
    cases += jac_cases(imgs, [[0, 1, 2]], zds=(0,), mask=255)
    scenarios.append({"name": "toy_peers_s11", "description": "worked example of docs/libraries.md; masked and unmasked",
                      "inputs": pixel_inputs(TOY), "cases": cases})

    imgs = scenario_images({"inputs": OUT_OF_RANGE})
    scenarios.append({"name": "out_of_range_pred", "description": "prediction 4 with C = 4",
                      "inputs": pixel_inputs(OUT_OF_RANGE),
                      "cases": jac_cases(imgs, [None, list(range(4))], zds=(0, 1))})

    imgs = scenario_images({"inputs": IGNORE_IN_RANGE})
    scenarios.append({"name": "labels_subset", "description": "labels= keeps pixels, drops classes",
                      "inputs": pixel_inputs(IGNORE_IN_RANGE),
                      "cases": jac_cases(imgs, [[1, 2, 3], [3, 1], [0, 1, 2, 3, 4]], zds=(0, 1))})

    imgs = scenario_images({"inputs": GEN_SKEWED})
    scenarios.append({"name": "generated_skewed_12", "description": "lowbias32 generator",
                      "inputs": pixel_inputs(GEN_SKEWED),
                      "cases": jac_cases(imgs, [None, list(range(12))])
                      + jac_cases(imgs, [None], zds=(0,), weights={"sW": 84,
                                                                   "values": [0.5, 1.0, 2.0, 0.25]})})
    imgs = scenario_images({"inputs": GEN_VOID})
    scenarios.append({"name": "generated_void_8", "description": "void → 255, masked and unmasked",
                      "inputs": pixel_inputs(GEN_VOID),
                      "cases": jac_cases(imgs, [None, list(range(8))], zds=(0, 1), mask=255)
                      + jac_cases(imgs, [None], zds=(0,), mask=None)})

    imgs = scenario_images({"inputs": GEN_21})
    scenarios.append({"name": "generated_21", "description": "lowbias32 generator, 21 classes",
                      "inputs": pixel_inputs(GEN_21),
                      "cases": jac_cases(imgs, [None, list(range(21))], zds=(0, 1))})

    imgs = scenario_images({"inputs": BIG_RUNS})
    scenarios.append({"name": "counts_above_2_24", "description": "cells above 2^24 (runs)",
                      "inputs": pixel_inputs(BIG_RUNS),
                      "cases": jac_cases(imgs, [None, [0, 1, 2, 3]], zds=(0,))})

    neg = {"num_classes": 3, "images": [{"true": [-1, 0, 0, 1, 2, 2, -1, 1],
                                         "pred": [0, 0, 1, 1, 2, 0, 2, -1]}]}
    imgs = scenario_images({"inputs": neg})
    scenarios.append({"name": "negative_void_label", "description": "-1 void label, masked or not",
                      "inputs": pixel_inputs(neg),
                      "cases": jac_cases(imgs, [None, [0, 1, 2]], zds=(0, 1), mask=-1)
                      + jac_cases(imgs, [None, [-1, 0, 1, 2]], zds=(0,), mask=None)})

    bin_sc = {"num_classes": 2, "images": [{"true": [0, 1, 1, 0, 1, 0], "pred": [1, 1, 0, 0, 1, 0]}]}
    imgs = scenario_images({"inputs": bin_sc})
    t, p = imgs[0]
    cases = []
    for pos in (1, 0):
        def fn(pos=pos):
            return jaccard_score(t, p, average="binary", pos_label=pos)
        case = {"metric": "jaccard_score", "options": {"labels": None, "average": "binary",
                                                       "pos_label": pos, "zero_division": "warn",
                                                       "mask_true": None, "sample_weight": None}}
        case.update(run_case(fn))
        cases.append(case)
    zeros = np.zeros(5, dtype=np.int64)
    for zd in ("warn", 0, 1):
        def fn(zd=zd):
            return jaccard_score(zeros, zeros, average="binary", zero_division=zd)
        case = {"metric": "jaccard_score", "options": {"labels": None, "average": "binary",
                                                       "pos_label": 1, "zero_division": zd,
                                                       "mask_true": None, "sample_weight": None,
                                                       "all_zero_input": 5}}
        case.update(run_case(fn))
        cases.append(case)
    scenarios.append({"name": "binary_average", "description": "average='binary', pos_label",
                      "inputs": pixel_inputs(bin_sc), "cases": cases})

    # Issue 16: label sets and errors. Labels = [] / none present / duplicated; labels seen only
    # on pixels of weight 0 (still in sklearn's label set); all weights 0; an input left empty by
    # masking; average="samples" and "binary" on multiclass data. Several generator seeds.
    all_avgs = ("macro", "micro", "weighted", None, "samples", "binary")
    for seed in (201, 211, 221):
        gen = {"num_classes": 6, "generator": {
            "num_images": 3, "pixels_per_image": 256, "sT": seed, "sC": seed + 1, "sP": seed + 2,
            "wT": [20, 10, 6, 3, 1, 0], "wP": [20, 10, 6, 3, 1, 1], "acc": 11744051}}
        imgs = scenario_images({"inputs": gen})
        cases = jac_cases(imgs, [None, [], [7, 8], [2, 2, 4], [3, 0, 3, 1], [5]], zds=(0, 1))
        cases += jac_cases(imgs, [None, [0, 1]], zds=("warn",), averages=("samples", "binary"),
                           cm=False)
        for zero in ([4], [5], [3, 4, 5]):
            cases += jac_cases(imgs, [None, [0, 1, 2, 3, 4, 5], [4, 5, 4]], zds=(0, 1),
                               averages=all_avgs,
                               weights={"sW": seed + 3, "values": [1.0, 2.0, 0.5],
                                        "zero_labels": zero})
        cases += jac_cases(imgs, [None, [1, 2]], zds=(0,), averages=all_avgs,
                           weights={"sW": seed + 4, "values": [0.0]})
        scenarios.append({"name": f"label_sets_and_errors_s{seed}",
                          "description": "labels=[] / absent / repeated, zero-weight labels, all-zero weights",
                          "inputs": pixel_inputs(gen), "cases": cases})

        two = {"num_classes": 3, "generator": {
            "num_images": 2, "pixels_per_image": 128, "sT": seed + 5, "sC": seed + 6,
            "sP": seed + 7, "wT": [10, 8, 1], "wP": [10, 8, 1], "acc": 12582912}}
        imgs = scenario_images({"inputs": two})
        cases = jac_cases(imgs, [None], zds=(0, 1), averages=all_avgs, pos_labels=(1, 0, 2, 3),
                          weights={"sW": seed + 8, "values": [1.0, 0.25], "zero_labels": [2]})
        cases += jac_cases(imgs, [None], zds=(0,), averages=("binary",), pos_labels=(1, 2),
                           mask=None)
        cases += jac_cases(imgs, [None, [0, 1]], zds=(0, 1), averages=all_avgs,
                           pos_labels=(1, 0, 3), mask=2)
        scenarios.append({"name": f"binary_zero_weight_label_s{seed}",
                          "description": "a third label on weight-0 pixels makes the target multiclass",
                          "inputs": pixel_inputs(two), "cases": cases})

    for seed in (231, 241):  # two labels: binary data, pos_label checks, all weights 0
        two = {"num_classes": 2, "generator": {
            "num_images": 2, "pixels_per_image": 100, "sT": seed, "sC": seed + 1, "sP": seed + 2,
            "wT": [10, 7], "wP": [10, 7], "acc": 12582912}}
        imgs = scenario_images({"inputs": two})
        cases = jac_cases(imgs, [None, [1], []], zds=(0, 1), averages=all_avgs,
                          pos_labels=(1, 0, 3))
        cases += jac_cases(imgs, [None], zds=(0,), averages=all_avgs, pos_labels=(1, 3),
                           weights={"sW": seed + 3, "values": [0.0]})
        cases += jac_cases(imgs, [None], zds=(0, 1), averages=all_avgs, pos_labels=(1, 0),
                           weights={"sW": seed + 4, "values": [1.0, 0.5], "zero_labels": [1]})
        scenarios.append({"name": f"binary_two_labels_s{seed}",
                          "description": "binary data: pos_label, all-zero weights, label 1 at weight 0",
                          "inputs": pixel_inputs(two), "cases": cases})

    void = {"num_classes": 3, "images": [{"true": [255, 255, 255], "pred": [0, 1, 2]},
                                         {"true": [255, 255], "pred": [2, 2]}]}
    imgs = scenario_images({"inputs": void})
    scenarios.append({"name": "empty_after_masking", "description": "every pixel masked",
                      "inputs": pixel_inputs(void),
                      "cases": jac_cases(imgs, [None, [0, 1, 2], []], zds=(0,), averages=all_avgs,
                                         mask=255)
                      + jac_cases(imgs, [None], zds=(0,), averages=("macro",), mask=255,
                                  weights={"sW": 5, "values": [0.0]})})

    return {
        "library": "scikit-learn",
        "library_version": sklearn.__version__,
        "numpy_version": np.__version__,
        "python": platform.python_version(),
        "generated_by": "tools/peers_oracle.py",
        "scenarios": scenarios,
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="golden/peers")
    ap.add_argument("--only", choices=["torchmetrics", "scikit-learn"], default=None)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    for lib, fn in (("torchmetrics", torchmetrics_scenarios), ("scikit-learn", sklearn_scenarios)):
        if args.only and args.only != lib:
            continue
        data = fn()
        short = "sklearn" if lib == "scikit-learn" else lib
        suffix = f"-{data['cpu_capability'].lower()}" if lib == "torchmetrics" else ""
        path = os.path.join(args.out, f"peers-{short}-{data['library_version']}{suffix}.json")
        with open(path, "w") as f:
            json.dump(data, f, indent=2, allow_nan=False)
            f.write("\n")
        n = sum(len(s["cases"]) for s in data["scenarios"])
        print(f"{path}: {len(data['scenarios'])} scenarios, {n} cases", file=sys.stderr)


if __name__ == "__main__":
    main()
