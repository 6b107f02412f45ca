"""Turns the benchmark reports of one comparison run into tables, RESULTS.md and an SVG chart.

`bench/compare` runs the programs; this package only reads their JSON reports (the
contract of bench/README.md) and the saved run that `bench/compare --json-out` writes:

    {"command": "...", "started": "...", "finished": "...", "machine": {...},
     "suites": {"<suite>": {"weave": <report or null>, "peers": {"<label>": <report>},
                            "legends": ["<label>: <runtime>"], "notes": ["..."]}}}

Modules: `comparison` (rows and ratios), `machine` (what the run ran on), `markdown`
(RESULTS.md), `svg` (the chart), `net_servers` (bench/net-compare's JSON as reports).
"""
