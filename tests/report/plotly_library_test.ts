import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { JUPYTER_DISPLAY } from "../../lib/report/display.ts";
import { loadPlotly, PLOTLY_VERSION, plotlyScriptUrl } from "../../lib/report/plotly_library.ts";

// A second way to the same file: Node's resolution from this test, through node_modules/.
const require = createRequire(import.meta.url);
const nodeResolved = require.resolve("plotly.js-dist");
const nodePackage = JSON.parse(
  Deno.readTextFileSync(require.resolve("plotly.js-dist/package.json")),
);

Deno.test("plotlyScriptUrl is the file Node's resolution finds for plotly.js-dist", () => {
  assert.equal(Deno.realPathSync(plotlyScriptUrl()), Deno.realPathSync(nodeResolved));
  assert.equal(PLOTLY_VERSION, nodePackage.version);
});

Deno.test("loadPlotly holds that file's text, whose header names PLOTLY_VERSION", async () => {
  const plotly = await loadPlotly();
  const text = Deno.readTextFileSync(nodeResolved);
  assert.equal(plotly.source, text);
  assert.equal(/plotly\.js v(\d+\.\d+\.\d+)/.exec(text.slice(0, 400))?.[1], PLOTLY_VERSION);
  const bundle = plotly[JUPYTER_DISPLAY]();
  assert.equal(
    bundle["text/plain"],
    `plotly.js ${PLOTLY_VERSION} (${
      (text.length / 1e6).toFixed(1)
    } MB) loaded for the figures below`,
  );
  // The library sits inside one script element: the only "</script" is the closing tag.
  const html = String(bundle["text/html"]);
  assert.equal(html.match(/<\/script/gi)?.length, 1);
});
