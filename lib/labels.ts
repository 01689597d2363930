// TEMPORARY STUB (the lead's file on main).
/** Labels. */
export type LabelArray =
  | readonly number[]
  | Uint8Array
  | Uint16Array
  | Int32Array
  | Float32Array
  | Float64Array;
