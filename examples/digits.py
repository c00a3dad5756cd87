"""Train a small CNN on the bundled handwritten digits (the same as `python -m ember.examples.digits`).

    python examples/digits.py                      # defaults: 10 epochs on the CPU
    python examples/digits.py --epochs 3 --out runs/digits
    python examples/digits.py --resume --epochs 15 --out runs/digits
    python examples/digits.py --help

The program lives in the package (ember/examples/digits.py) so that it is installed with Ember
and available as `ember-train`; this file only runs it.
"""
import sys

from ember.examples.digits import main

if __name__ == "__main__":
    sys.exit(main())
