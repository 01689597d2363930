#!/usr/bin/env python3
"""Write a Keras state golden file (golden/keras-state) from the Keras installed here.

Not needed by the toolkit: it records what real Keras does with the state of its IoU metrics:
update_state, reset_state, `reset_states()` and `merge_state()` (both AttributeError in Keras 3),
`total_cm.assign(value)` and the Keras 3 merge idiom `total_cm.assign(total_cm + other.total_cm)`,
including float32 states whose merged cells cross 2^24 and int32 states that wrap. After every
step it records total_cm (values and dtype), result() (value as float64 text, float32 bits, dtype)
and the error (class + first line of the message) or warnings. The TypeScript replay is
tools/golden_keras_state.ts.

    KERAS_BACKEND is set from --backend before Keras is imported.
    /work/venv-keras/bin/python tools/keras_state_oracle.py --backend jax \\
        --out golden/keras-state/keras-v3.15.1-jax.json
"""

import argparse
import json
import os
import sys
import warnings

P24 = 2**24
I31 = 2**31 - 1


def cases():
    """The scenarios: metrics (class + kwargs) and ops on them, by index."""
    y4t, y4p = [0, 0, 1, 1], [0, 1, 0, 1]
    oh_t = [[0, 0, 1], [1, 0, 0], [0, 1, 0], [1, 0, 0]]
    oh_p = [[0.2, 0.3, 0.5], [0.1, 0.2, 0.7], [0.5, 0.3, 0.1], [0.1, 0.4, 0.5]]
    out = []
    for dtype in [None, "float32", "float64"]:
        kw = {} if dtype is None else {"dtype": dtype}
        out.append({
            "name": f"merge_state_and_reset_states_raise[{dtype}]",
            "metrics": [{"class": "MeanIoU", "kwargs": {"num_classes": 2, **kw}}] * 2,
            "ops": [
                {"op": "update", "m": 0, "y_true": y4t, "y_pred": y4p},
                {"op": "update", "m": 1, "y_true": [1, 1], "y_pred": [1, 1]},
                {"op": "merge_state", "m": 0, "others": [1]},
                {"op": "reset_states", "m": 0},
                {"op": "sum", "m": 0, "others": [1]},
                {"op": "sum", "m": 0, "others": [0]},
                {"op": "reset_state", "m": 0},
                {"op": "update", "m": 0, "y_true": [0, 1, 1], "y_pred": [0, 1, 0]},
                {"op": "reset_state", "m": 1},
            ],
        })
        out.append({
            "name": f"float32_crossing_2^24[{dtype}]",
            "metrics": [{"class": "MeanIoU", "kwargs": {"num_classes": 2, **kw}}] * 3,
            "ops": [
                {"op": "assign", "m": 0, "value": [[P24 - 1, 3], [5, 7]]},
                {"op": "assign", "m": 1, "value": [[4, 1], [0, 1]]},
                {"op": "sum", "m": 0, "others": [1]},
                {"op": "assign", "m": 2, "value": [[18727297, 18728760], [18731195, 1]]},
                {"op": "sum", "m": 2, "others": [2]},
                {"op": "update", "m": 0, "y_true": [0, 0, 0, 1, 1], "y_pred": [0, 0, 0, 1, 0]},
                {"op": "reset_state", "m": 2},
                {"op": "update", "m": 2, "y_true": [0, 1], "y_pred": [0, 1]},
            ],
        })
        out.append({
            "name": f"int32_wrap_on_sum[{dtype}]",
            "metrics": [{"class": "MeanIoU", "kwargs": {"num_classes": 2, **kw}}] * 2,
            "ops": [
                {"op": "assign", "m": 0, "value": [[I31, 0], [0, 2**30]]},
                {"op": "assign", "m": 1, "value": [[1, 0], [0, 2**30]]},
                {"op": "sum", "m": 0, "others": [1]},
            ],
        })
        out.append({
            "name": f"family_reset_and_reuse[{dtype}]",
            "metrics": [
                {"class": "IoU", "kwargs": {"num_classes": 2, "target_class_ids": [1, 0], **kw}},
                {"class": "BinaryIoU", "kwargs": {"target_class_ids": [0, 1], "threshold": 0.3, **kw}},
                {"class": "OneHotIoU", "kwargs": {"num_classes": 3, "target_class_ids": [0, 2], **kw}},
                {"class": "OneHotMeanIoU", "kwargs": {"num_classes": 3, **kw}},
                {"class": "IoU", "kwargs": {"num_classes": 2, "target_class_ids": [0], **kw}},
            ],
            "ops": [
                {"op": "update", "m": 0, "y_true": y4t, "y_pred": y4p},
                {"op": "update", "m": 4, "y_true": [0, 1], "y_pred": [0, 0]},
                {"op": "sum", "m": 0, "others": [4]},
                {"op": "reset_state", "m": 0},
                {"op": "update", "m": 0, "y_true": [1, 1], "y_pred": [1, 0]},
                {"op": "update", "m": 1, "y_true": [0, 1, 0, 1], "y_pred": [0.1, 0.2, 0.4, 0.7]},
                {"op": "reset_state", "m": 1},
                {"op": "update", "m": 1, "y_true": [1, 1], "y_pred": [0.9, 0.1]},
                {"op": "update", "m": 2, "y_true": oh_t, "y_pred": oh_p},
                {"op": "update", "m": 3, "y_true": oh_t, "y_pred": oh_p},
                {"op": "sum", "m": 2, "others": [3, 3]},
                {"op": "reset_state", "m": 3},
                {"op": "merge_state", "m": 2, "others": [3]},
            ],
        })
    out.append({
        "name": "sum_mismatched_num_classes",
        "metrics": [
            {"class": "MeanIoU", "kwargs": {"num_classes": 2}},
            {"class": "MeanIoU", "kwargs": {"num_classes": 3}},
        ],
        "ops": [
            {"op": "update", "m": 1, "y_true": [0, 2], "y_pred": [0, 2]},
            {"op": "sum", "m": 0, "others": [1]},
        ],
    })
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--backend", required=True, choices=["tensorflow", "jax", "torch", "numpy"])
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    os.environ["KERAS_BACKEND"] = a.backend
    import numpy as np
    import keras

    def cm_of(m):
        v = keras.ops.convert_to_numpy(m.total_cm)
        return [[int(x) if np.issubdtype(v.dtype, np.integer) else float(x) for x in r] for r in v], str(v.dtype)

    def res_of(m):
        r = np.asarray(keras.ops.convert_to_numpy(m.result()))
        rec = {"result": repr(float(r)), "result_dtype": str(r.dtype)}
        if r.dtype == np.float32:
            rec["result_bits"] = "0x%08x" % int(r.view(np.uint32))
        return rec

    out_cases = []
    for c in cases():
        metrics = [getattr(keras.metrics, d["class"])(**d["kwargs"]) for d in c["metrics"]]
        records = []
        for op in c["ops"]:
            m = metrics[op["m"]]
            rec = {}
            with warnings.catch_warnings(record=True) as ws:
                warnings.simplefilter("always")
                try:
                    k = op["op"]
                    if k == "update":
                        kw = {}
                        if "sample_weight" in op:
                            kw["sample_weight"] = np.array(op["sample_weight"])
                        m.update_state(np.array(op["y_true"]), np.array(op["y_pred"]), **kw)
                    elif k == "reset_state":
                        m.reset_state()
                    elif k == "reset_states":
                        m.reset_states()
                    elif k == "merge_state":
                        m.merge_state([metrics[i] for i in op["others"]])
                    elif k == "assign":
                        m.total_cm.assign(np.array(op["value"]))
                    elif k == "sum":
                        for i in op["others"]:
                            m.total_cm.assign(m.total_cm + metrics[i].total_cm)
                    else:
                        raise SystemExit(f"unknown op {k}")
                except Exception as e:  # noqa: BLE001 - recorded, as Keras raised it
                    rec["error"] = f"{type(e).__name__}: {str(e).strip().splitlines()[0] if str(e).strip() else ''}"
            w = [str(x.message).splitlines()[0] for x in ws if "keras" in (x.filename or "") or "jax" in (x.filename or "")]
            if w:
                rec["warnings"] = w
            rec["total_cm"], rec["total_cm_dtype"] = cm_of(m)
            rec.update(res_of(m))
            records.append(rec)
        out_cases.append({**c, "records": records})
    doc = {
        "library": "keras-state",
        "kind": "keras-state",
        "keras_state_version": keras.__version__,
        "backend": a.backend,
        "numpy_version": np.__version__,
        "python": sys.version.split()[0],
        "cases": out_cases,
    }
    with open(a.out, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    print(f"{a.out}: {len(out_cases)} cases, {sum(len(c['records']) for c in out_cases)} records")


if __name__ == "__main__":
    main()
