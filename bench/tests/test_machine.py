"""The machine and package versions a report names are read, never guessed."""

import json
import os
import tempfile
import unittest

import support  # noqa: F401  (puts bench/ on sys.path)

from benchreport import machine


class MachineTests(unittest.TestCase):
    def test_resolved_package_versions_come_from_the_workspace_state(self):
        state = {"object": {"dependencies": [
            {"packageRef": {"identity": "swift-nio"},
             "state": {"checkoutState": {"version": "2.101.3"}}},
            {"packageRef": {"identity": "hummingbird"},
             "state": {"checkoutState": {"revision": "0123456789abcdef0123"}}},
            {"packageRef": {"identity": "broken"}, "state": {}}]}}
        with tempfile.TemporaryDirectory() as tmp:
            os.mkdir(os.path.join(tmp, ".build"))
            with open(os.path.join(tmp, ".build", "workspace-state.json"), "w") as f:
                json.dump(state, f)
            self.assertEqual(machine.swift_package_versions(tmp),
                             {"hummingbird": "0123456789ab", "swift-nio": "2.101.3"})

    def test_a_package_never_built_has_no_versions(self):
        with tempfile.TemporaryDirectory() as tmp:
            self.assertEqual(machine.swift_package_versions(tmp), {})

    def test_a_folder_outside_git_has_no_revision(self):
        with tempfile.TemporaryDirectory() as tmp:
            self.assertIsNone(machine.describe_revision(tmp))

    def test_the_machine_reports_its_cores_and_kernel(self):
        info = machine.describe_machine()
        self.assertEqual(info["cpus"], os.cpu_count())
        self.assertTrue(info["kernel"])


if __name__ == "__main__":
    unittest.main()
