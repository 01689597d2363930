#!/usr/bin/env python3
"""Write a Keras IoU golden file (the format of golden/keras) from the Keras installed here.

Not needed by the toolkit: it checks the TypeScript emulation against real Keras, for new versions,
backends and scenarios. The inputs come from the golden README's generator, so the TypeScript
replay (`deno task golden DIR`) regenerates them.

    KERAS_BACKEND is set from --backend before Keras is imported.
    python tools/keras_oracle.py --backend tensorflow --out /tmp/g/keras-tf.json
    python tools/keras_oracle.py --backend jax --compiled --out /tmp/g/keras-jax-jit.json
    python tools/keras_oracle.py --backend tensorflow --compare golden/keras/keras-v3.15.1-tensorflow.json
    python tools/keras_oracle.py --backend numpy --scenarios X --out tests/fixtures/keras_extra_numpy.json

Scenarios: S1-S9 as in golden/keras (S3a and S4 are big: --skip-big leaves them out), and X, extra
scenarios for the tests (8+ classes, BinaryIoU on probabilities, ignore_class with out-of-range ids,
non-integer weights).
"""

import argparse
import json
import os
import sys
import time
import warnings

M32 = 0xFFFFFFFF


def lowbias32(x):
    x &= M32
    x ^= x >> 16
    x = (x * 0x7FEB352D) & M32
    x ^= x >> 15
    x = (x * 0x846CA68B) & M32
    x ^= x >> 16
    return x


def u24(s, i):
    return lowbias32((i + s * 0x9E3779B9) & M32) >> 8


def cdf24(w):
    total = sum(w)
    out, cum = [], 0
    for k in range(len(w) - 1):
        cum += w[k]
        out.append((2**24 * cum) // total)
    return out


def pick24(u, cdf):
    return sum(1 for c in cdf if u >= c)


def generate_batch(g, b, np):
    """Batch b of generator g (README: i = b*N + j), vectorised with numpy uint64 arithmetic."""
    n = int(np.prod(g["batch_shape"]))
    i = np.arange(b * n, (b + 1) * n, dtype=np.uint64)

    def u24v(s):
        x = (i + np.uint64((s * 0x9E3779B9) & M32)) & np.uint64(M32)
        x ^= x >> np.uint64(16)
        x = (x * np.uint64(0x7FEB352D)) & np.uint64(M32)
        x ^= x >> np.uint64(15)
        x = (x * np.uint64(0x846CA68B)) & np.uint64(M32)
        x ^= x >> np.uint64(16)
        return (x >> np.uint64(8)).astype(np.int64)

    def pickv(u, w):
        c = np.array(cdf24(w), dtype=np.int64)
        return (u[:, None] >= c[None, :]).sum(axis=1) if len(c) else np.zeros_like(u)

    cat = pickv(u24v(g["sT"]), g["wT"])
    labels = np.array(g.get("labels_true", list(range(len(g["wT"])))), dtype=np.int64)
    y_true = labels[cat]
    acc = np.array(list(g["acc"]) + [0] * (len(g["wT"]) - len(g["acc"])), dtype=np.int64)
    void = g.get("void_category", -1)
    correct = (cat != void) & (u24v(g["sC"]) < acc[cat])
    y_pred = np.where(correct, cat, pickv(u24v(g["sP"]), g["wP"]))
    shape = tuple(g["batch_shape"])
    sw = None
    if "weights" in g:
        ws = np.array(g["weights"], dtype=np.float64)
        idx = (u24v(g.get("sW", 0)) * len(ws)) // 2**24
        sw = ws[idx].astype(g.get("weights_dtype", "float32")).reshape(shape)
    return y_true.reshape(shape), y_pred.reshape(shape), sw


def scenario_specs(skip_big):
    """The S1-S9 scenarios of golden/keras (metrics: (class, kwargs)) and the extra X ones."""
    u = 10066329
    d = None  # default dtype
    f = "float32"

    def mean(k, dtype=None, **kw):
        return ("MeanIoU", dict(num_classes=k, dtype=dtype, **kw))

    def iou(k, ids, dtype=None, **kw):
        return ("IoU", dict(num_classes=k, target_class_ids=ids, dtype=dtype, **kw))

    g2 = dict(K=4, batches=3, batch_shape=[2, 8, 8], sT=21, sC=22, sP=23, sW=24, wT=[1, 1, 1, 1],
              acc=[u] * 4, wP=[1, 1, 1, 1])
    specs = {
        "S1": [dict(name="S1_small_sparse", generator=dict(K=3, batches=4, batch_shape=[2, 8, 8], sT=11,
                    sC=12, sP=13, wT=[1, 1, 1], acc=[u] * 3, wP=[1, 1, 1]), metrics=[mean(3)])],
        "S2": [
            dict(name="S2a_ignore0_int_weights", generator=dict(g2, weights=[0, 1, 2, 3], weights_dtype="int64"),
                 metrics=[mean(4, ignore_class=0)]),
            dict(name="S2b_ignore0_float_weights",
                 generator=dict(g2, weights=[0.25, 0.5, 1.0, 1.5, 2.0], weights_dtype="float32"),
                 metrics=[mean(4, ignore_class=0)]),
            dict(name="S2c_ignore255_void", generator=dict(g2, wT=[1] * 5, labels_true=[0, 1, 2, 3, 255],
                 void_category=4), metrics=[mean(4, ignore_class=255)]),
            dict(name="S2d_ignore_minus1_void_float_weights", generator=dict(g2, wT=[1] * 5,
                 labels_true=[0, 1, 2, 3, -1], void_category=4, weights=[0.5, 1.0, 2.0], weights_dtype="float32"),
                 metrics=[mean(4, ignore_class=-1), mean(4, f, ignore_class=-1)]),
        ],
        "S3": [
            dict(name="S3a_saturation_single_batch",
                 layout="1-D batch: concatenation, in order, of runs (y_true,y_pred,count): "
                        "(0,0,17001234), (0,1,100), (1,0,50), (1,1,1000)",
                 runs=[[(0, 0, 17001234), (0, 1, 100), (1, 0, 50), (1, 1, 1000)]], final_only=True,
                 metrics=[mean(2), mean(2, f)], big=True),
            dict(name="S3b_cross_batch_rounding",
                 layout="batches (runs y_true,y_pred,count in order): "
                        "[[(0, 0, 10000001), (1, 1, 1)], [(0, 0, 10000000), (1, 1, 1)]]",
                 runs=[[(0, 0, 10000001), (1, 1, 1)], [(0, 0, 10000000), (1, 1, 1)]],
                 metrics=[mean(2), mean(2, f)]),
        ],
        "S4": dict(name="S4_accumulation_drift", generator=dict(K=3, batches=300, batch_shape=[1, 512, 512],
                   sT=41, sC=42, sP=43, wT=[80, 15, 5], acc=[15938355, 13421773, 11744051], wP=[1, 1, 1]),
                   metrics=[mean(3)], big=True),
        "S5": [dict(name="S5_dense_probs_onehot", s5=True, metrics=[
            mean(3, sparse_y_pred=False), ("OneHotMeanIoU", dict(num_classes=3)),
            ("OneHotIoU", dict(num_classes=3, target_class_ids=[1])),
            ("OneHotIoU", dict(num_classes=3, target_class_ids=[0, 2]))])],
        "S6": dict(name="S6_iou_target_subset", generator=dict(K=4, batches=3, batch_shape=[2, 8, 8], sT=61,
                   sC=62, sP=63, wT=[4, 3, 2, 1], acc=[u] * 4, wP=[1, 1, 1, 1]),
                   metrics=[iou(4, [1, 3]), iou(4, [2]), iou(4, [0, 1, 2, 3]), iou(4, [3, 1]), mean(4)]),
        "S7": [
            dict(name="S7a_class3_absent_everywhere", generator=dict(K=4, batches=2, batch_shape=[2, 8, 8],
                 sT=71, sC=72, sP=73, wT=[1, 1, 1, 0], acc=[u] * 3, wP=[1, 1, 1, 0]),
                 metrics=[mean(4), iou(4, [3]), iou(4, [2, 3]), mean(4, f)]),
            dict(name="S7b_no_updates", inputs=[], metrics=[mean(4), iou(4, [1])], final_only=True),
            dict(name="S7c_class3_only_in_pred", inputs=[dict(y_true=[0, 1, 2, 0, 1, 2, 0, 1],
                 y_pred=[0, 1, 2, 3, 1, 2, 0, 0])], metrics=[mean(4), iou(4, [3])], final_only=True),
            dict(name="S7d_all_zero_weights", inputs=[dict(y_true=[0, 1, 2], y_pred=[0, 2, 2],
                 sample_weight=[0, 0, 0])], metrics=[mean(3)], final_only=True),
        ],
        "S8": dict(name="S8_large_int_weights", notes="sample_weight passed as np.int64 arrays", step_inputs=[
            dict(y_true=[0], y_pred=[0], sample_weight=[2147483647]),
            dict(y_true=[0], y_pred=[0], sample_weight=[1]),
            dict(y_true=[1], y_pred=[1], sample_weight=[1]),
            dict(y_true=[0], y_pred=[1], sample_weight=[3])], metrics=[mean(2), mean(2, f)]),
        "S9": [dict(name=n, y_true=t, y_pred=p, metrics=[mean(3)]) for n, t, p in [
            ("S9a_pred_minus1", [0, 1, 2, 2], [0, 1, 2, -1]), ("S9b_pred_eq_K", [0, 1, 2, 2], [0, 1, 2, 3]),
            ("S9c_true_minus1", [0, 1, 2, -1], [0, 1, 2, 2]), ("S9d_true_eq_K", [0, 1, 2, 3], [0, 1, 2, 2])]],
        "X": [
            dict(name="X1_ten_classes_float_weights", generator=dict(K=10, batches=3, batch_shape=[2, 16, 16],
                 sT=101, sC=102, sP=103, sW=104, wT=[10, 9, 8, 7, 6, 5, 4, 3, 2, 1], acc=[u] * 10, wP=[1] * 10,
                 weights=[0.25, 0.5, 0.75, 1.0, 1.25], weights_dtype="float32"),
                 metrics=[mean(10), mean(10, f), iou(10, [0, 2, 4, 6, 8, 9, 7, 5, 3]), iou(10, [9])]),
            dict(name="X2_twelve_classes_unit", generator=dict(K=12, batches=2, batch_shape=[4, 16, 16],
                 sT=111, sC=112, sP=113, wT=[1] * 12, acc=[12582912] * 12, wP=[1] * 12),
                 metrics=[mean(12), mean(12, f)]),
            dict(name="X3_binary_iou_probs", binary=dict(n=64, batches=2, sT=121, sP=122, sW=123),
                 metrics=[("BinaryIoU", dict(target_class_ids=[0, 1], threshold=0.3)),
                          ("BinaryIoU", dict(target_class_ids=[1], threshold=0.5, dtype=f)),
                          ("BinaryIoU", dict(target_class_ids=[0, 1], threshold=0.5))]),
            dict(name="X4_ignore255_pred_out_of_range", generator=dict(K=3, batches=2, batch_shape=[2, 8, 8],
                 sT=131, sC=132, sP=133, wT=[1, 1, 1, 1], acc=[u] * 3, wP=[1, 1, 1, 1], labels_true=[0, 1, 2, 255],
                 void_category=3), metrics=[mean(3, ignore_class=255), mean(3, f, ignore_class=255)]),
            dict(name="X5_sixteen_classes_sum_order", generator=dict(K=16, batches=12, batch_shape=[1, 16, 16],
                 sT=141, sC=142, sP=143, sW=144, wT=list(range(16, 0, -1)), acc=[u] * 16, wP=[1] * 16,
                 weights=[0.5, 1.0, 1.5, 2.0, 3.0], weights_dtype="float32"),
                 metrics=[mean(16), mean(16, f), iou(16, list(range(8))), iou(16, list(range(11))),
                          iou(16, list(range(15, 2, -1))), iou(16, list(range(8)), f), iou(16, list(range(13)), f),
                          iou(16, list(range(9)), f)]),
        ],
    }
    if skip_big:
        specs.pop("S4")
        specs["S3"] = [s for s in specs["S3"] if not s.get("big")]
    return specs


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--backend", default="tensorflow", choices=["tensorflow", "jax", "torch", "numpy"])
    ap.add_argument("--compiled", action="store_true", help="TF: tf.function(jit_compile=True); JAX: jax.jit")
    ap.add_argument("--scenarios", default="S1,S2,S3,S4,S5,S6,S7,S8,S9")
    ap.add_argument("--skip-big", action="store_true", help="leave out S3a and S4")
    ap.add_argument("--out", help="write the golden file here")
    ap.add_argument("--compare", help="compare result bits, total_cm and errors with this golden file")
    args = ap.parse_args()
    os.environ["KERAS_BACKEND"] = args.backend
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import numpy as np
    import keras

    backend_lib = {}
    if args.backend == "tensorflow":
        import tensorflow as tf

        backend_lib["tensorflow"] = tf.__version__
    elif args.backend == "jax":
        import jax

        backend_lib["jax"] = jax.__version__
    elif args.backend == "torch":
        import torch

        backend_lib["torch"] = torch.__version__
    compiled = None
    if args.compiled:
        if args.backend == "tensorflow":
            compiled = "tf.function(jit_compile=True)"
        elif args.backend == "jax":
            compiled = "jax.jit"
        else:
            sys.exit("--compiled is for tensorflow and jax")

    def make(cls, kw):
        kw = {k: v for k, v in kw.items() if not (k == "dtype" and v is None)}
        return getattr(keras.metrics, cls)(**kw)

    def runner(m):
        """(update(yt, yp, sw), result()) for metric m in the chosen mode."""
        if compiled == "tf.function(jit_compile=True)":
            upd = tf.function(m.update_state, jit_compile=True)
            res = tf.function(m.result, jit_compile=True)
            return (lambda yt, yp, sw: upd(yt, yp) if sw is None else upd(yt, yp, sw)), res
        if compiled == "jax.jit":
            import jax

            jupd = jax.jit(m.stateless_update_state)
            jres = jax.jit(m.stateless_result)

            def update(yt, yp, sw):
                vals = [v.value for v in m.variables]
                new = jupd(vals, yt, yp) if sw is None else jupd(vals, yt, yp, sw)
                for v, x in zip(m.variables, new):
                    v.assign(x)

            return update, (lambda: jres([v.value for v in m.variables]))
        return (lambda yt, yp, sw: m.update_state(yt, yp) if sw is None else m.update_state(yt, yp, sw)), m.result

    def record(m, res_fn, err, caught, dt, with_timing=True):
        try:
            r = res_fn()
            r_np = np.asarray(keras.ops.convert_to_numpy(r))
            result, result_dtype = float(r_np), str(r_np.dtype)
        except Exception as e:  # noqa: BLE001
            result, result_dtype = None, None
            err = err or f"{type(e).__name__}: {e}"
        cm = np.asarray(keras.ops.convert_to_numpy(m.total_cm))
        rec = {"error": err, "update_s": dt, "warnings": [str(w.message)[:200] for w in caught],
               "result": result, "result_dtype": result_dtype,
               "total_cm": cm.astype(np.float64).tolist(), "total_cm_dtype": str(cm.dtype)}
        if not with_timing:
            for k in ("error", "update_s", "warnings"):
                rec.pop(k)
        return rec

    def metric_meta(m, cls):
        cfg = m.get_config()
        keep = ["num_classes", "target_class_ids", "dtype", "ignore_class", "sparse_y_true", "sparse_y_pred",
                "axis", "threshold"]
        return {"class": cls, "dtype": str(m.dtype), "config": {k: cfg[k] for k in keep if k in cfg}}

    def s5_batches():
        out = []
        for b in range(2):
            yt = [pick24(u24(51, b * 32 + j), cdf24([1, 1, 1])) for j in range(32)]
            lg = np.array([[u24(52, (b * 32 + j) * 3 + k) / 2**24 * 4 for k in range(3)] for j in range(32)])
            e = np.exp(lg - lg.max(-1, keepdims=True))
            p = (e / e.sum(-1, keepdims=True)).astype(np.float32)
            if b == 0:
                p[0], p[1], p[2] = [0.4, 0.4, 0.2], [0.25, 0.375, 0.375], [1 / 3] * 3
            out.append((np.array(yt, dtype=np.int64).reshape(2, 4, 4), p.reshape(2, 4, 4, 3)))
        return out

    def batches_of(sc):
        """List of (y_true per metric or shared, y_pred, sample_weight, explicit-inputs-or-None)."""
        if "generator" in sc:
            g = sc["generator"]
            for b in range(g["batches"]):
                yt, yp, sw = generate_batch(g, b, np)
                yield yt, yp, sw, None
        elif "runs" in sc:
            for runs in sc["runs"]:
                yt = np.concatenate([np.full(c, a, dtype=np.int64) for a, _, c in runs])
                yp = np.concatenate([np.full(c, p, dtype=np.int64) for _, p, c in runs])
                yield yt, yp, None, None
        elif sc.get("s5"):
            for yt, p in s5_batches():
                yield yt, p, None, {"y_true_sparse": yt.ravel().tolist(),
                                    "y_pred_probs": [float(v) for v in p.ravel()], "shape": list(p.shape)}
        elif "binary" in sc:
            bp = sc["binary"]
            for b in range(bp["batches"]):
                i0 = b * bp["n"]
                yt = np.array([u24(bp["sT"], i0 + j) & 1 for j in range(bp["n"])], dtype=np.int64)
                yp = np.array([u24(bp["sP"], i0 + j) / 2**24 for j in range(bp["n"])], dtype=np.float32)
                sw = np.array([(1 + u24(bp["sW"], i0 + j) % 4) / 4 for j in range(bp["n"])], dtype=np.float32)
                yield yt, yp, sw, {"y_true": yt.tolist(), "y_pred": [float(v) for v in yp],
                                   "sample_weight": [float(v) for v in sw], "y_pred_dtype": "float32",
                                   "sample_weight_dtype": "float32"}
        elif "inputs" in sc:
            for inp in sc["inputs"]:
                sw = None if inp.get("sample_weight") is None else np.array(inp["sample_weight"], dtype=np.int64)
                yield np.array(inp["y_true"], dtype=np.int64), np.array(inp["y_pred"], dtype=np.int64), sw, inp
        elif "step_inputs" in sc:
            for inp in sc["step_inputs"]:
                yield (np.array(inp["y_true"], dtype=np.int64), np.array(inp["y_pred"], dtype=np.int64),
                       np.array(inp["sample_weight"], dtype=np.int64), inp)
        elif "y_true" in sc:
            yield np.array(sc["y_true"], dtype=np.int64), np.array(sc["y_pred"], dtype=np.int64), None, None

    def run_scenario(sc):
        metrics = [make(c, kw) for c, kw in sc["metrics"]]
        runs = [runner(m) for m in metrics]
        out = {"name": sc["name"]}
        for k in ("layout", "notes", "generator", "y_true", "y_pred"):
            if k in sc:
                out[k] = sc[k]
        out["metrics"] = [metric_meta(m, c) for m, (c, _) in zip(metrics, sc["metrics"])]
        steps, inputs = [], []
        last = None
        for b, (yt, yp, sw, explicit) in enumerate(batches_of(sc)):
            per = []
            for m, (cls, _), (upd, res) in zip(metrics, sc["metrics"], runs):
                y = yt
                if cls.startswith("OneHot") and sc.get("s5"):
                    y = np.eye(3, dtype=np.float32)[yt]
                err = None
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    t0 = time.perf_counter()
                    try:
                        upd(y, yp, sw)
                    except Exception as e:  # noqa: BLE001
                        err = f"{type(e).__name__}: {e}"
                    dt = time.perf_counter() - t0
                per.append(record(m, res, err, caught, dt))
            step = {"per_metric": per}
            if "generator" in sc:
                step = {"after_batch": b + 1, **step}
            if "step_inputs" in sc:
                step = {"y_true": explicit["y_true"], "y_pred": explicit["y_pred"],
                        "sample_weight": explicit["sample_weight"], **step}
            steps.append(step)
            if explicit is not None and "step_inputs" not in sc:
                inputs.append(explicit)
            last = per
        if inputs:
            out["inputs"] = inputs
        if sc.get("final_only") or "y_true" in sc:
            out["per_metric"] = last if last is not None else [
                record(m, res, None, [], 0.0, with_timing=False) for m, (_, res) in zip(metrics, runs)]
        else:
            out["steps"] = steps
        return out

    t_start = time.perf_counter()
    specs = scenario_specs(args.skip_big)
    scenarios = {}
    for key in [s.strip() for s in args.scenarios.split(",") if s.strip()]:
        if key not in specs:
            continue
        spec = specs[key]
        scenarios[key] = [run_scenario(s) for s in spec] if isinstance(spec, list) else run_scenario(spec)
        print(f"{key} done ({time.perf_counter() - t_start:.1f} s)", file=sys.stderr)
    label = f"keras-v{keras.__version__}-{args.backend}" + ("-compiled" if compiled else "")
    golden = {"label": label, "keras_version": keras.__version__, "keras_path": f"keras=={keras.__version__} (pip)",
              "keras_backend": args.backend, "numpy_version": np.__version__, "backend_lib_versions": backend_lib,
              "python": sys.version.split()[0], "compiled": compiled, "wall_seconds": time.perf_counter() - t_start,
              "scenarios": scenarios}
    if args.out:
        os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
        with open(args.out, "w") as fh:
            json.dump(golden, fh)
    if args.compare:
        sys.exit(compare(golden, json.load(open(args.compare))))


def compare(mine, ref):
    """Compare every per-metric record present in both (result bits, total_cm, error type)."""
    same = diff = 0

    def records(g):
        for key, v in g["scenarios"].items():
            for sc in v if isinstance(v, list) else [v]:
                if isinstance(sc.get("steps"), list):
                    for i, st in enumerate(sc["steps"]):
                        for mi, r in enumerate(st.get("per_metric", [])):
                            yield (sc["name"], i, mi), r
                for mi, r in enumerate(sc.get("per_metric", [])):
                    yield (sc["name"], "final", mi), r

    ref_recs = dict(records(ref))
    for k, r in records(mine):
        if k not in ref_recs:
            continue
        e = ref_recs[k]
        et = lambda x: None if x is None else x.split(":")[0]  # noqa: E731
        ok = r.get("result") == e.get("result") and r.get("total_cm") == e.get("total_cm") and \
            et(r.get("error")) == et(e.get("error"))
        if ok:
            same += 1
        else:
            diff += 1
            print(f"differs: {k}: mine {r.get('result')} {r.get('error')} ref {e.get('result')} {e.get('error')}")
    print(f"{same} records identical, {diff} differ, {len(ref_recs)} in the reference")
    return 1 if diff else 0


if __name__ == "__main__":
    main()
