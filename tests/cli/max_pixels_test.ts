/**
 * `--max-pixels`: the CLI passes the limit to the .npy and PNG decoders, which refuse a bigger
 * read before allocating; the message names the file and the flag.
 */
import assert from "node:assert/strict";
import { encode } from "fast-png";
import { encodeNpy } from "../../lib/io/npy.ts";

const CLI = new URL("../../cli.ts", import.meta.url).pathname;

async function cli(args: string[], cwd: string, env: Record<string, string> = {}) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLI, ...args],
    cwd,
    env: { NO_COLOR: "1", ...env },
  }).output();
  const d = new TextDecoder();
  return { code: out.code, stdout: d.decode(out.stdout), stderr: d.decode(out.stderr) };
}

Deno.test("cli --max-pixels: a read of more values is refused naming the file; a stack is read image by image", async () => {
  const dir = await Deno.makeTempDir({ prefix: "cli_max_pixels_" });
  try {
    // three 2x3 images (18 values) in one stack; one 2x3 PNG
    const labels = Uint8Array.from({ length: 18 }, (_, k) => (k * 5) % 3);
    await Deno.writeFile(`${dir}/s.npy`, encodeNpy({ shape: [3, 2, 3], data: labels }));
    await Deno.writeFile(
      `${dir}/m.png`,
      encode({ width: 3, height: 2, channels: 1, depth: 8, data: labels.slice(0, 6) }),
    );
    const stack = ["compare", "--true", "s.npy", "--pred", "s.npy", "--format", "json"];
    const whole = await cli([...stack, "--max-pixels", "17"], dir);
    assert.equal(whole.code, 2, whole.stderr);
    assert.match(whole.stderr, /^error: s\.npy: .*--max-pixels/);
    assert.equal(whole.stdout, "");
    // streamed (files above 0 bytes), one image of 6 values per read: within the limit
    const streamed = await cli([...stack, "--max-pixels", "6"], dir, {
      SEGMETRICS_WHOLE_FILE_LIMIT: "0",
    });
    assert.equal(streamed.code, 0, streamed.stderr);
    const r = JSON.parse(streamed.stdout);
    assert.equal(r.numImages, 3);
    assert.equal(r.pixels, 18);
    const png = ["compare", "--true", "m.png", "--pred", "m.png", "--format", "json"];
    assert.equal((await cli([...png, "--max-pixels", "6"], dir)).code, 0);
    const refused = await cli([...png, "--max-pixels", "5"], dir);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /^error: m\.png: /);
    const zero = await cli([...png, "--max-pixels", "0"], dir);
    assert.equal(zero.code, 2);
    assert.match(zero.stderr, /Expected --max-pixels to be an integer >= 1, but found '0'/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
