/**
 * Plotly figures for Deno Jupyter notebooks, displayed through the
 * `Symbol.for("Jupyter.display")` protocol (no `Deno.jupyter`, so the module
 * also loads outside a kernel).
 *
 * A figure's display bundle carries three representations:
 * - `application/vnd.plotly.v1+json`: the figure as JSON, for front ends with a
 *   plotly renderer (JupyterLab's plotly extension, VS Code);
 * - `text/html`: a `<div>` and a small script that draws it with
 *   `window.Plotly`, for classic front ends and for HTML exports (nbconvert);
 * - `text/plain`: a one-line summary.
 *
 * The plotly library itself (several megabytes) is not repeated in every
 * figure: display it once, in the first cell (`await loadPlotly()`, from
 * `plotly_library.ts`), and every figure after it draws with that copy. A
 * figure displayed before the library waits for it and is drawn as soon as the
 * library arrives.
 *
 * @module
 */
import { DEFAULT_HEIGHT } from "./_figure_defaults.ts";
import { type DisplayBundle, JUPYTER_DISPLAY } from "./display.ts";

/** One plotly trace, e.g. `{ type: "heatmap", z: [[1, 2], [3, 4]] }`. */
export type PlotlyTrace = Record<string, unknown>;
/** A plotly layout object (`title`, `xaxis`, `yaxis`, `shapes`, ...). */
export type PlotlyLayout = Record<string, unknown>;
/** A plotly config object (`responsive`, `displaylogo`, ...). */
export type PlotlyConfig = Record<string, unknown>;

/** The JSON form of a figure: what `Plotly.newPlot` takes and what the plotly MIME type holds. */
export interface FigureJSON {
  /** The traces, with typed arrays turned into plain arrays and non-finite numbers into `null`. */
  data: PlotlyTrace[];
  /** The layout. */
  layout: PlotlyLayout;
  /** The config. */
  config: PlotlyConfig;
}

export type { DisplayBundle } from "./display.ts";

/**
 * The MIME type of plotly figures in Jupyter: a figure's display bundle carries its JSON under
 * this key, which JupyterLab and VS Code render natively.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Figure, PLOTLY_MIME } from "./plot.ts";
 * import { JUPYTER_DISPLAY } from "./display.ts";
 * const bundle = new Figure([{ type: "bar", y: [1, 2] }])[JUPYTER_DISPLAY]();
 * assert.equal(PLOTLY_MIME, "application/vnd.plotly.v1+json");
 * assert.deepEqual((bundle[PLOTLY_MIME] as { data: unknown[] }).data, [{ type: "bar", y: [1, 2] }]);
 * ```
 */
export const PLOTLY_MIME = "application/vnd.plotly.v1+json";

/**
 * The attribute that marks every figure `<div>` in `text/html` (its value is the div's id), so
 * that a page check can find each figure and see whether plotly drew it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Figure, FIGURE_ATTRIBUTE } from "./plot.ts";
 * const html = new Figure([{ type: "bar", y: [1] }]).toHTML();
 * const id = new RegExp(`<div id="([^"]+)" ${FIGURE_ATTRIBUTE}="([^"]+)"`).exec(html);
 * assert.ok(id !== null);
 * assert.equal(id[1], id[2]);
 * ```
 */
export const FIGURE_ATTRIBUTE = "data-segmetrics-figure";

const DEFAULT_CONFIG: PlotlyConfig = { responsive: true, displaylogo: false };

/**
 * Makes text safe to place inside an HTML `<script>` element: `</script` (any
 * case) becomes `<\/script` and `<!--` becomes `<\!--`. Inside JavaScript
 * strings and regular expressions both spellings mean the same characters.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { escapeScriptText } from "./plot.ts";
 * assert.equal(escapeScriptText('a="</SCRIPT>"'), 'a="<\\/SCRIPT>"');
 * ```
 */
export function escapeScriptText(text: string): string {
  return text.replace(/<\/(script)/gi, "<\\/$1").replace(/<!--/g, "<\\!--");
}

/**
 * Serialises a value as JSON that can sit inside an HTML `<script>` element
 * as a JavaScript expression: `<`, `>`, `&`, U+2028 and U+2029 are written as
 * `\uXXXX` escapes, so no markup can end the script early.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { jsonForScript } from "./plot.ts";
 * const text = jsonForScript({ name: "</script>" });
 * assert.ok(!text.includes("<"));
 * assert.deepEqual(JSON.parse(text), { name: "</script>" });
 * ```
 */
export function jsonForScript(value: unknown): string {
  const text = JSON.stringify(value);
  if (text === undefined) {
    throw new TypeError(`Expected a value that JSON can represent, but found ${typeof value}`);
  }
  return text.replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

function isTypedArray(value: unknown): value is ArrayLike<number | bigint> {
  return ArrayBuffer.isView(value) && !(value instanceof DataView);
}

/**
 * Copies a figure part into plain JSON data: typed arrays become arrays,
 * non-finite numbers become `null` (plotly draws a gap), bigints become
 * numbers. Throws on functions and symbols, which JSON cannot carry.
 */
function toPlain(value: unknown, path: string): unknown {
  if (value === null || typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (typeof value === "bigint") return Number(value);
  if (value === undefined) return undefined;
  if (isTypedArray(value)) {
    return Array.from(value as ArrayLike<number | bigint>, (v, i) => toPlain(v, `${path}[${i}]`));
  }
  if (Array.isArray(value)) return value.map((v, i) => toPlain(v, `${path}[${i}]`) ?? null);
  if (typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
      const plain = toPlain(v, `${path}.${key}`);
      if (plain !== undefined) out[key] = plain;
    }
    return out;
  }
  throw new TypeError(
    `Expected ${path} to hold JSON data (numbers, strings, arrays, objects), but found a ${typeof value}`,
  );
}

let figureCounter = 0;
function newFigureId(): string {
  figureCounter += 1;
  const random = Math.floor(Math.random() * 0x100000000).toString(36);
  return `segmetrics-figure-${random}-${figureCounter}`;
}

/** Options of {@linkcode Figure.toHTML}. */
export interface FigureHTMLOptions {
  /** The id of the figure's `<div>` (default: a fresh unique id). */
  id?: string;
  /**
   * The plotly.js source to inline before the figure, for a page that holds
   * this figure alone (default: none, the page's `window.Plotly` is used).
   */
  library?: string;
}

/**
 * A plotly figure that displays itself in a Deno Jupyter notebook when it is
 * the last expression of a cell.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Figure, PLOTLY_MIME } from "./plot.ts";
 * import { JUPYTER_DISPLAY } from "./display.ts";
 * const fig = new Figure([{ type: "bar", x: ["a", "b"], y: new Float64Array([1, 2]) }], {
 *   title: { text: "Counts" },
 * });
 * const bundle = fig[JUPYTER_DISPLAY]();
 * assert.deepEqual(Object.keys(bundle).sort(), [PLOTLY_MIME, "text/html", "text/plain"].sort());
 * assert.deepEqual(fig.toJSON().data[0].y, [1, 2]);
 * ```
 */
export class Figure {
  /** The traces. */
  readonly data: PlotlyTrace[];
  /** The layout. */
  readonly layout: PlotlyLayout;
  /** The config (merged over `{ responsive: true, displaylogo: false }`). */
  readonly config: PlotlyConfig;

  /** Makes a figure from plotly traces, a layout and a config. */
  constructor(data: readonly PlotlyTrace[], layout: PlotlyLayout = {}, config: PlotlyConfig = {}) {
    if (!Array.isArray(data)) {
      throw new TypeError(
        `Expected data to be an array of plotly traces, but found ${typeof data}`,
      );
    }
    data.forEach((trace, i) => {
      if (trace === null || typeof trace !== "object" || Array.isArray(trace)) {
        throw new TypeError(`Expected data[${i}] to be a plotly trace object, but found ${trace}`);
      }
    });
    this.data = [...data];
    this.layout = { ...layout };
    this.config = { ...DEFAULT_CONFIG, ...config };
  }

  /** The figure as plain JSON data (typed arrays copied into arrays). */
  toJSON(): FigureJSON {
    return {
      data: toPlain(this.data, "data") as PlotlyTrace[],
      layout: toPlain(this.layout, "layout") as PlotlyLayout,
      config: toPlain(this.config, "config") as PlotlyConfig,
    };
  }

  /**
   * The figure as an HTML fragment: a `<div>` marked with
   * {@linkcode FIGURE_ATTRIBUTE} and a script that draws it with
   * `window.Plotly` (or queues the drawing until the plotly library has been
   * displayed, see {@linkcode PlotlyLibrary}).
   */
  toHTML(options: FigureHTMLOptions = {}): string {
    const id = options.id ?? newFigureId();
    if (!/^[A-Za-z][\w-]*$/.test(id)) {
      throw new RangeError(
        `Expected options.id to be letters, digits, "_" or "-" (starting with a letter), but found ${
          JSON.stringify(id)
        }`,
      );
    }
    const json = jsonForScript(this.toJSON());
    const height = typeof this.layout.height === "number" ? this.layout.height : DEFAULT_HEIGHT;
    const library = options.library === undefined ? "" : libraryScript(options.library);
    return `${library}<div id="${id}" ${FIGURE_ATTRIBUTE}="${id}" ` +
      `style="width:100%;height:${height}px"></div>\n` +
      `<script type="text/javascript">\n(function () {\n` +
      `  var figure = ${json};\n` +
      `  function draw() {\n` +
      `    var el = document.getElementById(${JSON.stringify(id)});\n` +
      `    if (!el) return;\n` +
      `    el.textContent = "";\n` +
      `    window.Plotly.newPlot(el, figure.data, figure.layout, figure.config);\n` +
      `  }\n` +
      `  if (window.Plotly && window.Plotly.newPlot) {\n    draw();\n  } else {\n` +
      `    (window.__segmetricsPlotlyQueue = window.__segmetricsPlotlyQueue || []).push(draw);\n` +
      `    var el = document.getElementById(${JSON.stringify(id)});\n` +
      `    if (el) el.textContent = "Waiting for plotly.js: run the cell that displays await loadPlotly().";\n` +
      `  }\n})();\n</script>`;
  }

  /** A one-line text summary: the trace types and the title. */
  toString(): string {
    const types = this.data.map((t) => String(t.type ?? "scatter"));
    const title = this.layout.title;
    const text = typeof title === "string" ? title : (title && typeof title === "object" &&
        typeof (title as { text?: unknown }).text === "string")
      ? (title as { text: string }).text
      : "";
    return `<Figure: ${this.data.length} trace(s) [${types.join(", ")}]${
      text ? ` "${text}"` : ""
    }>`;
  }

  /** The Jupyter display bundle: plotly JSON, HTML and plain text. */
  [JUPYTER_DISPLAY](): DisplayBundle {
    return {
      [PLOTLY_MIME]: this.toJSON(),
      "text/html": this.toHTML(),
      "text/plain": this.toString(),
    };
  }
}

function libraryScript(source: string): string {
  return `<script type="text/javascript">\nif (typeof window.Plotly === "undefined") {\n` +
    `${escapeScriptText(source)}\n}\n` +
    `(function () {\n  var queue = window.__segmetricsPlotlyQueue || [];\n` +
    `  window.__segmetricsPlotlyQueue = [];\n` +
    `  for (var i = 0; i < queue.length; i++) queue[i]();\n})();\n</script>\n`;
}

/**
 * The script for a gzip-compressed, base64-encoded library: the page inflates
 * it (`DecompressionStream`), runs it as a script element and then draws the
 * waiting figures. Figures displayed meanwhile queue as they do before any
 * library.
 */
function inflatingLibraryScript(gzipBase64: string): string {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(gzipBase64)) {
    throw new TypeError("Expected gzipBase64 to be base64 text, but found other characters");
  }
  return `<script type="text/javascript">
(function () {
` +
    `  function drain() {
    var queue = window.__segmetricsPlotlyQueue || [];
` +
    `    window.__segmetricsPlotlyQueue = [];
` +
    `    for (var i = 0; i < queue.length; i++) queue[i]();
  }
` +
    `  if (typeof window.Plotly !== "undefined") {
    drain();
    return;
  }
` +
    `  var bytes = Uint8Array.from(atob("${gzipBase64}"), function (c) { return c.charCodeAt(0); });
` +
    `  var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
` +
    `  new Response(stream).text().then(function (text) {
` +
    `    if (typeof window.Plotly === "undefined") {
` +
    `      var script = document.createElement("script");
      script.text = text;
` +
    `      document.head.appendChild(script);
    }
    drain();
  });
})();
</script>
`;
}

/**
 * What {@linkcode plotlyLibrary} returns: a displayable holder of the plotly.js source. Shown
 * once in a notebook, it defines `window.Plotly` for every figure shown after it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PlotlyLibrary } from "./plot.ts";
 * const lib = new PlotlyLibrary("window.Plotly = {};");
 * assert.equal(lib.source, "window.Plotly = {};");
 * assert.ok(lib.toHTML().includes("window.Plotly = {};"));
 * assert.throws(() => new PlotlyLibrary(""), TypeError);
 * ```
 */
export class PlotlyLibrary {
  /** The plotly.js source text. */
  readonly source: string;
  /**
   * The same source gzip-compressed and base64-encoded, when the page is to
   * receive it so (about 40% of the text's size for plotly.js), or undefined.
   */
  readonly gzipBase64: string | undefined;
  /**
   * Wraps the plotly.js source text (checked to be non-empty) and, optionally,
   * the same text gzip-compressed and base64-encoded, which the display then
   * sends instead of the text.
   */
  constructor(source: string, gzipBase64?: string) {
    if (typeof source !== "string" || source.length === 0) {
      throw new TypeError(
        `Expected source to be the plotly.js source text, but found ${
          typeof source === "string" ? "an empty string" : typeof source
        }`,
      );
    }
    this.source = source;
    this.gzipBase64 = gzipBase64;
  }
  /** The `<script>` that defines `window.Plotly` (unless already defined) and draws waiting figures. */
  toHTML(): string {
    return this.gzipBase64 === undefined
      ? libraryScript(this.source)
      : inflatingLibraryScript(this.gzipBase64);
  }
  /** The Jupyter display bundle: the script as `text/html` and a plain-text note. */
  [JUPYTER_DISPLAY](): DisplayBundle {
    const version = /plotly\.js v(\d+\.\d+\.\d+)/.exec(this.source.slice(0, 400))?.[1];
    const size = (this.source.length / 1e6).toFixed(1);
    const sent = this.gzipBase64 === undefined
      ? ""
      : `, sent gzip-compressed as ${(this.gzipBase64.length / 1e6).toFixed(1)} MB`;
    return {
      "text/html": this.toHTML(),
      "text/plain": `plotly.js${
        version ? ` ${version}` : ""
      } (${size} MB${sent}) loaded for the figures below`,
    };
  }
}

/**
 * A display object that includes the given plotly.js source once in the page,
 * for every figure of the notebook. `loadPlotly()` (in `plotly_library.ts`)
 * reads the source from the installed `plotly.js-dist` package; this function
 * takes any source, e.g. another build of plotly.js.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { plotlyLibrary } from "./plot.ts";
 * import { JUPYTER_DISPLAY } from "./display.ts";
 * const lib = plotlyLibrary("window.Plotly = { newPlot() {} };");
 * const bundle = lib[JUPYTER_DISPLAY]();
 * assert.ok(String(bundle["text/html"]).includes("window.Plotly = { newPlot() {} };"));
 * ```
 */
export function plotlyLibrary(source: string): PlotlyLibrary {
  return new PlotlyLibrary(source);
}
