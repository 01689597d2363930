/**
 * How each runtime sums in float32: PyTorch's and NumPy's reduction orders, and the Eigen and XLA
 * orders of the Keras backends. Shared by the Keras emulation and the other libraries' profiles.
 *
 * @module
 */

export * from "./reduction_order.ts";
export * from "./keras_sums.ts";
export * from "./torch_histc.ts";
