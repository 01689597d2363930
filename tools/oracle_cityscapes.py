"""Golden records of cityscapesScripts' `evalPixelLevelSemanticLabeling.py` from its real code
(issue 16): class IoU and iIoU, category IoU and iIoU, and their "Score Average"s.

The script is taken from a git mirror of mcordts/cityscapesScripts at run time (`--git`,
default /work/.mirror/mcordts+cityscapesScripts/repo, HEAD 0bcc4a7), unpacked into a temp dir
and imported unchanged; its `evaluateImgLists` reads real PNG files written here with Pillow:
`*_gtFine_labelIds.png` (8-bit label ids), `*_gtFine_instanceIds.png` (16-bit, labelId * 1000 +
k for instances, the label id elsewhere) and the prediction (8-bit label ids). The Cython matrix
helper is not built, so the script takes its own NumPy path (`np.unique` of gt * n + pred).
`pyquaternion` (imported by the 3D-box helpers, unused here) is replaced by an empty stand-in.

It needs numpy < 2.4 (`np.in1d`): run it with a venv holding numpy 2.1.3 and Pillow:

    python3 -m venv /work/venv-cityscapes
    /work/venv-cityscapes/bin/pip install --no-index --find-links /opt/wheels \\
        --find-links /opt/pypi/files numpy==2.1.3 pillow
    /work/venv-cityscapes/bin/python tools/oracle_cityscapes.py golden/peers/peers-cityscapes-0bcc4a7.json
"""

import argparse
import io
import json
import math
import os
import subprocess
import sys
import tarfile
import tempfile
import types

import numpy as np
from PIL import Image

GIT = "/work/.mirror/mcordts+cityscapesScripts/repo"


def unpack(git_dir, dest):
    tar = subprocess.run(["git", "--git-dir", git_dir, "archive", "HEAD", "cityscapesscripts"],
                         check=True, capture_output=True).stdout
    tarfile.open(fileobj=io.BytesIO(tar)).extractall(dest)
    head = subprocess.run(["git", "--git-dir", git_dir, "rev-parse", "HEAD"], check=True,
                          capture_output=True, text=True).stdout.strip()
    return head


def num(x):
    return None if isinstance(x, float) and math.isnan(x) else x


def make_image(rng, h, w, classes, instance_classes, n_instances, noise, pred_pool):
    gt = rng.choice(classes, size=(h, w)).astype(np.uint8)
    inst = gt.astype(np.uint16).copy()
    counter = {}
    for _ in range(n_instances):
        c = int(rng.choice(instance_classes))
        y, x = int(rng.integers(0, h - 2)), int(rng.integers(0, w - 2))
        hh, ww = int(rng.integers(1, 6)), int(rng.integers(1, 7))
        counter[c] = counter.get(c, -1) + 1
        gt[y:y + hh, x:x + ww] = c
        inst[y:y + hh, x:x + ww] = c * 1000 + counter[c]
    pred = gt.copy()
    flip = rng.random((h, w)) < noise
    pred[flip] = rng.choice(pred_pool, size=int(flip.sum()))
    return gt, inst, pred


def scenarios():
    all_ids = list(range(34))
    vehicle_human = [24, 25, 26, 27, 28, 29, 30, 31, 32, 33]
    rng = np.random.default_rng(16)
    out = []

    def imgs(n, h, w, classes, inst_classes, n_inst, noise, pool):
        return [make_image(rng, h, w, classes, inst_classes, n_inst, noise, pool) for _ in range(n)]

    out.append(("random", imgs(3, 20, 24, all_ids, vehicle_human, 6, 0.3, all_ids)))
    out.append(("few_classes_absent", imgs(2, 16, 16, [7, 8, 23], [24, 26], 4, 0.25, [7, 8, 11, 23, 24, 26])))
    void = np.zeros((8, 10), np.uint8)
    out.append(("all_void_ground_truth", [(void, void.astype(np.uint16),
                                           rng.choice(all_ids, size=(8, 10)).astype(np.uint8))]))
    out.append(("ignored_predictions", imgs(2, 16, 20, [7, 8, 11, 21, 26], [26, 27], 4, 0.4,
                                            [0, 3, 9, 10, 29, 30, 18])))
    out.append(("caravan_and_trailer_instances", imgs(2, 18, 18, [7, 26, 29, 30], [26, 29, 30, 31], 6, 0.35,
                                                      [7, 26, 27, 29, 30, 24])))
    out.append(("no_instances", imgs(2, 12, 12, [7, 8, 11, 17, 21, 23], [7], 0, 0.3, all_ids)))
    for k in range(8):  # more random runs: sizes, noise and instance counts vary
        h, w = int(rng.integers(6, 30)), int(rng.integers(6, 30))
        out.append((f"random_{k}", imgs(int(rng.integers(1, 5)), h, w, all_ids, vehicle_human,
                                        int(rng.integers(0, 10)), float(rng.uniform(0.05, 0.6)), all_ids)))
    out.append(("human_only", imgs(2, 14, 14, [7, 24, 25], [24, 25], 5, 0.3, [7, 24, 25, 26])))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--git", default=GIT)
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="cs_oracle_")
    head = unpack(a.git, os.path.join(tmp, "src"))
    os.environ["CITYSCAPES_EXPORT_DIR"] = tmp
    sys.path.insert(0, os.path.join(tmp, "src"))
    # csHelpers imports the 3D-box helpers, which import pyquaternion (not in the local store);
    # nothing of it runs in the pixel-level evaluation.
    sys.modules.setdefault("pyquaternion", types.SimpleNamespace(Quaternion=object))
    from cityscapesscripts.evaluation import evalPixelLevelSemanticLabeling as ev

    ev.args.quiet = True
    ev.args.JSONOutput = False
    records = []
    for name, images in scenarios():
        d = os.path.join(tmp, name)
        os.makedirs(d)
        gts, preds, rec_imgs = [], [], []
        for i, (gt, inst, pred) in enumerate(images):
            g = os.path.join(d, f"city_{i:06d}_000019_gtFine_labelIds.png")
            Image.fromarray(gt).save(g)
            Image.fromarray(inst).save(g.replace("labelIds", "instanceIds"))
            p = os.path.join(d, f"city_{i:06d}_000019_pred.png")
            Image.fromarray(pred).save(p)
            back = np.array(Image.open(g.replace("labelIds", "instanceIds")))
            assert (back == inst).all() and back.dtype == np.uint16
            gts.append(g)
            preds.append(p)
            rec_imgs.append({"shape": list(gt.shape), "labelIds": gt.ravel().tolist(),
                             "instanceIds": inst.ravel().tolist(), "pred": pred.ravel().tolist()})
        res = ev.evaluateImgLists(preds, gts, ev.args)
        expected = {k: {n: num(v) for n, v in res[k].items()} for k in
                    ("classScores", "classInstScores", "categoryScores", "categoryInstScores")}
        for k in ("averageScoreClasses", "averageScoreInstClasses", "averageScoreCategories",
                  "averageScoreInstCategories"):
            expected[k] = num(res[k])
            expected[k + "Printed"] = "{avg:5.3f}".format(avg=res[k])
        expected["labels"] = res["labels"]
        expected["confMatrix"] = res["confMatrix"]
        records.append({"name": name, "images": rec_imgs, "expected": expected})
    doc = {"library": "cityscapesscripts", "commit": head,
           "script": "cityscapesscripts/evaluation/evalPixelLevelSemanticLabeling.py",
           "numpy": np.__version__, "cython_helper": ev.CSUPPORT,
           "values": "float64; null is NaN; names as in the script's JSON",
           "scenarios": records}
    with open(a.out, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
    print(f"{len(records)} scenarios → {a.out}")


if __name__ == "__main__":
    main()
