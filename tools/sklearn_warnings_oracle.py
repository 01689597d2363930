#!/usr/bin/env python3
"""Oracle for scikit-learn's warnings and errors in `jaccard_score` (issue 16).

Runs the REAL scikit-learn on small label vectors and records, for every call, the value (or the
error: class and first line) AND every warning issued, in order (category and message).
`tools/golden_sklearn_warnings.ts` replays the file through the public API
(`sklearnJaccardScore` / `sklearnJaccardPerClass` with `onWarning`).

Usage (from the repository root, any venv with scikit-learn and numpy):

    .venv-oracle/bin/python tools/sklearn_warnings_oracle.py [--out golden/peers]
"""

import argparse
import json
import os
import platform
import random
import warnings

import numpy as np
import sklearn
from sklearn.metrics import jaccard_score


def run(t, p, options):
    kwargs = dict(options)
    if "zero_weight_labels" in kwargs:
        zero = kwargs.pop("zero_weight_labels")
        w = np.ones(len(t))
        w[np.isin(t, zero) | np.isin(p, zero)] = 0.0
        kwargs["sample_weight"] = w
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            r = jaccard_score(np.array(t), np.array(p), **kwargs)
            result = [float(x) for x in r] if isinstance(r, np.ndarray) else float(r)
            error = None
        except Exception as e:  # noqa: BLE001 - every error is recorded, by class
            result = None
            error = f"{type(e).__name__}: {str(e).splitlines()[0]}"
    caught_list = [{"category": w.category.__name__, "message": str(w.message)} for w in caught
                   if w.category.__name__ in ("UndefinedMetricWarning", "UserWarning")]
    return result, error, caught_list


def scenarios(rng):
    # Explicit vectors: binary, multiclass, absent labels, one label only.
    base = [
        ([0, 1, 0, 1, 1], [0, 1, 0, 1, 1]),
        ([1, 0, 1, 1, 0], [1, 0, 1, 1, 1]),
        ([0, 0], [0, 0]),
        ([1], [0]),
        ([2, 2, 2], [2, 2, 2]),
        ([0, 1, 1, 0, 2], [1, 1, 1, 1, 0]),
        ([0, 0, 1, 1, 3, 3], [0, 1, 1, 1, 3, 0]),
    ]
    for _ in range(12):
        n = rng.randint(1, 12)
        k = rng.randint(1, 4)
        t = [rng.randrange(k) for _ in range(n)]
        p = [rng.randrange(k + 1) for _ in range(n)]
        base.append((t, p))
    return base


def option_sets(t, p):
    present = sorted(set(t) | set(p))
    out = []
    for average in (None, "binary", "micro", "macro", "weighted", "samples"):
        for zd in ("warn", 0, 1):
            out.append({"average": average, "zero_division": zd})
        for labels in ([0, 1, 2, 3], [present[-1] + 1], [present[0]]):
            out.append({"average": average, "labels": labels})
        for pos in (0, 2, 3):
            out.append({"average": average, "pos_label": pos})
    out.append({"average": "macro", "zero_weight_labels": [present[0]]})
    out.append({"average": "micro", "zero_weight_labels": present})
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="golden/peers")
    args = ap.parse_args()
    rng = random.Random(16)
    cases = []
    for t, p in scenarios(rng):
        for options in option_sets(t, p):
            result, error, caught = run(t, p, options)
            cases.append({"true": t, "pred": p, "options": options, "result": result,
                          "error": error, "warnings": caught})
    doc = {
        "library": "scikit-learn-warnings",
        "library_version": sklearn.__version__,
        "numpy_version": np.__version__,
        "python": platform.python_version(),
        "generated_by": "tools/sklearn_warnings_oracle.py",
        "cases": cases,
    }
    path = os.path.join(args.out, f"peers-sklearn-warnings-{sklearn.__version__}.json")
    with open(path, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    n_warn = sum(1 for c in cases if c["warnings"])
    n_err = sum(1 for c in cases if c["error"])
    print(f"wrote {path}: {len(cases)} cases, {n_warn} with warnings, {n_err} errors")


if __name__ == "__main__":
    main()
