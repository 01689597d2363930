"""Oracle fixtures for the audit CLI: masks written by Pillow and numpy in formats no one here
wrote a writer for (PNG L, P, I;16, RGB, 4-bit P; .npy int64, Fortran big-endian int16, float32
scores), and the confusion matrix and mIoUs computed by scikit-learn / numpy.

Usage: python tools/cli_oracle.py DIR   (needs numpy, Pillow, scikit-learn; tests/cli/oracle_test.ts
runs it with $ORACLE_PYTHON, default python3, and is skipped where they are missing)
"""
import numpy as np, json, os, sys
from PIL import Image
from sklearn.metrics import confusion_matrix, jaccard_score
d = sys.argv[1]; os.makedirs(f"{d}/gt", exist_ok=True); os.makedirs(f"{d}/pr", exist_ok=True)
rng = np.random.default_rng(3); C = 6; H, W = 37, 53
trues, preds = [], []
modes = ["L", "P", "I;16", "npy-i8", "npy-bF", "RGB", "L-adam", "P4"]
for i, mode in enumerate(modes):
    t = rng.integers(0, C, (H, W)).astype(np.uint8); t[0, :5] = 255
    p = np.where(rng.random((H, W)) < 0.6, t, rng.integers(0, C, (H, W))).astype(np.uint8); p[t == 255] = 0
    trues.append(t); preds.append(p)
    name = f"m{i}"
    if mode == "L": Image.fromarray(t, "L").save(f"{d}/gt/{name}.png")
    elif mode == "P":
        im = Image.fromarray(t, "P"); im.putpalette([v for k in range(256) for v in (k*7%256, k*13%256, k*29%256)]); im.save(f"{d}/gt/{name}.png")
    elif mode == "I;16": Image.fromarray(t.astype(np.uint16)).save(f"{d}/gt/{name}.png")
    elif mode == "npy-i8": np.save(f"{d}/gt/{name}.npy", t.astype(np.int64))
    elif mode == "npy-bF": np.save(f"{d}/gt/{name}.npy", np.asfortranarray(t.astype(">i2")))
    elif mode == "RGB": Image.fromarray(np.stack([t]*3, -1), "RGB").save(f"{d}/gt/{name}.png")
    elif mode == "L-adam": Image.fromarray(t, "L").save(f"{d}/gt/{name}.png", optimize=True)
    elif mode == "P4":
        t2 = np.where(t == 255, 15, t).astype(np.uint8); trues[-1] = t2
        im = Image.fromarray(t2, "P"); im.putpalette([0]*48); im.save(f"{d}/gt/{name}.png", bits=4)
    # predictions as scores (N=1 files) channels-last float32, for half; PNG P for the others
    if i % 2 == 0:
        s = rng.random((H, W, C)).astype(np.float32) * 0.5
        s[np.arange(H)[:, None], np.arange(W)[None, :], p] += 1.0
        np.save(f"{d}/pr/{name}.npy", s)
    else:
        Image.fromarray(p, "L").save(f"{d}/pr/{name}.png")
T = np.concatenate([x.ravel() for x in trues]); P = np.concatenate([x.ravel() for x in preds])
keep = (T != 255) & (T != 15)
cm = confusion_matrix(T[keep], P[keep], labels=list(range(C)))
per_img = []
for t, p in zip(trues, preds):
    k = (t.ravel() != 255) & (t.ravel() != 15)
    c = confusion_matrix(t.ravel()[k], p.ravel()[k], labels=list(range(C)))
    tp = np.diag(c); u = c.sum(0) + c.sum(1) - tp
    per_img.append(np.mean(tp[u > 0] / u[u > 0]))
json.dump({"cm": cm.tolist(), "dataset": float(jaccard_score(T[keep], P[keep], average="macro", labels=[c for c in range(C) if (cm[c].sum() + cm[:, c].sum()) > 0])),
           "imageFirst": float(np.mean(per_img)), "weighted": float(jaccard_score(T[keep], P[keep], average="weighted"))}, open(f"{d}/oracle.json", "w"))
