"""Device backends: the primitive kernel interface on the CPU (Cython) and on OpenCL devices."""
