"""RESULTS.md from a saved run: the date, the machine, the command, then per suite a table
of Weave against every peer with direction-aware ratios. Every figure comes from the run.
"""

import math

from . import comparison
from .net_servers import SUITE as NET_SERVERS

NOTES_FILE = "NOTES.md"
README_FILE = "README.md"

MACHINE_ROWS = [
    ("cpu_model", "CPU"), ("cpus", "Cores"), ("mem_gib", "Memory (GiB)"), ("kernel", "Kernel"),
    ("arch", "Architecture"), ("os", "OS"), ("loadavg", "Load average at the start"),
]


def ratio_text(r):
    """A ratio cell: "6.80× better" when Weave wins, "1.70× worse" when the peer does."""
    if r is None:
        return "—"
    if r == comparison.UNITS_DIFFER:
        return r
    if r >= 1:
        return f"{r:.2f}× better"
    return f"{1 / r:.2f}× worse"


def suite_title(suite):
    if suite == NET_SERVERS:
        return "net servers (`bench/net-compare`: servers loaded from another process)"
    return f"{suite} (`weave bench {suite}`)"


def table(peers, rows):
    """Markdown table lines: workload | weave | peers | vs peers."""
    header = ["workload", comparison.OURS] + peers + [f"vs {p}" for p in peers]
    lines = ["| " + " | ".join(header) + " |",
             "|" + "|".join(["---"] + ["--:"] * (len(header) - 1)) + "|"]
    for row in rows:
        cells = [f"`{row.name}`", comparison.fmt_measure(row.values.get(comparison.OURS))]
        cells += [comparison.fmt_measure(row.values.get(p)) for p in peers]
        cells += [ratio_text(row.ratios.get(p)) for p in peers]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return lines


def suite_section(suite, entry):
    lines = ["", f"## {suite_title(suite)}", ""]
    peers = list(entry.get("peers", {}))
    peers_reports = [(p, entry["peers"][p]) for p in peers]
    peers, rows = comparison.compare(entry.get("weave"), peers_reports)
    if rows:
        lines += table(peers, rows)
    else:
        lines.append("No results: nothing ran (see the notes).")
    for heading, items in (("What ran", entry.get("legends", [])), ("Notes", entry.get("notes", []))):
        if items:
            lines += ["", f"{heading}:", ""] + [f"- {item}" for item in items]
    seconds = entry.get("seconds", {})
    if seconds:
        lines += ["", "Took " + ", ".join(f"{label} {s:.0f} s" for label, s in seconds.items())
                  + "."]
    return lines


def summary_section(run):
    """Per suite and peer: how many workloads both measured, in how many Weave is ahead,
    and the geometric mean of the ratios."""
    lines = ["## At a glance", "",
             "| suite | peer | workloads compared | Weave ahead in | geometric mean of vs peer |",
             "|---|---|--:|--:|--:|"]
    for suite, entry in run.get("suites", {}).items():
        peers, rows = comparison.compare(entry.get("weave"), list(entry.get("peers", {}).items()))
        for peer in peers:
            ratios = [r.ratios[peer] for r in rows if isinstance(r.ratios.get(peer), float)]
            if not ratios:
                continue
            ahead = sum(1 for r in ratios if r > 1)
            mean = math.exp(sum(math.log(r) for r in ratios) / len(ratios))
            lines.append(f"| {suite} | {peer} | {len(ratios)} | {ahead} | {ratio_text(mean)} |")
    return lines if len(lines) > 4 else []


def machine_section(run):
    machine, tools = run.get("machine", {}), run.get("tools", {})
    lines = ["## Machine and command", "", "| | |", "|---|---|"]
    when = run.get("started", "unknown")
    if run.get("finished"):
        when += f" to {run['finished']}"
    if run.get("elapsed_s") is not None:
        when += f" ({run['elapsed_s'] / 60:.0f} min)"
    lines.append(f"| Date (UTC) | {when} |")
    lines.append(f"| Command | `{run.get('command', 'unknown')}` |")
    if run.get("revision"):
        lines.append(f"| Weave commit | {run['revision']} |")
    for key, label in MACHINE_ROWS:
        if key in machine:
            lines.append(f"| {label} | {machine[key]} |")
    for label, version in tools.items():
        lines.append(f"| {label} | {version} |")
    return lines


def render(run, chart_file=None):
    """The whole of RESULTS.md for a saved run; `chart_file` (relative to RESULTS.md) is
    the SVG to show at the top, if one was drawn."""
    lines = [
        "# Benchmark results",
        "",
        "<!-- Written by `weave bench all` (bench/compare, bench/benchreport). Do not edit:",
        f"     rerun it. Analysis and history belong in {NOTES_FILE}. -->",
        "",
        f"Every figure below comes from one run of `weave bench all` started {run.get('started', '')}."
        f" What each workload does: [{README_FILE}]({README_FILE}); the analysis and history of"
        f" these figures: [{NOTES_FILE}]({NOTES_FILE}).",
        "",
        "**vs peer** is how many times better Weave is than that peer: peer ÷ Weave for times"
        " and memory, Weave ÷ peer for throughput. \"× better\": Weave wins; \"× worse\": the"
        " peer does.",
    ]
    if chart_file:
        lines += ["", f"![Weave against its peers: one bar group per workload, the longest bar"
                      f" is the best]({chart_file})"]
    summary = summary_section(run)
    if summary:
        lines += [""] + summary
    lines += [""] + machine_section(run)
    for suite, entry in run.get("suites", {}).items():
        lines += suite_section(suite, entry)
    return "\n".join(lines) + "\n"
