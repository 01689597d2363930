/**
 * The audit CLI on masks written by Pillow and numpy, against scikit-learn. Needs a Python with
 * numpy, Pillow and scikit-learn ($ORACLE_PYTHON, default python3); skipped where it is missing.
 */
import assert from "node:assert/strict";

const python = Deno.env.get("ORACLE_PYTHON") ?? "python3";
const available = (() => {
  try {
    return new Deno.Command(python, {
      args: ["-c", "import numpy, PIL, sklearn"],
      stderr: "null",
    }).outputSync().success;
  } catch {
    return false;
  }
})();

Deno.test({
  name: "cli oracle: Pillow PNGs and numpy .npy files agree with scikit-learn (needs them)",
  ignore: !available,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "cli_oracle_" });
    try {
      const script = new URL("../../tools/cli_oracle.py", import.meta.url).pathname;
      const made = await new Deno.Command(python, { args: [script, dir] }).output();
      assert.ok(made.success, new TextDecoder().decode(made.stderr));
      const out = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          new URL("../../cli.ts", import.meta.url).pathname,
          "compare",
          "--true",
          `${dir}/gt`,
          "--pred",
          `${dir}/pr`,
          "--axis",
          "-1",
          "--ignore",
          "255,15",
          "--classes",
          "6",
          "--format",
          "json",
        ],
      }).output();
      assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
      const r = JSON.parse(new TextDecoder().decode(out.stdout));
      const o = JSON.parse(await Deno.readTextFile(`${dir}/oracle.json`));
      assert.deepEqual(r.confusionMatrix, o.cm);
      assert.ok(Math.abs(r.values.dataset - o.dataset) < 1e-12);
      assert.ok(Math.abs(r.values.weighted - o.weighted) < 1e-12);
      assert.ok(Math.abs(r.values["image-first"] - o.imageFirst) < 1e-12);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
