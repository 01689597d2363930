/**
 * The figure helpers: a heatmap (confusion matrices, per-class tables), line series (metric
 * against a threshold or a batch) and grouped bars (per-class IoU side by side), each a
 * {@linkcode Figure} with the toolkit's layout.
 *
 * @module
 */
import { DEFAULT_HEIGHT } from "./_figure_defaults.ts";
import { Figure, type PlotlyLayout, type PlotlyTrace } from "./plot.ts";

/** Options shared by the figure helpers. */
export interface FigureOptions {
  /** The figure title. */
  title?: string;
  /** The x axis title. */
  xTitle?: string;
  /** The y axis title. */
  yTitle?: string;
  /** Figure height in pixels (default 450). */
  height?: number;
  /** Extra layout entries, merged over the helper's layout. */
  layout?: PlotlyLayout;
}

function baseLayout(options: FigureOptions): PlotlyLayout {
  const layout: PlotlyLayout = {
    height: options.height ?? DEFAULT_HEIGHT,
    margin: { t: options.title ? 60 : 30, r: 30, b: 60, l: 70 },
    xaxis: options.xTitle ? { title: { text: options.xTitle } } : {},
    yaxis: options.yTitle ? { title: { text: options.yTitle } } : {},
  };
  if (options.title) layout.title = { text: options.title };
  return layout;
}

function mergeLayout(base: PlotlyLayout, extra: PlotlyLayout | undefined): PlotlyLayout {
  const out: PlotlyLayout = { ...base };
  for (const [key, value] of Object.entries(extra ?? {})) {
    const current = out[key];
    out[key] = current && typeof current === "object" && !Array.isArray(current) &&
        value && typeof value === "object" && !Array.isArray(value)
      ? { ...current as Record<string, unknown>, ...value as Record<string, unknown> }
      : value;
  }
  return out;
}

function checkMatrix(name: string, z: readonly ArrayLike<number>[]): number {
  if (!Array.isArray(z) || z.length === 0) {
    throw new RangeError(`Expected ${name} to be a non-empty array of rows, but found ${z}`);
  }
  const width = z[0].length;
  z.forEach((row, i) => {
    if (row.length !== width) {
      throw new RangeError(
        `Expected every row of ${name} to have ${width} entries, but row ${i} has ${row.length}`,
      );
    }
  });
  return width;
}

/** Options of {@linkcode heatmap}. */
export interface HeatmapOptions extends FigureOptions {
  /** Labels of the columns (x), default 0..n-1. */
  x?: readonly (string | number)[];
  /** Labels of the rows (y), default 0..m-1. */
  y?: readonly (string | number)[];
  /**
   * Plotly colorscale name or stops (default "Viridis"). Plotly's named "Blues", "Greens" and
   * "YlOrRd" run from dark (low) to light (high); give stops such as
   * `[[0, "#f7fbff"], [1, "#08306b"]]` for light-to-dark.
   */
  colorscale?: string | [number, string][];
  /** Colour range. */
  zmin?: number;
  /** Colour range. */
  zmax?: number;
  /** Colour bar title. */
  colorbarTitle?: string;
  /** Write each cell's value in the cell (default: when there are at most 400 cells). */
  showValues?: boolean;
  /** Format of the values written in cells (default: integers in full, others to 4 significant digits). */
  format?: (value: number) => string;
  /** The text written in each cell, instead of the formatted values (same shape as z). */
  text?: readonly (readonly string[])[];
  /** Draw row 0 at the top, like a matrix (default true). */
  matrixOrder?: boolean;
}

function defaultFormat(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  // Integers are written in full: a count of 16777217 must never read 16780000.
  if (Number.isInteger(v)) return String(v);
  return Number(v.toPrecision(4)).toString();
}

/**
 * A heatmap of a matrix (row i, column j = `z[i][j]`), row 0 at the top by default.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { heatmap } from "./charts.ts";
 * const fig = heatmap([[5, 1], [2, 7]], { x: ["cat", "dog"], y: ["cat", "dog"], title: "Confusion" });
 * const trace = fig.toJSON().data[0];
 * assert.equal(trace.type, "heatmap");
 * assert.deepEqual(trace.text, [["5", "1"], ["2", "7"]]);
 * ```
 */
export function heatmap(z: readonly ArrayLike<number>[], options: HeatmapOptions = {}): Figure {
  const width = checkMatrix("z", z);
  if (options.x && options.x.length !== width) {
    throw new RangeError(
      `Expected options.x to have ${width} labels, but found ${options.x.length}`,
    );
  }
  if (options.y && options.y.length !== z.length) {
    throw new RangeError(
      `Expected options.y to have ${z.length} labels, but found ${options.y.length}`,
    );
  }
  const rows = z.map((row) => Array.from(row));
  const showValues = options.showValues ?? rows.length * width <= 400;
  const format = options.format ?? defaultFormat;
  const trace: PlotlyTrace = {
    type: "heatmap",
    z: rows,
    x: options.x ? [...options.x].map(String) : rows[0].map((_, j) => String(j)),
    y: options.y ? [...options.y].map(String) : rows.map((_, i) => String(i)),
    colorscale: options.colorscale ?? "Viridis",
  };
  if (options.zmin !== undefined) trace.zmin = options.zmin;
  if (options.zmax !== undefined) trace.zmax = options.zmax;
  if (options.colorbarTitle) trace.colorbar = { title: { text: options.colorbarTitle } };
  if (options.text) {
    checkMatrix("options.text", options.text.map((r) => ({ length: r.length })));
    if (options.text.length !== rows.length || options.text[0].length !== width) {
      throw new RangeError(
        `Expected options.text to be ${rows.length}x${width} like z, but found ${options.text.length}x${
          options.text[0].length
        }`,
      );
    }
  }
  if (options.text && (options.showValues ?? true)) {
    trace.text = options.text.map((row) => [...row]);
    trace.texttemplate = "%{text}";
  } else if (showValues) {
    trace.text = rows.map((row) => row.map(format));
    trace.texttemplate = "%{text}";
  }
  const layout = baseLayout(options);
  layout.xaxis = { ...layout.xaxis as PlotlyLayout, type: "category" };
  layout.yaxis = {
    ...layout.yaxis as PlotlyLayout,
    type: "category",
    ...(options.matrixOrder ?? true ? { autorange: "reversed" } : {}),
  };
  return new Figure([trace], mergeLayout(layout, options.layout));
}

/** One line of {@linkcode lines}. */
export interface LineSeries {
  /** Legend name. */
  name: string;
  /** x values (default 0..n-1). */
  x?: ArrayLike<number> | readonly (string | number)[];
  /** y values. */
  y: ArrayLike<number>;
  /** Plotly mode (default "lines"). */
  mode?: "lines" | "markers" | "lines+markers";
  /** Dash style, e.g. "dash" or "dot". */
  dash?: string;
  /** Line colour. */
  color?: string;
}

/** A vertical marker line with a label, e.g. "cell freezes here". */
export interface VerticalMarker {
  /** Where, on the x axis. */
  x: number;
  /** Label written at the top of the line. */
  label: string;
  /** Line colour (default "firebrick"). */
  color?: string;
}

/** Options of {@linkcode lines}. */
export interface LinesOptions extends FigureOptions {
  /** Logarithmic x axis. */
  logX?: boolean;
  /** Logarithmic y axis. */
  logY?: boolean;
  /** Vertical marker lines. */
  markers?: readonly VerticalMarker[];
}

/**
 * Line (or scatter) plot of one or more series.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { lines } from "./charts.ts";
 * const fig = lines([{ name: "error", x: [1, 2, 3], y: [0, 0.5, 2] }], {
 *   logX: true,
 *   markers: [{ x: 2, label: "2^24" }],
 * });
 * const json = fig.toJSON();
 * assert.equal(json.data[0].name, "error");
 * assert.equal((json.layout.xaxis as { type: string }).type, "log");
 * assert.equal((json.layout.shapes as unknown[]).length, 1);
 * ```
 */
export function lines(series: readonly LineSeries[], options: LinesOptions = {}): Figure {
  if (!Array.isArray(series) || series.length === 0) {
    throw new RangeError(`Expected series to be a non-empty array, but found ${series}`);
  }
  const data = series.map((s, i): PlotlyTrace => {
    const y = Array.from(s.y);
    const x = s.x === undefined ? y.map((_, k) => k) : Array.from(s.x as ArrayLike<number>);
    if (x.length !== y.length) {
      throw new RangeError(
        `Expected series[${i}] ("${s.name}") to have as many x as y values, but found ${x.length} and ${y.length}`,
      );
    }
    const trace: PlotlyTrace = { type: "scatter", mode: s.mode ?? "lines", name: s.name, x, y };
    const line: Record<string, unknown> = {};
    if (s.dash) line.dash = s.dash;
    if (s.color) line.color = s.color;
    if (Object.keys(line).length > 0) trace.line = line;
    if (s.color && s.mode && s.mode !== "lines") trace.marker = { color: s.color };
    return trace;
  });
  const layout = baseLayout(options);
  if (options.logX) layout.xaxis = { ...layout.xaxis as PlotlyLayout, type: "log" };
  if (options.logY) layout.yaxis = { ...layout.yaxis as PlotlyLayout, type: "log" };
  const markers = options.markers ?? [];
  if (markers.length > 0) {
    layout.shapes = markers.map((m) => ({
      type: "line",
      xref: "x",
      yref: "paper",
      x0: m.x,
      x1: m.x,
      y0: 0,
      y1: 1,
      line: { color: m.color ?? "firebrick", dash: "dot", width: 2 },
    }));
    layout.annotations = markers.map((m) => ({
      xref: "x",
      yref: "paper",
      x: options.logX ? Math.log10(m.x) : m.x,
      y: 1,
      yanchor: "bottom",
      text: m.label,
      showarrow: false,
      font: { color: m.color ?? "firebrick" },
    }));
  }
  return new Figure(data, mergeLayout(layout, options.layout));
}

/** One group of bars of {@linkcode bars}. */
export interface BarSeries {
  /** Legend name. */
  name: string;
  /** One value per category. */
  values: ArrayLike<number>;
  /** Bar colour. */
  color?: string;
}

/** Options of {@linkcode bars}. */
export interface BarsOptions extends FigureOptions {
  /** "group" (default) or "stack". */
  barmode?: "group" | "stack";
  /** Horizontal bars. */
  horizontal?: boolean;
  /** Write each bar's value on it (default false). */
  showValues?: boolean;
  /** Format of the written values (default: up to 4 significant digits). */
  format?: (value: number) => string;
}

/**
 * Grouped (or stacked) bars: one bar per category and series.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bars } from "./charts.ts";
 * const fig = bars(["dataset", "per-batch"], [{ name: "mIoU", values: [0.71, 0.74] }]);
 * const trace = fig.toJSON().data[0];
 * assert.equal(trace.type, "bar");
 * assert.deepEqual(trace.y, [0.71, 0.74]);
 * ```
 */
export function bars(
  categories: readonly string[],
  series: readonly BarSeries[],
  options: BarsOptions = {},
): Figure {
  if (!Array.isArray(series) || series.length === 0) {
    throw new RangeError(`Expected series to be a non-empty array, but found ${series}`);
  }
  const format = options.format ?? defaultFormat;
  const data = series.map((s, i): PlotlyTrace => {
    const values: number[] = Array.from(s.values as ArrayLike<number>, Number);
    if (values.length !== categories.length) {
      throw new RangeError(
        `Expected series[${i}] ("${s.name}") to have ${categories.length} values, but found ${values.length}`,
      );
    }
    const trace: PlotlyTrace = { type: "bar", name: s.name };
    if (options.horizontal) {
      trace.orientation = "h";
      trace.y = [...categories];
      trace.x = values;
    } else {
      trace.x = [...categories];
      trace.y = values;
    }
    if (s.color) trace.marker = { color: s.color };
    if (options.showValues) {
      trace.text = values.map(format);
      trace.textposition = "auto";
    }
    return trace;
  });
  const layout = baseLayout(options);
  layout.barmode = options.barmode ?? "group";
  if (options.horizontal) {
    layout.yaxis = { ...layout.yaxis as PlotlyLayout, type: "category", autorange: "reversed" };
  }
  return new Figure(data, mergeLayout(layout, options.layout));
}
