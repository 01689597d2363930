import assert from "node:assert/strict";
import {
  escapeScriptText,
  Figure,
  FIGURE_ATTRIBUTE,
  jsonForScript,
  PLOTLY_MIME,
  plotlyLibrary,
} from "../../lib/report/plot.ts";
import { bars, heatmap, lines } from "../../lib/report/charts.ts";
import { JUPYTER_DISPLAY } from "../../lib/report/display.ts";

/** The script bodies of an HTML fragment, cut where a browser would cut them (first `</script`). */
function scripts(html: string): string[] {
  return [...html.matchAll(/<script[^>]*>([\s\S]*?)<\/script/gi)].map((m) => m[1]);
}

interface FakeElement {
  id: string;
  textContent: string;
}
interface FakeWindow {
  Plotly?: { newPlot: (el: FakeElement, data: unknown, layout: unknown, config: unknown) => void };
  __segmetricsPlotlyQueue?: (() => void)[];
}

/** A minimal page: elements by id, a window, and a log of Plotly.newPlot calls. */
function fakePage(ids: string[]) {
  const elements = new Map(ids.map((id) => [id, { id, textContent: "" } as FakeElement]));
  const document = { getElementById: (id: string) => elements.get(id) ?? null };
  const window: FakeWindow = {};
  const run = (body: string) => new Function("window", "document", body)(window, document);
  return { elements, window, run };
}

function figureIds(html: string): string[] {
  return [...html.matchAll(new RegExp(`${FIGURE_ATTRIBUTE}="([^"]+)"`, "g"))].map((m) => m[1]);
}

Deno.test("Figure display bundle: plotly JSON, HTML and plain text", () => {
  const fig = new Figure(
    [{ type: "scatter", x: new Int32Array([1, 2, 3]), y: new Float64Array([0.5, NaN, Infinity]) }],
    { title: { text: "t" }, height: 321 },
  );
  const bundle = fig[JUPYTER_DISPLAY]();
  assert.deepEqual(Object.keys(bundle).sort(), [
    "application/vnd.plotly.v1+json",
    "text/html",
    "text/plain",
  ]);
  assert.equal(PLOTLY_MIME, "application/vnd.plotly.v1+json");
  // Typed arrays become plain arrays; non-finite numbers become null (a gap for plotly).
  assert.deepEqual(bundle[PLOTLY_MIME], {
    data: [{ type: "scatter", x: [1, 2, 3], y: [0.5, null, null] }],
    layout: { title: { text: "t" }, height: 321 },
    config: { responsive: true, displaylogo: false },
  });
  // The JSON must survive a JSON round trip unchanged (it is stored in the .ipynb).
  assert.deepEqual(JSON.parse(JSON.stringify(bundle[PLOTLY_MIME])), bundle[PLOTLY_MIME]);
  assert.equal(bundle["text/plain"], '<Figure: 1 trace(s) [scatter] "t">');
  const html = String(bundle["text/html"]);
  assert.match(html, /height:321px/);
  assert.equal(figureIds(html).length, 1);
});

Deno.test("Figure HTML draws through window.Plotly with the figure's exact data", () => {
  const fig = new Figure([{ type: "bar", x: ["a", "b"], y: [1, 2] }], { title: { text: "x" } });
  const html = fig.toHTML({ id: "fig-1" });
  const page = fakePage(["fig-1"]);
  const calls: unknown[][] = [];
  page.window.Plotly = { newPlot: (...args) => calls.push(args) };
  for (const s of scripts(html)) page.run(s);
  assert.equal(calls.length, 1);
  assert.equal(calls[0][0], page.elements.get("fig-1"));
  assert.deepEqual(calls[0].slice(1), [
    fig.toJSON().data,
    fig.toJSON().layout,
    fig.toJSON().config,
  ]);
});

Deno.test("hostile text in traces cannot end the script early, and arrives intact", () => {
  const name = '</script><script>window.hacked = 1</script><!-- & </SCRIPT > \u2028 "quotes"';
  const fig = new Figure([{ type: "scatter", name, y: [1] }], { title: { text: name } });
  const html = fig.toHTML({ id: "f" });
  // One <script> element, one closing tag: nothing in the data closes it.
  assert.equal(html.match(/<\/script/gi)?.length, 1);
  assert.equal(html.match(/<!--/g), null);
  const page = fakePage(["f"]);
  const seen: unknown[] = [];
  page.window.Plotly = { newPlot: (_el, data, layout) => seen.push(data, layout) };
  for (const s of scripts(html)) page.run(s);
  assert.equal((seen[0] as { name: string }[])[0].name, name);
  assert.equal((seen[1] as { title: { text: string } }).title.text, name);
  assert.equal((page.window as Record<string, unknown>).hacked, undefined);
});

Deno.test("escapeScriptText and jsonForScript", () => {
  assert.equal(escapeScriptText("x</script>y</ScRiPt"), "x<\\/script>y<\\/ScRiPt");
  assert.equal(escapeScriptText("a<!--b"), "a<\\!--b");
  // Escaped JS strings still mean the same characters.
  assert.equal(new Function(`return ${escapeScriptText('"</script><!--"')};`)(), "</script><!--");
  const value = { s: "<b>&</b>\u2028\u2029", n: [1, 2.5] };
  const text = jsonForScript(value);
  assert.equal(/[<>&\u2028\u2029]/.test(text), false);
  assert.deepEqual(JSON.parse(text), value);
  assert.deepEqual(new Function(`return ${text};`)(), value);
  assert.throws(() => jsonForScript(undefined), TypeError);
});

Deno.test("plotly library is included once; figures shown before it wait and then draw", () => {
  const a = new Figure([{ type: "bar", y: [1] }]).toHTML({ id: "a" });
  const b = new Figure([{ type: "bar", y: [2] }]).toHTML({ id: "b" });
  const page = fakePage(["a", "b"]);
  for (const s of [...scripts(a), ...scripts(b)]) page.run(s);
  assert.match(page.elements.get("a")!.textContent, /Waiting for plotly\.js/);
  assert.equal(page.window.__segmetricsPlotlyQueue?.length, 2);

  // A stand-in "library" with a hostile string literal, as the real source could have.
  const drawn: string[] = [];
  (globalThis as Record<string, unknown>).__drawn = drawn;
  const source = `window.Plotly = { marker: "</script><!--", newPlot(el, data) {
    el.textContent = ""; globalThis.__drawn.push(el.id + ":" + data[0].y[0]); } };`;
  const lib = plotlyLibrary(source);
  const bundle = lib[JUPYTER_DISPLAY]();
  assert.deepEqual(Object.keys(bundle).sort(), ["text/html", "text/plain"]);
  const libHTML = String(bundle["text/html"]);
  assert.equal(libHTML.match(/<\/script/gi)?.length, 1);
  for (const s of scripts(libHTML)) page.run(s);
  assert.deepEqual(drawn, ["a:1", "b:2"]);
  assert.equal(page.elements.get("a")!.textContent, "");
  assert.equal((page.window.Plotly as unknown as { marker: string }).marker, "</script><!--");
  assert.deepEqual(page.window.__segmetricsPlotlyQueue, []);

  // Displaying the library a second time does not redefine window.Plotly.
  const before = page.window.Plotly;
  for (const s of scripts(libHTML)) page.run(s);
  assert.equal(page.window.Plotly, before);
  delete (globalThis as Record<string, unknown>).__drawn;
});

Deno.test("plotlyLibrary reports the version it finds and rejects an empty source", () => {
  const text = plotlyLibrary("/**\n* plotly.js v3.7.0\n*/\nwindow.Plotly = {};")
    [JUPYTER_DISPLAY]()["text/plain"];
  assert.match(String(text), /^plotly\.js 3\.7\.0 \(/);
  assert.throws(() => plotlyLibrary(""), /Expected source to be the plotly\.js source text/);
});

Deno.test("a figure can carry the library for a standalone page", () => {
  const html = new Figure([{ type: "bar", y: [3] }]).toHTML({
    id: "s",
    library: "window.Plotly = { newPlot(el) { el.textContent = 'drawn'; } };",
  });
  const page = fakePage(["s"]);
  for (const s of scripts(html)) page.run(s);
  assert.equal(page.elements.get("s")!.textContent, "drawn");
});

Deno.test("figure ids are unique and validated", () => {
  const fig = new Figure([{ type: "bar", y: [1] }]);
  const ids = new Set([fig.toHTML(), fig.toHTML(), fig.toHTML()].map((h) => figureIds(h)[0]));
  assert.equal(ids.size, 3);
  assert.throws(() => fig.toHTML({ id: 'x" onload="alert(1)' }), /Expected options\.id/);
});

Deno.test("Figure rejects data JSON cannot carry", () => {
  assert.throws(() => new Figure("nope" as unknown as []), /Expected data to be an array/);
  assert.throws(
    () => new Figure([null as unknown as Record<string, unknown>]),
    /Expected data\[0\]/,
  );
  const fig = new Figure([{ type: "bar", y: [1], hover: () => 1 }]);
  assert.throws(() => fig.toJSON(), /Expected data\[0\]\.hover to hold JSON data/);
});

Deno.test("heatmap: matrix order, labels and cell text", () => {
  const fig = heatmap([new Float64Array([16777216, 0.123456]), [1, 2]], {
    x: ["p0", "p1"],
    y: ["t0", "t1"],
    title: "cm",
    zmin: 0,
    colorbarTitle: "pixels",
  });
  const { data, layout } = fig.toJSON();
  assert.equal(data.length, 1);
  const t = data[0];
  assert.equal(t.type, "heatmap");
  assert.deepEqual(t.z, [[16777216, 0.123456], [1, 2]]);
  assert.deepEqual(t.x, ["p0", "p1"]);
  assert.deepEqual(t.y, ["t0", "t1"]);
  assert.deepEqual(t.text, [["16777216", "0.1235"], ["1", "2"]]);
  assert.equal(t.zmin, 0);
  assert.deepEqual(t.colorbar, { title: { text: "pixels" } });
  assert.equal((layout.yaxis as { autorange: string }).autorange, "reversed");
  assert.deepEqual(layout.title, { text: "cm" });
  // Without labels: indices; values hidden on request; natural order on request.
  const plain = heatmap([[1, 2, 3]], { showValues: false, matrixOrder: false }).toJSON();
  assert.deepEqual(plain.data[0].x, ["0", "1", "2"]);
  assert.equal(plain.data[0].text, undefined);
  assert.equal((plain.layout.yaxis as { autorange?: string }).autorange, undefined);
});

Deno.test("heatmap: cell text given apart from the colour values", () => {
  const t = heatmap([[-9, -1]], { text: [["1e-9", "0.1"]] }).toJSON().data[0];
  assert.deepEqual(t.z, [[-9, -1]]);
  assert.deepEqual(t.text, [["1e-9", "0.1"]]);
  assert.throws(
    () => heatmap([[1, 2]], { text: [["a"]] }),
    /Expected every row of options\.text|Expected options\.text to be 1x2 like z, but found 1x1/,
  );
  assert.throws(
    () => heatmap([[1, 2]], { text: [["a", "b"], ["c", "d"]] }),
    /Expected options\.text to be 1x2 like z, but found 2x2/,
  );
});

Deno.test("heatmap rejects ragged matrices and wrong label counts", () => {
  assert.throws(
    () => heatmap([[1, 2], [3]]),
    /Expected every row of z to have 2 entries, but row 1 has 1/,
  );
  assert.throws(() => heatmap([]), /Expected z to be a non-empty array/);
  assert.throws(
    () => heatmap([[1, 2]], { x: ["a"] }),
    /Expected options\.x to have 2 labels, but found 1/,
  );
  assert.throws(() => heatmap([[1, 2]], { y: ["a", "b"] }), /Expected options\.y to have 1 labels/);
});

Deno.test("lines: traces, log axes and vertical markers", () => {
  const fig = lines([
    { name: "exact", y: [1, 2, 3] },
    {
      name: "float32",
      x: [10, 100, 1000],
      y: new Float32Array([1, 2, 2]),
      mode: "markers",
      dash: "dash",
      color: "red",
    },
  ], {
    logX: true,
    logY: true,
    xTitle: "pixels",
    markers: [{ x: 100, label: "freezes" }],
    layout: { xaxis: { range: [1, 3] } },
  });
  const { data, layout } = fig.toJSON();
  assert.deepEqual(data[0], {
    type: "scatter",
    mode: "lines",
    name: "exact",
    x: [0, 1, 2],
    y: [1, 2, 3],
  });
  assert.deepEqual(data[1].line, { dash: "dash", color: "red" });
  assert.deepEqual(data[1].marker, { color: "red" });
  assert.deepEqual(layout.xaxis, { title: { text: "pixels" }, type: "log", range: [1, 3] });
  assert.equal((layout.yaxis as { type: string }).type, "log");
  const shapes = layout.shapes as { x0: number; x1: number }[];
  assert.deepEqual([shapes[0].x0, shapes[0].x1], [100, 100]);
  // On a log axis, plotly places annotations at log10(x).
  assert.equal((layout.annotations as { x: number; text: string }[])[0].x, 2);
  assert.throws(
    () => lines([{ name: "bad", x: [1], y: [1, 2] }]),
    /"bad"\) to have as many x as y values, but found 1 and 2/,
  );
  assert.throws(() => lines([]), /non-empty/);
});

Deno.test("bars: grouped, horizontal, values written", () => {
  const fig = bars(["a", "b"], [{ name: "s1", values: [1, 2] }, {
    name: "s2",
    values: new Float64Array([3, 4.56789]),
  }], {
    showValues: true,
  });
  const { data, layout } = fig.toJSON();
  assert.equal(layout.barmode, "group");
  assert.deepEqual(data.map((t) => [t.type, t.name, t.x, t.y]), [
    ["bar", "s1", ["a", "b"], [1, 2]],
    ["bar", "s2", ["a", "b"], [3, 4.56789]],
  ]);
  assert.deepEqual(data[1].text, ["3", "4.568"]);
  const h = bars(["a"], [{ name: "s", values: [1] }], { horizontal: true, barmode: "stack" })
    .toJSON();
  assert.deepEqual([h.data[0].orientation, h.data[0].y, h.data[0].x, h.layout.barmode], [
    "h",
    ["a"],
    [1],
    "stack",
  ]);
  assert.throws(
    () => bars(["a", "b"], [{ name: "s", values: [1] }]),
    /Expected series\[0\] \("s"\) to have 2 values, but found 1/,
  );
});
