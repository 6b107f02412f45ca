"""bench/net-compare's JSON (`--json`) as one suite entry of a saved run.

net-compare measures servers, not a suite of `weave bench`: every workload is a load on a
server, and each server kind is a column. Its medians become one report per column in the
benchmark contract's shape, so the tables, ratios and chart treat them like any suite.
"""

SUITE = "net-servers"


def suite_entry(net_json):
    """{"weave", "peers", "legends", "notes"} from net-compare's JSON object."""
    workloads = net_json.get("workloads", {})
    columns = []
    for entry in workloads.values():
        columns += [c for c in entry.get("median", {}) if c not in columns]

    def report(column):
        results = [{"name": name, "value": entry["median"][column], "unit": entry.get("unit", ""),
                    "lower_is_better": False}
                   for name, entry in workloads.items() if column in entry.get("median", {})]
        return {"suite": SUITE, "results": results}

    legends = [f"{name}: {entry['title']}" for name, entry in workloads.items()
               if entry.get("title")]
    described = net_json.get("columns", {})
    legends += [f"{c}: {described[c]}" for c in columns if c != "weave" and c in described]
    runs, duration = net_json.get("runs"), net_json.get("duration_s")
    if runs and duration:
        loads = "1 load" if runs == 1 else f"{runs} loads"
        legends.append(f"each figure: the median of {loads} of {duration:g} s")
    return {
        "weave": report("weave") if "weave" in columns else None,
        "peers": {c: report(c) for c in columns if c != "weave"},
        "legends": legends,
        "notes": list(net_json.get("notes", [])),
    }
