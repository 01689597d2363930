# Extracts the Keras 3.7.0 (TensorFlow 2.21 eager) golden records the tfjs emulation supports
# (sparse labels) into a compact fixture. Source: golden/keras/keras-v3.7.0-tensorflow.json
import json
src = "golden/keras/keras-v3.7.0-tensorflow.json"
d = json.load(open(src))
s = d["scenarios"]
out = {"source": "keras-v3.7.0-tensorflow.json (real Keras 3.7.0, TensorFlow 2.21.0 eager backend); see golden/keras/README.md",
       "keras_commit": d["keras_commit"], "scenarios": []}
def metric_cfg(m):
    c = m["config"]
    return {"class": m["class"], "numClasses": c["num_classes"], "ignoreClass": c.get("ignore_class"),
            "targetClassIds": c.get("target_class_ids")}
def rec(pm):
    return {"totalCm": [x for row in pm["total_cm"] for x in row], "result": pm["result"], "error": pm.get("error")}
def batch_of(inp):
    b = {"yTrue": inp["y_true"], "yPred": inp["y_pred"]}
    if inp.get("sample_weight") is not None: b["sampleWeight"] = inp["sample_weight"]
    return b
def flat(x):
    if isinstance(x, list):
        r = []
        for e in x: r += flat(e)
        return r
    return [x]
for key in ["S1", "S2", "S3", "S6", "S7", "S8", "S9"]:
    v = s[key]
    for e in (v if isinstance(v, list) else [v]):
        metrics = [metric_cfg(m) for m in e["metrics"]]
        if any(m["class"] not in ("MeanIoU", "IoU") for m in metrics): continue
        sc = {"name": e["name"], "metrics": metrics, "batches": [], "steps": []}
        if e["name"].startswith("S3a"):
            sc["batches"] = [{"runs": [[0, 0, 17001234], [0, 1, 100], [1, 0, 50], [1, 1, 1000]]}]
            sc["steps"] = [[rec(pm) for pm in e["per_metric"]]]
        elif e["name"].startswith("S3b"):
            sc["batches"] = [{"runs": [[0, 0, 10000001], [1, 1, 1]]}, {"runs": [[0, 0, 10000000], [1, 1, 1]]}]
            sc["steps"] = [[rec(pm) for pm in st["per_metric"]] for st in e["steps"]]
        elif key == "S8":
            sc["batches"] = [{"yTrue": st["y_true"], "yPred": st["y_pred"], "sampleWeight": st["sample_weight"]} for st in e["steps"]]
            sc["steps"] = [[rec(pm) for pm in st["per_metric"]] for st in e["steps"]]
        elif key == "S9":
            sc["batches"] = [{"yTrue": e["y_true"], "yPred": e["y_pred"]}]
            sc["steps"] = [[rec(pm) for pm in e["per_metric"]]]
        elif "steps" in e:
            sc["batches"] = [{k: flat(v) for k, v in batch_of(i).items()} for i in e["inputs"]]
            sc["steps"] = [[rec(pm) for pm in st["per_metric"]] for st in e["steps"]]
        else:
            sc["batches"] = [{k: flat(v) for k, v in batch_of(i).items()} for i in (e.get("inputs") or [])]
            sc["final"] = [rec(pm) for pm in e["per_metric"]]
        out["scenarios"].append(sc)
# S4 drift: 300 generated batches of 1x512x512; keep the generator and a few steps
e = s["S4"][0] if isinstance(s["S4"], list) else s["S4"]
keep = [1, 83, 84, 85, 150, 300]
out["drift"] = {"name": e["name"], "generator": e["generator"],
                "metrics": [metric_cfg(m) for m in e["metrics"]],
                "steps": {str(st["after_batch"]): [rec(pm) for pm in st["per_metric"]]
                          for st in e["steps"] if st["after_batch"] in keep},
                "exact_final_cm": [x for row in e["exact_final_cm"] for x in row]}
json.dump(out, open("tests/fixtures/keras_v3_7_0_tensorflow.json", "w"), separators=(",", ":"))
print([ (x["name"], len(x["batches"]), len(x["steps"]), [m["class"] for m in x["metrics"]]) for x in out["scenarios"]])
