// Keeps the library non-empty while the kernels land.
