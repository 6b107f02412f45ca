"""An SVG bar chart of a saved run: one bar group per workload that Weave and at least one
peer measured, one bar per implementation, grouped under each suite.

A bar's length says how good an implementation is next to the best of its group, on a log
scale (the best is a full bar; gridlines mark 10× and 100× behind), so time, memory and
throughput read the same way: longer is better. Each bar is labelled with the measured
value, and each peer's with how Weave compares. Hand-written SVG, no libraries.
"""

import math
from xml.sax.saxutils import escape, quoteattr

from . import comparison
from .markdown import ratio_text

WIDTH = 1000
MARGIN = 20
LABEL_WIDTH = 250
BAR_X = MARGIN + LABEL_WIDTH
BAR_MAX = 480
BAR_HEIGHT = 14
BAR_GAP = 3
GROUP_GAP = 14
SUITE_GAP = 34
FONT = "font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\""
OURS_COLOUR = "#e4572e"
PEER_COLOURS = ["#4e79a7", "#59a14f", "#b07aa1", "#76b7b2", "#edc948", "#9c755f",
                "#ff9da7", "#bab0ac"]
# Below this many decades a chart still shows one gridline (10× behind) past the best.
MIN_DECADES = 1
# Room past the last gridline, in decades, so the worst bar keeps some length.
TAIL_DECADES = 0.3


def charted_groups(run):
    """[(suite, [Row])] of the workloads to draw: those where Weave and at least one peer
    have values that compare. Suites with none are left out."""
    groups = []
    for suite, entry in run.get("suites", {}).items():
        peers = [(p, r) for p, r in entry.get("peers", {}).items()]
        _, rows = comparison.compare(entry.get("weave"), peers)
        rows = [r for r in rows if comparison.OURS in r.scores() and len(r.scores()) >= 2]
        if rows:
            groups.append((suite, rows))
    return groups


def implementations(groups):
    """Every implementation drawn, Weave first, then peers in order of first appearance."""
    labels = [comparison.OURS]
    for _, rows in groups:
        for row in rows:
            labels += [label for label in row.scores() if label not in labels]
    return labels


def colours(labels):
    return {label: OURS_COLOUR if label == comparison.OURS
            else PEER_COLOURS[(i - 1) % len(PEER_COLOURS)] for i, label in enumerate(labels)}


class Scale:
    """Maps a score in (0, 1] to a bar length: log10, the best full, `decades` gridlines."""

    def __init__(self, worst_score):
        behind = math.log10(1 / worst_score) if worst_score > 0 else MIN_DECADES
        self.decades = max(MIN_DECADES, math.ceil(behind - 1e-9))

    def length(self, score):
        behind = math.log10(1 / score)
        return BAR_MAX * (1 - behind / (self.decades + TAIL_DECADES))


def text(x, y, content, size=12, anchor="start", weight="normal", fill="#222", extra=""):
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
            f'font-weight="{weight}" fill="{fill}" {FONT}{extra}>{escape(content)}</text>')


def legend(labels, palette, y):
    """Legend items flowing left to right, wrapping; returns (svg lines, height)."""
    out, x, row_y = [], MARGIN, y
    for label in labels:
        width = 24 + 7.5 * len(label)
        if x + width > WIDTH - MARGIN:
            x, row_y = MARGIN, row_y + 20
        out.append(f'<rect class="legend" data-impl={quoteattr(label)} x="{x}" y="{row_y - 11}" '
                   f'width="14" height="14" rx="2" fill="{palette[label]}"/>')
        out.append(text(x + 19, row_y, label, size=13))
        x += width + 16
    return out, row_y - y + 20


def workload_group(suite, row, labels, palette, scale, y):
    """One `<g class="workload">`: the name, the unit, a bar per implementation."""
    scores = row.scores()
    drawn = [label for label in labels if label in scores]
    ours = row.values.get(comparison.OURS)
    direction = "lower is better" if row.lower_is_better else "higher is better"
    out = [f'<g class="workload" data-suite={quoteattr(suite)} data-workload={quoteattr(row.name)}>',
           text(BAR_X - 10, y + BAR_HEIGHT - 2, row.name, size=13, anchor="end", weight="bold"),
           text(BAR_X - 10, y + BAR_HEIGHT + 14, f"{row.unit}, {direction}", size=11, anchor="end",
                fill="#666")]
    for i, label in enumerate(drawn):
        top = y + i * (BAR_HEIGHT + BAR_GAP)
        length = max(2.0, scale.length(scores[label]))
        measure = comparison.fmt_measure(row.values[label])
        caption = measure
        if label != comparison.OURS and ours is not None:
            caption += f"  (Weave {ratio_text(row.ratios.get(label))})"
        out.append(f'<rect class="bar" data-impl={quoteattr(label)} x="{BAR_X}" y="{top}" '
                   f'width="{length:.1f}" height="{BAR_HEIGHT}" fill="{palette[label]}">'
                   f'<title>{escape(f"{label}: {measure}")}</title></rect>')
        weight = "bold" if label == comparison.OURS else "normal"
        out.append(text(BAR_X + length + 6, top + BAR_HEIGHT - 3, caption, size=11, weight=weight,
                        fill="#222" if label == comparison.OURS else "#555"))
    out.append("</g>")
    height = max(len(drawn) * (BAR_HEIGHT + BAR_GAP) - BAR_GAP, BAR_HEIGHT + 18)
    return out, height


def gridlines(scale, top, bottom):
    """A dashed line at the best and at every 10× behind it, labelled above and below."""
    out = []
    for k in range(scale.decades + 1):
        x = BAR_X + scale.length(10 ** -k)
        label = "best" if k == 0 else f"{10 ** k}× behind"
        out.append(f'<line class="grid" x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{bottom}" '
                   f'stroke="#ccc" stroke-width="1" stroke-dasharray="3,3"/>')
        out.append(text(x, top - 6, label, size=11, anchor="middle", fill="#777"))
        out.append(text(x, bottom + 14, label, size=11, anchor="middle", fill="#777"))
    return out


def render(run, title="Weave against its peers"):
    """The SVG document for a saved run."""
    groups = charted_groups(run)
    labels = implementations(groups)
    palette = colours(labels)
    worst = min((s for _, rows in groups for row in rows for s in row.scores().values()),
                default=1.0)
    scale = Scale(worst)

    machine = run.get("machine", {})
    subtitle = ", ".join(str(part) for part in (
        run.get("started", ""), machine.get("cpu_model"),
        f"{machine['cpus']} cores" if machine.get("cpus") else None) if part)
    body = [text(MARGIN, 32, title, size=20, weight="bold"),
            text(MARGIN, 52, "One group per workload. Bar length: how good each implementation is"
                 " next to the best of its group (log scale); longer is better.", size=12,
                 fill="#444"),
            text(MARGIN, 68, subtitle, size=12, fill="#444")]
    legend_lines, legend_height = legend(labels, palette, 96)
    body += legend_lines
    y = 96 + legend_height + 20
    plot_top = y
    for suite, rows in groups:
        y += 14
        body.append(text(MARGIN, y, suite, size=15, weight="bold"))
        body.append(f'<line x1="{MARGIN}" y1="{y + 6}" x2="{WIDTH - MARGIN}" y2="{y + 6}" '
                    f'stroke="#999" stroke-width="1"/>')
        y += 20
        for row in rows:
            lines, height = workload_group(suite, row, labels, palette, scale, y)
            body += lines
            y += height + GROUP_GAP
        y += SUITE_GAP - GROUP_GAP
    if not groups:
        body.append(text(MARGIN, y + 20, "No workload was measured by Weave and a peer.", size=13))
        y += 40
    bottom = y - SUITE_GAP + GROUP_GAP
    height = bottom + MARGIN + 14
    grid = gridlines(scale, plot_top, bottom) if groups else []
    return "\n".join(
        [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height:.0f}" '
         f'viewBox="0 0 {WIDTH} {height:.0f}">',
         f'<rect width="{WIDTH}" height="{height:.0f}" fill="#fff"/>']
        + grid + body + ["</svg>"]) + "\n"
