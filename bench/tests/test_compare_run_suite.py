"""bench/compare's run_suite: what it keeps of each peer's report, without running one."""

import argparse
import importlib.machinery
import importlib.util
import os
import unittest
from unittest import mock

from support import BENCH_DIR


def load_compare():
    """bench/compare, a script without the .py suffix, imported as a module."""
    loader = importlib.machinery.SourceFileLoader("bench_compare", os.path.join(BENCH_DIR, "compare"))
    spec = importlib.util.spec_from_loader(loader.name, loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


compare = load_compare()


class RunSuiteTests(unittest.TestCase):
    def run_suite_with(self, reports):
        """run_suite for `distributed` with the peers `reports` names, each 'running' by
        returning its canned (report, error, seconds)."""
        args = argparse.Namespace(no_ours=True, timeout=60)
        peers = [(label, ["peer", label]) for label in reports]
        with mock.patch.object(compare, "peers_for", return_value=(peers, [])), \
                mock.patch.object(compare, "run_program",
                                  side_effect=lambda label, *_: reports[label]):
            return compare.run_suite("distributed", args, None)

    def test_a_peers_own_notes_join_the_suites_notes_under_its_label(self):
        celery = {"suite": "distributed", "peer": "Celery 5",
                  "results": [{"name": "distributed_roundtrip", "value": 3.0, "unit": "ms",
                               "lower_is_better": True}],
                  "notes": ["the default visibility timeout exceeded the 60 s cap"]}
        entry = self.run_suite_with({"celery": (celery, None, 12.0)})
        self.assertIs(entry["peers"]["celery"], celery)
        self.assertIn("celery: the default visibility timeout exceeded the 60 s cap",
                      entry["notes"])
        self.assertEqual(entry["legends"], ["celery: Celery 5"])

    def test_a_failed_peer_leaves_only_its_error(self):
        entry = self.run_suite_with({"ray": (None, "ray: exit status 1: no ray", 3.0)})
        self.assertEqual(entry["peers"], {})
        self.assertEqual(entry["notes"], ["ray: exit status 1: no ray"])
        self.assertEqual(entry["seconds"], {"ray": 3.0})


if __name__ == "__main__":
    unittest.main()
