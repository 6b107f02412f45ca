"""The chart: one group per compared workload, one bar per implementation, longer is better."""

import unittest
import xml.etree.ElementTree as ET

from support import load_fixture

from benchreport import net_servers, svg

NS = "{http://www.w3.org/2000/svg}"


def groups(document):
    """[(suite, workload, {implementation: bar width})] in drawing order."""
    root = ET.fromstring(document)
    found = []
    for g in root.iter(f"{NS}g"):
        if g.get("class") != "workload":
            continue
        bars = {r.get("data-impl"): float(r.get("width"))
                for r in g.iter(f"{NS}rect") if r.get("class") == "bar"}
        found.append((g.get("data-suite"), g.get("data-workload"), bars))
    return root, found


class SVGTests(unittest.TestCase):
    def setUp(self):
        self.run_json = load_fixture("run.json")
        self.root, self.groups = groups(svg.render(self.run_json))

    def test_one_group_per_workload_weave_and_a_peer_measured(self):
        self.assertEqual([(s, w) for s, w, _ in self.groups],
                         [("greenlet", "switch"), ("greenlet", "create_switch_finish"),
                          ("process", "queue_1to1"), ("process", "pipe_1mib")])

    def test_one_bar_per_implementation_with_a_value(self):
        bars = {w: set(b) for _, w, b in self.groups}
        self.assertEqual(bars["switch"], {"weave", "greenlet", "go"})
        self.assertEqual(bars["create_switch_finish"], {"weave", "greenlet", "go"})
        self.assertEqual(bars["queue_1to1"], {"weave", "multiprocessing"})

    def test_the_best_bar_is_longest_and_the_order_follows_the_values(self):
        bars = {w: b for _, w, b in self.groups}
        switch = bars["switch"]
        self.assertGreater(switch["weave"], switch["go"])
        self.assertGreater(switch["go"], switch["greenlet"])
        create = bars["create_switch_finish"]
        self.assertEqual(create["go"], max(create.values()))
        self.assertEqual(switch["weave"], create["go"], "the best of each group is a full bar")
        self.assertGreater(bars["pipe_1mib"]["multiprocessing"], 0)

    def test_legend_lists_each_implementation_once_weave_first(self):
        legend = [r.get("data-impl") for r in self.root.iter(f"{NS}rect")
                  if r.get("class") == "legend"]
        self.assertEqual(legend, ["weave", "greenlet", "go", "multiprocessing"])

    def test_net_servers_are_drawn_like_a_suite(self):
        self.run_json["suites"][net_servers.SUITE] = net_servers.suite_entry(
            load_fixture("net-compare.json"))
        _, found = groups(svg.render(self.run_json))
        net = {w: set(b) for s, w, b in found if s == net_servers.SUITE}
        self.assertEqual(net, {"echo_pingpong": {"weave", "nio", "gevent"},
                               "echo_100conn_2core": {"weave", "go"}})

    def test_a_run_with_nothing_to_compare_still_draws(self):
        self.run_json["suites"] = {"net": self.run_json["suites"]["net"]}
        root, found = groups(svg.render(self.run_json))
        self.assertEqual(found, [])
        self.assertTrue(any("No workload" in (t.text or "") for t in root.iter(f"{NS}text")))


if __name__ == "__main__":
    unittest.main()
