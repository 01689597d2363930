/**
 * Defaults shared by `plot.ts` and `charts.ts`; not part of the public API.
 *
 * @module
 */

/** A figure's height in pixels when its layout gives none (plotly's own default too). */
export const DEFAULT_HEIGHT = 450;
