import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { JUPYTER_DISPLAY } from "../../lib/report/display.ts";
import {
  compressedPlotlyLibrary,
  loadPlotly,
  PLOTLY_VERSION,
  plotlyScriptUrl,
} from "../../lib/report/plotly_library.ts";

// A second way to the same file: Node's resolution from this test, through node_modules/.
const require = createRequire(import.meta.url);
const nodeResolved = require.resolve("plotly.js-dist");
const nodePackage = JSON.parse(
  Deno.readTextFileSync(require.resolve("plotly.js-dist/package.json")),
);

/** Inflates base64 gzip text with Node's zlib, a second implementation next to the page's. */
async function gunzipBase64(text: string): Promise<string> {
  const { gunzipSync } = await import("node:zlib");
  return new TextDecoder().decode(gunzipSync(Buffer.from(text, "base64")));
}

Deno.test("plotlyScriptUrl is the file Node's resolution finds for plotly.js-dist", () => {
  assert.equal(Deno.realPathSync(plotlyScriptUrl()), Deno.realPathSync(nodeResolved));
  assert.equal(PLOTLY_VERSION, nodePackage.version);
});

Deno.test("loadPlotly holds that file's text and sends it gzip-compressed", async () => {
  const plotly = await loadPlotly();
  const text = Deno.readTextFileSync(nodeResolved);
  assert.equal(plotly.source, text);
  assert.equal(/plotly\.js v(\d+\.\d+\.\d+)/.exec(text.slice(0, 400))?.[1], PLOTLY_VERSION);
  assert.equal(await gunzipBase64(plotly.gzipBase64!), text);
  const bundle = plotly[JUPYTER_DISPLAY]();
  assert.equal(
    bundle["text/plain"],
    `plotly.js ${PLOTLY_VERSION} (${(text.length / 1e6).toFixed(1)} MB, sent gzip-compressed as ${
      (plotly.gzipBase64!.length / 1e6).toFixed(1)
    } MB) loaded for the figures below`,
  );
  const html = String(bundle["text/html"]);
  assert.ok(html.length < text.length / 2);
  assert.ok(html.includes(plotly.gzipBase64!));
  assert.equal(html.match(/<\/script/gi)?.length, 1);
});

Deno.test("the page inflates the library, runs it once and then draws the waiting figures", async () => {
  // A stand-in page: window, a document whose appended scripts run at global scope.
  const drawn: string[] = [];
  const window: Record<string, unknown> = { __segmetricsPlotlyQueue: [() => drawn.push("a")] };
  const appended: string[] = [];
  const document = {
    head: { appendChild: (el: { text: string }) => appended.push(el.text) },
    createElement: () => ({ text: "" }),
  };
  const library = await compressedPlotlyLibrary(
    `window.Plotly = { marker: "</script><!--", runs: (window.Plotly?.runs ?? 0) + 1 };`,
  );
  const html = library.toHTML();
  const script = html.slice(html.indexOf(">") + 1, html.lastIndexOf("</script>"));
  const page = new Function("window", "document", script);
  page(window, document);
  assert.equal(drawn.length, 0); // inflating is asynchronous: the figure still waits
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.equal(appended.length, 1);
  new Function("window", appended[0])(window);
  // drain() ran after the script element was appended: the queued figure was drawn.
  assert.deepEqual(drawn, ["a"]);
  assert.equal((window.Plotly as { marker: string }).marker, "</script><!--");
  // Displaying the library again, now that window.Plotly exists, appends nothing.
  window.__segmetricsPlotlyQueue = [() => drawn.push("b")];
  page(window, document);
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.equal(appended.length, 1);
  assert.deepEqual(drawn, ["a", "b"]);
});
