"""Rows and ratios: direction, unit conversion, missing sides."""

import unittest

from support import load_fixture

from benchreport import comparison


def suite_rows(run, suite):
    entry = run["suites"][suite]
    peers, rows = comparison.compare(entry["weave"], list(entry["peers"].items()))
    return peers, {row.name: row for row in rows}


class ComparisonTests(unittest.TestCase):
    def setUp(self):
        self.run_json = load_fixture("run.json")

    def test_lower_is_better_ratio_is_peer_over_weave(self):
        _, rows = suite_rows(self.run_json, "greenlet")
        self.assertAlmostEqual(rows["switch"].ratios["greenlet"], 6.5)
        self.assertAlmostEqual(rows["switch"].ratios["go"], 2.5)

    def test_times_convert_between_units(self):
        _, rows = suite_rows(self.run_json, "greenlet")
        # Weave 0.25 us against greenlet's 7700 ns and Go's 200 ns.
        self.assertAlmostEqual(rows["create_switch_finish"].ratios["greenlet"], 30.8)
        self.assertAlmostEqual(rows["create_switch_finish"].ratios["go"], 0.8)

    def test_higher_is_better_ratio_is_weave_over_peer(self):
        _, rows = suite_rows(self.run_json, "process")
        self.assertAlmostEqual(rows["queue_1to1"].ratios["multiprocessing"], 3e6 / 350e3)
        self.assertAlmostEqual(rows["pipe_1mib"].ratios["multiprocessing"], 25.0)

    def test_units_that_do_not_convert_give_no_ratio(self):
        _, rows = suite_rows(self.run_json, "process")
        self.assertEqual(rows["child_rss"].ratios["multiprocessing"], comparison.UNITS_DIFFER)
        self.assertEqual(set(rows["child_rss"].scores()), {"weave"})

    def test_a_workload_one_side_lacks_has_no_ratio(self):
        peers, rows = suite_rows(self.run_json, "greenlet")
        self.assertEqual(peers, ["greenlet", "go"])
        self.assertEqual(list(rows), ["switch", "create_switch_finish", "switch_nothing",
                                      "switch_channel"])
        self.assertIsNone(rows["switch_nothing"].ratios["go"])
        self.assertIsNone(rows["switch_channel"].ratios["go"])
        self.assertNotIn("weave", rows["switch_channel"].values)

    def test_scores_put_the_best_at_one(self):
        _, rows = suite_rows(self.run_json, "greenlet")
        scores = rows["create_switch_finish"].scores()
        self.assertAlmostEqual(scores["go"], 1.0)
        self.assertAlmostEqual(scores["weave"], 0.8)
        self.assertAlmostEqual(scores["greenlet"], 200 / 7700)

    def test_formatting_keeps_three_figures(self):
        self.assertEqual(comparison.fmt_value(7683.2), "7683")
        self.assertEqual(comparison.fmt_value(49.83), "49.8")
        self.assertEqual(comparison.fmt_value(0.6254), "0.625")
        self.assertEqual(comparison.fmt_measure(None), "—")
        self.assertEqual(comparison.fmt_measure((3.2, "ms")), "3.20 ms")


if __name__ == "__main__":
    unittest.main()
