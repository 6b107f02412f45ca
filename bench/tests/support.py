"""What every test of bench/benchreport needs: the package on sys.path and the fixtures.

Run the tests with `python3 -m unittest discover -s bench/tests` from the repository root.
"""

import json
import os
import sys

TESTS_DIR = os.path.dirname(os.path.abspath(__file__))
BENCH_DIR = os.path.dirname(TESTS_DIR)
if BENCH_DIR not in sys.path:
    sys.path.insert(0, BENCH_DIR)


def fixture_path(name):
    return os.path.join(TESTS_DIR, "fixtures", name)


def load_fixture(name):
    """A fixture's JSON, freshly parsed (tests may change it)."""
    with open(fixture_path(name)) as f:
        return json.load(f)
