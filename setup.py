"""Build script: compiles Ember's Cython extensions with -O3 (and OpenMP when the compiler has it).

Environment switches:
  EMBER_DEBUG=1      turn Cython bounds checks back on and build with -O0 -g
  EMBER_NATIVE=0     do not tune for the build machine's CPU (-march=native is the default)
  EMBER_OPENMP=0     build without OpenMP even when the compiler supports it
  EMBER_EXTENSIONS=a,b  build only these Cython modules (development)
"""
import os
import sys
import tempfile
import subprocess

import numpy as np
from Cython.Build import cythonize
from setuptools import Extension, find_packages, setup
from setuptools.command.build_ext import build_ext

DEBUG = os.environ.get("EMBER_DEBUG", "0") == "1"


def _compiler_accepts(flags):
    """Return True when the C compiler builds a trivial OpenMP program with `flags`."""
    cc = os.environ.get("CC", "cc")
    src = "#include <omp.h>\nint main(void){return omp_get_max_threads() > 0 ? 0 : 1;}\n"
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "t.c")
        with open(path, "w") as fh:
            fh.write(src)
        try:
            r = subprocess.run([cc, *flags, path, "-o", os.path.join(tmp, "t")],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        except OSError:
            return False
        return r.returncode == 0


class BuildExt(build_ext):
    def build_extensions(self):
        compile_args, link_args = [], []
        if self.compiler.compiler_type == "unix":
            if DEBUG:
                compile_args += ["-O0", "-g"]
            else:
                compile_args += ["-O3", "-fwrapv", "-fno-math-errno", "-fno-trapping-math"]
                if os.environ.get("EMBER_NATIVE", "1") == "1" and _compiler_accepts(["-march=native", "-fopenmp"]):
                    compile_args.append("-march=native")
            if os.environ.get("EMBER_OPENMP", "1") == "1" and _compiler_accepts(["-fopenmp"]):
                compile_args.append("-fopenmp")
                link_args.append("-fopenmp")
            else:
                # No OpenMP runtime: keep `omp simd` hints when the compiler knows them.
                if _compiler_accepts(["-fopenmp-simd"]):
                    compile_args.append("-fopenmp-simd")
                print("ember: building without OpenMP (single-threaded CPU kernels)", file=sys.stderr)
            compile_args.append("-Wno-unused-function")
        elif self.compiler.compiler_type == "msvc":
            compile_args += ["/O2", "/openmp"]
        if not self.parallel:                    # compile the extensions side by side
            self.parallel = os.cpu_count() or 1
        for ext in self.extensions:
            ext.extra_compile_args = compile_args + list(ext.extra_compile_args or [])
            ext.extra_link_args = link_args + list(ext.extra_link_args or [])
        super().build_extensions()


CPU = "ember/backends/cpu"
MODULES = sorted(f[:-4] for f in os.listdir(CPU) if f.endswith(".pyx"))
if os.environ.get("EMBER_EXTENSIONS"):      # e.g. EMBER_EXTENSIONS=_reduce: build just that one
    MODULES = [m for m in MODULES if m in os.environ["EMBER_EXTENSIONS"].split(",")]
extensions = [
    Extension(f"ember.backends.cpu.{name}", [f"{CPU}/{name}.pyx"],
              include_dirs=[CPU, np.get_include()],
              define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
              # libm's linker script pulls in libmvec (the vector math the loops call) as needed
              libraries=["m"] if sys.platform.startswith("linux") else [])
    for name in MODULES
]

directives = {
    "language_level": 3,
    "boundscheck": DEBUG,
    "wraparound": DEBUG,
    "cdivision": True,
    "initializedcheck": DEBUG,
    "embedsignature": True,
}

setup(
    packages=find_packages(include=["ember", "ember.*"]) + ["ember.kernels_cl"],
    package_dir={"ember.kernels_cl": "kernels_cl"},
    package_data={"ember.kernels_cl": ["*.cl", "*.h"], "ember.backends.cpu": ["*.pxd", "*.h", "*.pyi"],
                  "ember.vision.datasets": ["data/*.csv.gz", "data/*.md"]},
    ext_modules=cythonize(extensions, compiler_directives=directives,
                          nthreads=min(os.cpu_count() or 1, len(extensions))),
    cmdclass={"build_ext": BuildExt},
    zip_safe=False,
)
