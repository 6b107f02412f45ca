"""bench/net-compare's JSON becomes reports in the benchmark contract's shape."""

import unittest

from support import load_fixture

from benchreport import net_servers


class NetServersTests(unittest.TestCase):
    def setUp(self):
        self.entry = net_servers.suite_entry(load_fixture("net-compare.json"))

    def test_weave_gets_the_medians_as_higher_is_better(self):
        results = self.entry["weave"]["results"]
        self.assertEqual([(r["name"], r["value"], r["unit"], r["lower_is_better"]) for r in results],
                         [("echo_pingpong", 51000, "rt/s", False),
                          ("echo_100conn_2core", 102000, "rt/s", False)])

    def test_each_other_server_is_a_peer_with_only_its_workloads(self):
        self.assertEqual(list(self.entry["peers"]), ["nio", "gevent", "go"])
        go = self.entry["peers"]["go"]["results"]
        self.assertEqual([(r["name"], r["value"]) for r in go], [("echo_100conn_2core", 125000)])

    def test_titles_columns_and_notes_carry_over(self):
        self.assertIn("echo_pingpong: echo ping-pong, 1 connection", self.entry["legends"])
        self.assertIn("nio: raw SwiftNIO", self.entry["legends"])
        self.assertIn("each figure: the median of 3 loads of 3 s", self.entry["legends"])
        self.assertEqual(self.entry["notes"],
                         ["http_hello: no load program (wrk; run bench/peers/install.sh), skipped"])

    def test_a_run_without_weave_has_no_weave_report(self):
        net = load_fixture("net-compare.json")
        for workload in net["workloads"].values():
            workload["median"].pop("weave")
        self.assertIsNone(net_servers.suite_entry(net)["weave"])


if __name__ == "__main__":
    unittest.main()
