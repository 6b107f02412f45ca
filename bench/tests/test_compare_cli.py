"""bench/compare --from-json: the saved run in, RESULTS.md and the chart out, nothing run."""

import os
import subprocess
import sys
import tempfile
import unittest
import xml.etree.ElementTree as ET

from support import BENCH_DIR, fixture_path


class CompareCLITests(unittest.TestCase):
    def test_from_json_writes_the_report_linking_the_chart_and_the_tables(self):
        with tempfile.TemporaryDirectory() as tmp:
            report, chart = os.path.join(tmp, "RESULTS.md"), os.path.join(tmp, "results.svg")
            proc = subprocess.run(
                [sys.executable, os.path.join(BENCH_DIR, "compare"), "--from-json",
                 fixture_path("run.json"), "--report", report, "--chart", chart],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=30)
            self.assertEqual(proc.returncode, 0, proc.stderr)
            self.assertIn("6.50x", proc.stdout)
            with open(report) as f:
                text = f.read()
            self.assertIn("](results.svg)", text)
            self.assertIn("| `switch` | 20.0 ns | 130 ns | 50.0 ns | 6.50× better | 2.50× better |",
                          text)
            self.assertEqual(ET.parse(chart).getroot().tag, "{http://www.w3.org/2000/svg}svg")

    def test_a_failing_weave_run_is_a_note_not_an_error(self):
        # What `bench/compare distributed` does while `weave bench distributed` does not
        # exist yet: the table is empty and the notes say why.
        env = dict(os.environ, WEAVE_BENCH_CMD=(
            f"{sys.executable} -c \"import sys; sys.exit('unknown suite ' + sys.argv[1])\" "
            "{suite}"))
        proc = subprocess.run(
            [sys.executable, os.path.join(BENCH_DIR, "compare"), "distributed",
             "--peers", "no-such-peer"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60, env=env)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertIn("## suite distributed", proc.stdout)
        self.assertIn("note: weave: exit status 1: unknown suite distributed", proc.stdout)
        self.assertIn("no peers installed among --peers for suite 'distributed'", proc.stdout)

    def test_no_suite_is_a_usage_error(self):
        proc = subprocess.run([sys.executable, os.path.join(BENCH_DIR, "compare")],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              timeout=30)
        self.assertEqual(proc.returncode, 2)
        self.assertIn("name at least one suite", proc.stderr)


if __name__ == "__main__":
    unittest.main()
