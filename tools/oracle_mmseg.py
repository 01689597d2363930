"""Golden records of mmsegmentation 1.x `IoUMetric` from its real code (issue 16).

mmseg cannot be installed here (it needs mmcv/mmengine builds), so this script loads the real
source files at run time and runs them with torch from /work/venv-peers, replacing only the
imports they make (mmengine's BaseMetric, logger, registry; mmcv's decoder; fileio):

- `mmseg/evaluation/metrics/iou_metric.py` (`IoUMetric`: `process`, `compute_metrics`,
  `intersect_and_union`, `total_area_to_metrics`, executed unchanged);
- `LoadAnnotations._load_seg_map` from `mmseg/datasets/transforms/loading.py` (reduce_zero_label
  and label_map), extracted with `ast` and executed unchanged, fed the array instead of a file.

The upstream repository is too large to mirror here; the files are read from git mirrors of
projects that vendor mmseg 1.x (`--iou-git`, `--loading-git`, default: the mirrors of
dyzy41/easy_mmseg and GuanchengZhou/PIDNet-with-RPEM). In those copies `compute_metrics`,
`intersect_and_union`, `total_area_to_metrics` and `_load_seg_map` read as upstream
(open-mmlab/mmsegmentation 01c96235); the script prints the sha256 of each function it runs
and stores them in the golden file.

Usage: /work/venv-peers/bin/python tools/oracle_mmseg.py golden/peers/peers-mmseg-1.x.json
"""

import argparse
import ast
import hashlib
import json
import subprocess
import sys
import types
import warnings

import numpy as np
import torch

IOU_GIT = "/work/.mirror/dyzy41+easy_mmseg/repo"
LOADING_GIT = "/work/.mirror/GuanchengZhou+PIDNet-with-RPEM/repo"
IOU_PATH = "mmseg/evaluation/metrics/iou_metric.py"
LOADING_PATH = "mmseg/datasets/transforms/loading.py"


def git_show(git_dir, path):
    return subprocess.run(["git", "--git-dir", git_dir, "show", "HEAD:" + path],
                          check=True, capture_output=True, text=True).stdout


def function_source(src, class_name, func_name):
    tree = ast.parse(src)
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and node.name == class_name:
            for f in node.body:
                if isinstance(f, ast.FunctionDef) and f.name == func_name:
                    return ast.get_source_segment(src, f)
    raise KeyError(f"{class_name}.{func_name} not found")


LOG = []


def install_stubs():
    def mod(name, **attrs):
        m = types.ModuleType(name)
        m.__dict__.update(attrs)
        sys.modules[name] = m
        return m

    class BaseMetric:
        default_prefix = None

        def __init__(self, collect_device="cpu", prefix=None):
            self.results = []
            self.dataset_meta = None

    class Logger:
        def info(self, msg):
            LOG.append(msg)

    class MMLogger:
        @staticmethod
        def get_current_instance():
            return Logger()

    class Registry:
        def register_module(self, *a, **k):
            return lambda cls: cls

    mod("mmengine")
    mod("mmengine.dist", is_main_process=lambda: True)
    mod("mmengine.evaluator", BaseMetric=BaseMetric)
    mod("mmengine.logging", MMLogger=MMLogger, print_log=lambda msg, logger=None, **k: LOG.append(msg))
    mod("mmengine.utils", mkdir_or_exist=lambda d: None)
    mod("mmseg")
    mod("mmseg.registry", METRICS=Registry())


def load_iou_metric(src):
    install_stubs()
    ns = {"__name__": "iou_metric_real"}
    exec(compile(src, IOU_PATH, "exec"), ns)
    return ns["IoUMetric"]


def load_seg_map_fn(src):
    fsrc = function_source(src, "LoadAnnotations", "_load_seg_map")
    fileio = types.SimpleNamespace(get=lambda path, backend_args=None: path)
    mmcv = types.SimpleNamespace(imfrombytes=lambda b, flag=None, backend=None: np.asarray(b))
    ns = {"np": np, "fileio": fileio, "mmcv": mmcv}
    exec(compile(__import__("textwrap").dedent(fsrc), LOADING_PATH, "exec"), ns)
    return ns["_load_seg_map"], fsrc


def f32_record(x):
    a = np.asarray(x, dtype=np.float32)
    bits = a.view(np.uint32)
    if a.ndim == 0:
        v = float(a)
        return {"bits": int(bits), "value": None if np.isnan(v) else v}
    return {"bits": [int(b) for b in bits.ravel()],
            "value": [None if np.isnan(v) else float(v) for v in a.ravel()]}


def run_case(IoUMetric, load_seg_map, case):
    C = case["num_classes"]
    out = {"gt_loaded": [], "warnings": [], "error": None}
    metric = IoUMetric(ignore_index=case["ignore_index"], iou_metrics=case["metrics"],
                       nan_to_num=case["nan_to_num"], beta=case["beta"])
    metric.dataset_meta = dict(classes=[f"c{i}" for i in range(C)],
                               label_map=case["label_map"], reduce_zero_label=case["reduce_zero_label"])
    fake_self = types.SimpleNamespace(reduce_zero_label=case["reduce_zero_label"], backend_args=None,
                                      imdecode_backend="pillow")
    samples = []
    torch.set_num_threads(case.get("threads", 1))
    for img in case["images"]:
        h, w = img["shape"]
        if "gt_runs" in img:  # large images are stored as runs of equal values, in memory order
            img_gt = expand(img["gt_runs"])
            img_pred = expand(img["pred_runs"])
        else:
            img_gt, img_pred = img["gt"], img["pred"]
        results = {"seg_map_path": np.array(img_gt, dtype=np.uint8).reshape(h, w),
                   "reduce_zero_label": case["reduce_zero_label"],
                   "label_map": None if case["label_map"] is None else
                   {int(k): v for k, v in case["label_map"].items()},
                   "seg_fields": []}
        load_seg_map(fake_self, results)
        gt = results["gt_seg_map"]
        if "gt_runs" in img:
            assert (gt.ravel() == np.asarray(img_gt, dtype=np.uint8)).all()
            out["gt_loaded"].append(None)  # unchanged (no reduce_zero_label, no label_map)
        else:
            out["gt_loaded"].append([int(v) for v in gt.ravel()])
        pred = torch.tensor(np.asarray(img_pred, dtype=np.int64).reshape(1, h, w))
        samples.append({"gt_sem_seg": {"data": torch.from_numpy(gt.astype(np.int64))[None]},
                        "pred_sem_seg": {"data": pred}})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            metric.process([0] * len(samples), samples)
            res = tuple(zip(*metric.results))
            totals = [sum(r) for r in res]
            raw = IoUMetric.total_area_to_metrics(*totals, case["metrics"], case["nan_to_num"],
                                                  case["beta"])
            summary = metric.compute_metrics(metric.results)
        except Exception as e:  # recorded, as the library raised it
            out["error"] = f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"
            raw = summary = None
    out["warnings"] = sorted({f"{w.category.__name__}: {w.message}" for w in caught})
    if raw is not None:
        out["totals"] = {k: f32_record(t.numpy()) for k, t in
                         zip(["intersect", "union", "predLabel", "label"], totals)}
        out["raw"] = {k: f32_record(v) for k, v in raw.items()}
        out["summary"] = {k: f32_record(v) for k, v in summary.items()}
    return out


def expand(runs):
    return np.repeat(np.array([v for v, _ in runs], dtype=np.uint8), [n for _, n in runs])


def rng_images(seed, n, h, w, C, ignore_frac=0.1, pred_max=None, gt_values=None):
    r = np.random.default_rng(seed)
    imgs = []
    for _ in range(n):
        gt = r.choice(gt_values, size=h * w) if gt_values is not None else r.integers(0, C, h * w)
        gt = np.where(r.random(h * w) < ignore_frac, 255, gt)
        pred = np.where(r.random(h * w) < 0.6, np.where(gt == 255, 0, gt),
                        r.integers(0, (pred_max or C), h * w))
        imgs.append({"shape": [h, w], "gt": [int(v) for v in gt], "pred": [int(v) for v in pred]})
    return imgs


def scenarios():
    base = dict(ignore_index=255, reduce_zero_label=False, label_map=None)
    out = []
    rand = rng_images(1, 4, 8, 8, 5)
    absent = rng_images(2, 3, 6, 7, 6, gt_values=[0, 1, 2, 3])  # 4 only predicted, 5 never
    for i, im in enumerate(absent):
        im["pred"] = [v if v != 5 else 4 for v in im["pred"]]
    all_ignored = [{"shape": [2, 3], "gt": [255] * 6, "pred": [0, 1, 2, 0, 1, 2]}]
    mixed = rng_images(3, 2, 5, 5, 3) + all_ignored
    out_of_range = rng_images(4, 3, 6, 6, 4, pred_max=7)  # predictions 4..6 are outside [0, 4)
    ade = rng_images(5, 3, 6, 6, 5)  # labels 0..4 and 255; reduce_zero_label: 0 → 255, 1..4 → 0..3
    skewed = rng_images(6, 2, 16, 16, 3, ignore_frac=0.0)
    defs = [
        ("random", 5, rand, {}),
        ("absent_classes", 6, absent, {}),
        ("all_ignored", 3, all_ignored, {}),
        ("all_ignored_among_others", 3, mixed, {}),
        ("pred_out_of_range", 4, out_of_range, {}),
        ("reduce_zero_label", 4, ade, {"reduce_zero_label": True}),
        ("label_map", 5, rand, {"label_map": {"1": 2, "2": 1, "4": 255}}),
        ("reduce_zero_label_and_label_map", 4, ade,
         {"reduce_zero_label": True, "label_map": {"0": 3, "3": 0}}),
        ("no_ignored_pixels", 3, skewed, {}),
    ]
    option_sets = []
    for metrics in (["mIoU"], ["mIoU", "mDice", "mFscore"], ["mFscore", "mDice"]):
        for nan in (None, 0, 1):
            option_sets.append({"metrics": metrics, "nan_to_num": nan, "beta": 1})
    for beta in (2, 0.5, 3):
        option_sets.append({"metrics": ["mFscore"], "nan_to_num": None, "beta": beta})
    option_sets.append({"metrics": ["mFscore"], "nan_to_num": 0, "beta": 2})
    for name, C, imgs, extra in defs:
        cases = []
        for opts in option_sets:
            cases.append({**base, **extra, "num_classes": C, "images": imgs, **opts})
        out.append({"name": name, "cases": cases})
    # Past 2^24 pixels of class 0 in one image: torch's float32 histc stops at 2^24 per thread
    # chunk, and the chunks depend on torch.get_num_threads().
    n = 4097 * 4097
    big = {"shape": [4097, 4097], "gt_runs": [[0, 2**24 + 100], [255, 50], [1, n - 2**24 - 150]],
           "pred_runs": [[0, 2**24 + 20], [1, 90], [2, n - 2**24 - 110]]}
    small = rng_images(7, 1, 4, 4, 3)[0]
    big_cases = [{**base, "num_classes": 3, "images": [big, small], "metrics": ["mIoU", "mDice", "mFscore"],
                  "nan_to_num": None, "beta": 1, "threads": t} for t in (1, 2, 3)]
    out.append({"name": "past_2^24_pixels_threads", "cases": big_cases})
    err = {**base, "num_classes": 3, "images": all_ignored, "metrics": ["mAP"], "nan_to_num": None, "beta": 1}
    out.append({"name": "unsupported_metric", "cases": [err]})
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--iou-git", default=IOU_GIT)
    ap.add_argument("--loading-git", default=LOADING_GIT)
    a = ap.parse_args()
    iou_src = git_show(a.iou_git, IOU_PATH)
    loading_src = git_show(a.loading_git, LOADING_PATH)
    IoUMetric = load_iou_metric(iou_src)
    load_seg_map, seg_src = load_seg_map_fn(loading_src)
    sha = {f: hashlib.sha256(function_source(iou_src, "IoUMetric", f).encode()).hexdigest()
           for f in ("compute_metrics", "intersect_and_union", "total_area_to_metrics")}
    sha["_load_seg_map"] = hashlib.sha256(seg_src.encode()).hexdigest()
    for k, v in sha.items():
        print(k, v)
    scen = scenarios()
    n = 0
    for s in scen:
        for c in s["cases"]:
            c["expected"] = run_case(IoUMetric, load_seg_map, c)
            n += 1
    doc = {"library": "mmsegmentation", "version": "1.x (iou_metric.py as of 01c96235)",
           "torch": torch.__version__, "numpy": np.__version__,
           "sources": {"iou_metric": f"{a.iou_git}:{IOU_PATH}", "loading": f"{a.loading_git}:{LOADING_PATH}"},
           "sha256": sha,
           "float32": "bits are IEEE-754 float32 bit patterns as unsigned integers; value is null for NaN",
           "scenarios": scen}
    with open(a.out, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
    print(f"{n} cases → {a.out}")


if __name__ == "__main__":
    main()
