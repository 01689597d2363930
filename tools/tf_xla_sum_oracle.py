#!/usr/bin/env python3
"""Record what Keras 3.15's IoU / MeanIoU result() returns, compiled and eager, for many matrices.

Not needed by the toolkit: it pins down, on real TensorFlow or JAX, the float32 order in which
the backend sums the IoU vector (tests/float32/keras_tf_xla_sum_test.ts replays the files). Each record
holds a seed; the confusion matrix is regenerated from it by the xorshift generator below, which
the test mirrors, so the file stays small. The matrix is assigned to total_cm and result() is run
compiled (TensorFlow: tf.function(jit_compile=True); JAX: jax.jit of stateless_result) and eagerly.

    python tools/tf_xla_sum_oracle.py --out tests/fixtures/keras-v3.15.1-tf-xla-sums.json
    python tools/tf_xla_sum_oracle.py --backend jax --out tests/fixtures/keras-v3.15.1-jax-jit-sums.json
    python tools/tf_xla_sum_oracle.py --cells big --out tests/fixtures/keras-v3.15.1-tf-xla-big-float32-sums.json
    python tools/tf_xla_sum_oracle.py --graph 3.8 --out tests/fixtures/keras-v3.8-graph-tf-xla-sums.json

With --cells big the states are float32 with cells up to 2^25, so that the matrix's row and
column sums pass 2^24 and their own order shows.

With --graph 3.8 the result() of Keras 3.8-3.14 is run instead, re-implemented below op for op from
docs/keras.md (Keras 3.8-3.14) on the installed Keras's ops, since those
versions cannot be installed here. It differs from 3.15's only where XLA sees it: no `where`
zeroing the invalid IoUs (whose IoU is 0 / (0 + eps) = 0 anyway) and no explicit cast of the true
positives, so the values agree and the loops XLA emits may not.
"""

import argparse
import json
import os
import platform

M32 = 0xFFFFFFFF


def confusion_matrix(num_classes, seed, big=False):
    """Cells in [0, 1000) (big: [0, 2^25) rounded to float32, so that row and column sums pass
    2^24 and round), about 40 % zeros; a seed divisible by 3 empties one class."""
    import numpy as np

    s = (seed & M32) or 1
    cm = []
    for _ in range(num_classes * num_classes):
        s ^= (s << 13) & M32
        s ^= s >> 17
        s ^= (s << 5) & M32
        v = float(np.float32(s % 33554432)) if big else s % 1000
        cm.append(v if (s >> 10) % 5 < 3 else 0)
    if seed % 3 == 0:
        k = seed % num_classes
        for j in range(num_classes):
            cm[k * num_classes + j] = 0
            cm[j * num_classes + k] = 0
    return cm


def result_3_8(ops, epsilon, total_cm, dtype, target_class_ids):
    """Keras 3.8-3.14's IoU.result() on a confusion matrix (see the module doc)."""
    sum_over_row = ops.cast(ops.sum(total_cm, axis=0), dtype=dtype)
    sum_over_col = ops.cast(ops.sum(total_cm, axis=1), dtype=dtype)
    true_positives = ops.cast(ops.diag(total_cm), dtype=dtype)
    denominator = sum_over_row + sum_over_col - true_positives
    ids = ops.convert_to_tensor(target_class_ids, dtype="int32")
    true_positives = ops.take_along_axis(true_positives, ids, axis=-1)
    denominator = ops.take_along_axis(denominator, ids, axis=-1)
    denominator = ops.cast(denominator, dtype="float32")
    num_valid_entries = ops.sum(ops.cast(ops.greater(denominator, 1e-9), dtype="float32"))
    iou = ops.divide(true_positives, denominator + epsilon)
    return ops.divide(ops.sum(iou, axis=-1), num_valid_entries + epsilon)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--per-config", type=int, default=8)
    ap.add_argument("--backend", default="tensorflow", choices=["tensorflow", "jax"])
    ap.add_argument("--cells", default="small", choices=["small", "big"],
                    help="big: float32 states whose row and column sums pass 2^24")
    ap.add_argument("--graph", default="installed", choices=["installed", "3.8"],
                    help="3.8: Keras 3.8-3.14's result(), re-implemented (see the module doc)")
    args = ap.parse_args()
    os.environ["KERAS_BACKEND"] = args.backend
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import numpy as np
    import keras

    def result_fn(m):
        """The metric's result() as a function of the matrix."""
        if args.graph == "installed":
            return None
        ids = list(m.target_class_ids)
        return lambda cm: result_3_8(keras.ops, keras.backend.epsilon(), cm, m.dtype, ids)

    if args.backend == "tensorflow":
        import tensorflow as tf

        lib = dict(tensorflow=tf.__version__)

        def compile_result(m):
            f = result_fn(m)
            if f is None:
                return tf.function(m.result, jit_compile=True)
            return tf.function(lambda: f(m.total_cm), jit_compile=True)
    else:
        import jax

        lib = dict(jax=jax.__version__)

        def compile_result(m):
            f = result_fn(m)
            if f is None:
                jres = jax.jit(m.stateless_result)
                return lambda: jres([v.value for v in m.variables])
            jf = jax.jit(f)
            return lambda: jf(m.total_cm.value)

    def eager_result(m):
        f = result_fn(m)
        return m.result() if f is None else f(m.total_cm)

    big = args.cells == "big"
    configs = [("MeanIoU", c, None, "int64") for c in list(range(2, 41)) + [48, 63, 64, 65, 81, 100, 150]]
    floats = list(range(8, 34)) + [40, 64, 100]
    configs += [("MeanIoU", c, None, "float32") for c in floats]
    for k in [8, 12, 16, 20, 24, 33, 40]:
        # a fixed shuffle of k of the k + 3 classes
        targets = [(7 * i + 3) % (k + 3) for i in range(k)]
        configs.append(("IoU", k + 3, targets, "int64"))
    if big:
        configs = [("MeanIoU", c, None, "float32") for c in [3, 8, 12, 13, 16, 17, 20, 24, 30, 32, 33, 40, 64]]
    records = []
    seed = 1
    for cls, C, targets, dtype in configs:
        if cls == "MeanIoU":
            m = keras.metrics.MeanIoU(num_classes=C, dtype=dtype)
        else:
            m = keras.metrics.IoU(num_classes=C, target_class_ids=targets, dtype=dtype)
        compiled = compile_result(m)
        for _ in range(args.per_config):
            cm = np.array(confusion_matrix(C, seed, big), dtype=np.float64 if big else np.int64).reshape(C, C)
            m.total_cm.assign(cm.astype(keras.backend.standardize_dtype(m.total_cm.dtype)))
            records.append(dict(metric=cls, num_classes=C, target_class_ids=targets, dtype=dtype, seed=seed,
                                xla=float(np.asarray(compiled())), eager=float(np.asarray(eager_result(m)))))
            seed += 1
    keras_version = keras.__version__ if args.graph == "installed" else "3.8"
    out = dict(keras_version=keras_version, result_graph=args.graph, keras_ops=keras.__version__,
               cells=args.cells, backend=args.backend, **lib, machine=platform.machine(),
               processor=platform.processor() or None, cpu=_cpu_name(), records=records)
    with open(args.out, "w") as f:
        json.dump(out, f, indent=0)
    print(len(records), "records ->", args.out)


def _cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return None


if __name__ == "__main__":
    main()
