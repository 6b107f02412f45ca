"""RESULTS.md: the machine, the command, a table per suite with direction-aware ratios."""

import unittest

from support import load_fixture

from benchreport import markdown


def table_rows(text, suite):
    """workload -> cells of the table under the suite's heading."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"## {suite} "))
    rows = {}
    for line in lines[start + 1:]:
        if line.startswith("## "):
            break
        if line.startswith("| `"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            rows[cells[0].strip("`")] = cells[1:]
    return rows


class MarkdownTests(unittest.TestCase):
    def setUp(self):
        self.text = markdown.render(load_fixture("run.json"), chart_file="results.svg")

    def test_ratios_say_who_wins(self):
        rows = table_rows(self.text, "greenlet")
        # weave | greenlet | go | vs greenlet | vs go
        self.assertEqual(rows["switch"], ["20.0 ns", "130 ns", "50.0 ns", "6.50× better",
                                          "2.50× better"])
        self.assertEqual(rows["create_switch_finish"][3:], ["30.80× better", "1.25× worse"])

    def test_throughput_ratios_and_units_that_differ(self):
        rows = table_rows(self.text, "process")
        self.assertEqual(rows["queue_1to1"], ["3.00M ops/s", "350k ops/s", "8.57× better"])
        self.assertEqual(rows["pipe_1mib"][2], "25.00× better")
        self.assertEqual(rows["child_rss"][2], "units differ")

    def test_missing_sides_show_a_dash(self):
        rows = table_rows(self.text, "greenlet")
        self.assertEqual(rows["switch_nothing"], ["13.0 ns", "—", "—", "—", "—"])
        self.assertEqual(rows["switch_channel"][0], "—")

    def test_a_suite_without_peers_still_has_weaves_table(self):
        rows = table_rows(self.text, "net")
        self.assertEqual(rows, {"echo_pingpong": ["76.5k ops/s"]})
        self.assertIn("- no peers installed for suite 'net'", self.text)

    def test_header_names_the_machine_command_and_date(self):
        for expected in ("| Command | `weave bench all` |", "| Weave commit | 0cd9623 |",
                         "| CPU | Test CPU 9000 |",
                         "| Cores | 2 |", "| Memory (GiB) | 24.0 |",
                         "| Python | Python 3.11.7, greenlet 3.5.6, gevent 26.9.0 |",
                         "2026-12-03 13:20:00 UTC to 2026-12-03 13:35:00 UTC (15 min)",
                         "- go: Go go1.19.8 GOMAXPROCS=1",
                         "(results.svg)", "[NOTES.md](NOTES.md)"):
            self.assertIn(expected, self.text)

    def test_every_suite_gets_a_section_in_run_order(self):
        headings = [line.split()[1] for line in self.text.splitlines() if line.startswith("## ")]
        self.assertEqual(headings, ["At", "Machine", "greenlet", "process", "net"])

    def test_at_a_glance_counts_wins_and_takes_the_geometric_mean(self):
        # greenlet vs go: 2.5 and 0.8 -> one win of two, mean sqrt(2) = 1.41.
        self.assertIn("| greenlet | go | 2 | 1 | 1.41× better |", self.text)
        self.assertIn("| greenlet | greenlet | 2 | 2 | 14.15× better |", self.text)
        # units that differ do not count.
        self.assertIn("| process | multiprocessing | 2 | 2 | 14.64× better |", self.text)


if __name__ == "__main__":
    unittest.main()
