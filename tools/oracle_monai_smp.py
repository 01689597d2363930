"""Golden records of MONAI 1.5 (MeanIoU, DiceMetric) and smp 0.5 (get_stats and every metric of
segmentation_models_pytorch/metrics/functional.py), produced by the REAL library code.

Neither library is installed: the code is loaded verbatim at run time from fetched git trees:

    MONAI_SRC=/path/with/monai/package SMP_FUNCTIONAL=/path/to/functional.py \
    MONAI_COMMIT=... SMP_COMMIT=... /work/venv-peers/bin/python tools/oracle_monai_smp.py golden/peers

(`git archive HEAD monai | tar -x -C $MONAI_SRC` of Project-MONAI/MONAI, and
`segmentation_models_pytorch/metrics/functional.py` of qubvel-org/segmentation_models.pytorch.)
MONAI is imported with MONAI_SRC on sys.path (torch + numpy suffice); smp's functional.py is
self-contained torch and is imported from its file.

Inputs are stored explicitly in the records (random ones drawn from lowbias32). float32 results
are stored as uint32 bit patterns (NaN included); errors as exception class + first line;
warnings as their messages.
"""

import importlib.util
import json
import os
import sys
import warnings

import numpy as np
import torch

M32 = 0xFFFFFFFF


def lowbias32(x):
    x &= M32
    x ^= x >> 16
    x = (x * 0x7FEB352D) & M32
    x ^= x >> 15
    x = (x * 0x846CA68B) & M32
    x ^= x >> 16
    return x & M32


def draws(seed, n):
    """n uniform integers in [0, 2^32): lowbias32(seed * 0x9E3779B9 + i)."""
    return [lowbias32((seed * 0x9E3779B9 + i) & M32) for i in range(n)]


def bits(t):
    a = np.asarray(t.detach().cpu().numpy() if torch.is_tensor(t) else t, dtype=np.float32)
    return {"shape": list(a.shape), "bits": [int(v) for v in a.reshape(-1).view(np.uint32)]}


def capture(fn):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        try:
            out = fn()
            err = None
        except Exception as e:  # noqa: BLE001
            out = None
            err = f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"
    return out, err, sorted({str(x.message).splitlines()[0] for x in w})


# ------------------------------------------------------------------ MONAI
REDUCTIONS = ["none", "mean", "sum", "mean_batch", "sum_batch", "mean_channel", "sum_channel"]


def monai_scenarios():
    out = []
    # explicit: MONAI's own TEST_CASE_2 masks (2 images, 3 channels, 2x2)
    out.append({
        "name": "explicit_upstream_case2",
        "pred": [[[0, 1, 0, 0], [0, 0, 1, 1], [1, 0, 0, 0]], [[0, 0, 0, 1], [1, 0, 0, 0], [0, 1, 1, 0]]],
        "target": [[[0, 0, 0, 1], [1, 0, 1, 0], [0, 1, 0, 0]], [[0, 0, 0, 1], [1, 1, 0, 0], [0, 0, 1, 0]]],
    })
    # one-hot of random index maps (4 classes, class 3 rare, last image empty target)
    N, C, P = 6, 4, 64
    r = draws(11, 2 * N * P)
    tgt, prd = [], []
    for i in range(N):
        t = [min(C - 1, (r[i * P + p] >> 8) % 7 // 2) for p in range(P)]
        q = [(r[N * P + i * P + p] >> 8) % C if (r[N * P + i * P + p] & 3) == 0 else t[p] for p in range(P)]
        tm = [[1 if t[p] == c else 0 for p in range(P)] for c in range(C)]
        pm = [[1 if q[p] == c else 0 for p in range(P)] for c in range(C)]
        if i == N - 1:
            tm = [[0] * P for _ in range(C)]
        tgt.append(tm)
        prd.append(pm)
    out.append({"name": "random_onehot", "pred": prd, "target": tgt})
    # multi-hot: independent channels, densities by channel; channel 2 never true in image 0
    N, C, P = 5, 3, 50
    r = draws(23, 2 * N * C * P)
    tgt, prd = [], []
    for i in range(N):
        tm, pm = [], []
        for c in range(C):
            base = (i * C + c) * P
            tm.append([1 if (r[base + p] >> 8) % 10 < 2 + 2 * c and not (i == 0 and c == 2) else 0 for p in range(P)])
            pm.append([1 if (r[N * C * P + base + p] >> 8) % 10 < 3 + c else 0 for p in range(P)])
        tgt.append(tm)
        prd.append(pm)
    out.append({"name": "random_multihot", "pred": prd, "target": tgt})
    # all empty targets, some predictions
    out.append({
        "name": "empty_targets",
        "pred": [[[0, 0, 0, 0], [1, 1, 0, 0]], [[0, 0, 0, 0], [0, 0, 0, 0]]],
        "target": [[[0, 0, 0, 0], [0, 0, 0, 0]], [[0, 0, 0, 0], [0, 0, 0, 0]]],
    })
    return out


def monai_records():
    from monai.metrics import DiceMetric, MeanIoU

    scen = []
    for s in monai_scenarios():
        y_pred = torch.tensor(s["pred"], dtype=torch.float32)
        y = torch.tensor(s["target"], dtype=torch.float32)
        cases = []
        for metric in ["iou", "dice"]:
            for include_background in [True, False]:
                for ignore_empty in [True, False]:
                    for reduction in REDUCTIONS:
                        def run():
                            cls = MeanIoU if metric == "iou" else DiceMetric
                            m = cls(include_background=include_background, reduction=reduction,
                                    get_not_nans=True, ignore_empty=ignore_empty)
                            m(y_pred=y_pred.clone(), y=y.clone())
                            table = m.get_buffer().clone()
                            f, not_nans = m.aggregate()
                            return table, f, not_nans
                        res, err, warns = capture(run)
                        cases.append({
                            "metric": metric, "include_background": include_background,
                            "ignore_empty": ignore_empty, "reduction": reduction,
                            "table": bits(res[0]) if res else None,
                            "value": bits(res[1]) if res else None,
                            "not_nans": bits(res[2].float()) if res else None,
                            "error": err, "warnings": warns,
                        })
        scen.append({"name": s["name"], "target": s["target"], "pred": s["pred"], "cases": cases})
    return scen


# ------------------------------------------------------------------ smp
SMP_REDUCTIONS = ["micro", "macro", "weighted", "micro-imagewise", "macro-imagewise",
                  "weighted-imagewise", "none"]
SMP_METRICS = ["fbeta_score", "f1_score", "iou_score", "accuracy", "precision", "recall",
               "sensitivity", "specificity", "balanced_accuracy", "positive_predictive_value",
               "negative_predictive_value", "false_negative_rate", "false_positive_rate",
               "false_discovery_rate", "false_omission_rate", "positive_likelihood_ratio",
               "negative_likelihood_ratio"]


def smp_scenarios():
    out = []
    # multiclass, ignore_index 255, one out-of-range prediction (7), an image with only ignored
    out.append({
        "name": "multiclass_explicit", "mode": "multiclass", "num_classes": 3, "ignore_index": 255,
        "target": [[0, 0, 1, 1, 255, 2, 2, 0], [1, 1, 1, 1, 1, 1, 255, 255], [255] * 8],
        "output": [[0, 1, 1, 7, 2, 2, 0, 0], [1, 1, 1, 1, 1, 2, 0, 0], [0, 1, 2, 0, 1, 2, 0, 1]],
    })
    N, C, P = 6, 4, 80
    r = draws(37, 2 * N * P)
    tgt, prd = [], []
    for i in range(N):
        t = []
        for p in range(P):
            v = (r[i * P + p] >> 8) % 16
            t.append(255 if v == 15 else (3 if v == 14 and i % 2 == 0 else v % 3))
        q = [((r[N * P + i * P + p] >> 8) % C) if (r[N * P + i * P + p] & 3) == 0 else (t[p] if t[p] != 255 else 0)
             for p in range(P)]
        tgt.append(t)
        prd.append(q)
    out.append({"name": "multiclass_random", "mode": "multiclass", "num_classes": C, "ignore_index": 255,
                "target": tgt, "output": prd})
    # no ignore_index
    out.append({"name": "multiclass_random_noignore", "mode": "multiclass", "num_classes": C,
                "ignore_index": None, "target": [[0 if v == 255 else v for v in t] for t in tgt],
                "output": prd})
    # multilabel: probabilities k/16 (0.5 exactly included: >= threshold), threshold 0.5
    N, C, P = 4, 3, 40
    r = draws(41, 2 * N * C * P)
    tgt = [[[1 if (r[(i * C + c) * P + p] >> 8) % 10 < 2 + 2 * c and not (i == 1 and c == 0) else 0
             for p in range(P)] for c in range(C)] for i in range(N)]
    prb = [[[((r[N * C * P + (i * C + c) * P + p] >> 8) % 17) / 16 for p in range(P)] for c in range(C)]
           for i in range(N)]
    out.append({"name": "multilabel_threshold", "mode": "multilabel", "threshold": 0.5,
                "target": tgt, "output": prb})
    # binary, one channel, long inputs, an all-zero image
    N, P = 4, 30
    r = draws(43, 2 * N * P)
    tgt = [[[0 if i == 3 else (1 if (r[i * P + p] >> 8) % 3 == 0 else 0) for p in range(P)]] for i in range(N)]
    prd = [[[(1 if (r[N * P + i * P + p] >> 8) % 3 == 0 else 0) for p in range(P)]] for i in range(N)]
    out.append({"name": "binary", "mode": "binary", "target": tgt, "output": prd})
    return out


def load_smp(path):
    spec = importlib.util.spec_from_file_location("smp_functional", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def smp_records(F):
    scen = []
    for s in smp_scenarios():
        target = torch.tensor(s["target"], dtype=torch.long)
        if s["mode"] == "multilabel":
            output = torch.tensor(s["output"], dtype=torch.float32)
        else:
            output = torch.tensor(s["output"], dtype=torch.long)
        kw = {"mode": s["mode"]}
        if s["mode"] == "multiclass":
            kw["num_classes"] = s["num_classes"]
            kw["ignore_index"] = s["ignore_index"]
        if "threshold" in s:
            kw["threshold"] = s["threshold"]
        tp, fp, fn, tn = F.get_stats(output, target, **kw)
        C = tp.shape[1]
        weights = [float(1 + c) for c in range(C)]
        cases = []
        for name in SMP_METRICS:
            fn_ = getattr(F, name)
            variants = [{"reduction": r} for r in SMP_REDUCTIONS]
            variants += [{"reduction": r, "class_weights": weights} for r in ["macro", "weighted", "weighted-imagewise", "macro-imagewise"]]
            variants += [{"reduction": r, "zero_division": zd} for r in ["macro", "none", "macro-imagewise", "micro-imagewise"] for zd in [0.0, "warn", 0.25]]
            variants += [{"reduction": "weighted"}]  # no weights: ValueError
            if name == "fbeta_score":
                variants += [{"reduction": r, "beta": b} for r in ["micro", "macro", "none"] for b in [2.0, 0.5, 0.3]]
            for v in variants:
                res, err, warns = capture(lambda: fn_(tp, fp, fn, tn, **v))
                cases.append({"metric": name, "params": v, "value": bits(res) if res is not None else None,
                              "dtype": str(res.dtype).replace("torch.", "") if res is not None else None,
                              "error": err, "warnings": warns})
        rec = {"name": s["name"], "mode": s["mode"], "target": s["target"], "output": s["output"],
               "stats": {"tp": tp.tolist(), "fp": fp.tolist(), "fn": fn.tolist(), "tn": tn.tolist()},
               "cases": cases}
        for k in ["num_classes", "ignore_index", "threshold"]:
            if k in s:
                rec[k] = s[k]
        scen.append(rec)
    return scen


def smp_histc_records(F):
    """Images past 2^24 pixels of one class: smp's float32 torch.histc stops counting there (per
    thread chunk). Inputs as runs [value, length] in memory order; one record per thread count."""
    n0 = 2**24 + 4
    target_runs = [[0, n0], [1, 4], [255, 2]]
    output_runs = [[0, n0 - 2], [1, 6], [0, 2]]
    expand = lambda runs: torch.cat([torch.full((k,), v, dtype=torch.long) for v, k in runs]).view(1, -1)
    target, output = expand(target_runs), expand(output_runs)
    scen = []
    for threads in [1, 2, 4]:
        torch.set_num_threads(threads)
        tp, fp, fn, tn = F.get_stats(output, target, mode="multiclass", num_classes=2, ignore_index=255)
        cases = []
        for name in SMP_METRICS:
            for v in [{"reduction": "none"}, {"reduction": "micro"}, {"reduction": "macro"}]:
                res, err, warns = capture(lambda: getattr(F, name)(tp, fp, fn, tn, **v))
                cases.append({"metric": name, "params": v, "value": bits(res) if res is not None else None,
                              "dtype": str(res.dtype).replace("torch.", "") if res is not None else None,
                              "error": err, "warnings": warns})
        scen.append({"name": f"multiclass_2^24_threads{threads}", "mode": "multiclass", "num_classes": 2,
                     "ignore_index": 255, "torch_threads": threads, "runs": True,
                     "target": [target_runs], "output": [output_runs],
                     "stats": {"tp": tp.tolist(), "fp": fp.tolist(), "fn": fn.tolist(), "tn": tn.tolist()},
                     "cases": cases})
    torch.set_num_threads(1)
    return scen


def main():
    outdir = sys.argv[1] if len(sys.argv) > 1 else "golden/peers"
    sys.path.insert(0, os.environ["MONAI_SRC"])
    import monai

    torch.set_num_threads(1)
    common = {"torch": torch.__version__, "numpy": np.__version__, "float32": "uint32 bit patterns"}
    rec = {"library": "monai", "version": monai.__version__, "commit": os.environ.get("MONAI_COMMIT"),
           "source": "Project-MONAI/MONAI monai/metrics/meaniou.py, meandice.py, utils.py", **common,
           "scenarios": monai_records()}
    with open(os.path.join(outdir, "peers-monai-metrics.json"), "w") as f:
        json.dump(rec, f, separators=(",", ":"))
    F = load_smp(os.environ["SMP_FUNCTIONAL"])
    rec = {"library": "smp", "version": os.environ.get("SMP_VERSION"), "commit": os.environ.get("SMP_COMMIT"),
           "source": "qubvel-org/segmentation_models.pytorch segmentation_models_pytorch/metrics/functional.py",
           **common, "scenarios": smp_records(F)}
    with open(os.path.join(outdir, "peers-smp-metrics.json"), "w") as f:
        json.dump(rec, f, separators=(",", ":"))
    rec = {**rec, "scenarios": smp_histc_records(F)}
    with open(os.path.join(outdir, "peers-smp-histc.json"), "w") as f:
        json.dump(rec, f, separators=(",", ":"))


if __name__ == "__main__":
    main()
