// Public API of the toolkit: re-exports only.
export {};
