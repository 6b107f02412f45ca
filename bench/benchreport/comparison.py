"""One suite's reports side by side: a row per workload, a ratio per peer.

A ratio says how many times better Weave is than a peer: peer ÷ Weave when lower is
better (times, memory), Weave ÷ peer otherwise (throughput). Above 1 Weave wins.
Times are converted between ns, us, ms and s; other units must match.
"""

TIME_UNITS = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}
HIGHER_IS_BETTER_UNITS = {"ops/s", "GB/s", "rt/s", "req/s"}
OURS = "weave"

# A ratio that cannot be computed because the two units do not convert.
UNITS_DIFFER = "units differ"


class Row:
    """One workload: each implementation's (value, unit) and Weave's ratio to each peer."""

    def __init__(self, name, unit, lower_is_better):
        self.name = name
        self.unit = unit
        self.lower_is_better = lower_is_better
        self.values = {}    # label -> (value, unit); OURS first when Weave measured it
        self.ratios = {}    # peer label -> float, None (a side is missing) or UNITS_DIFFER

    def scores(self):
        """label -> how good each value is next to the best of the row, in (0, 1]: 1 for
        the best. Values whose unit does not convert to the row's, or that are not
        positive, are left out."""
        converted = {}
        for label, (value, unit) in self.values.items():
            v = convert(value, unit, self.unit)
            if v is not None and v > 0:
                converted[label] = v
        if not converted:
            return {}
        if self.lower_is_better:
            best = min(converted.values())
            return {label: best / v for label, v in converted.items()}
        best = max(converted.values())
        return {label: v / best for label, v in converted.items()}


def index(report):
    """name -> result of a report's well-formed results (an empty dict for None)."""
    return {r["name"]: r for r in (report or {}).get("results", [])
            if isinstance(r, dict) and "name" in r and isinstance(r.get("value"), (int, float))}


def convert(value, unit, to_unit):
    """`value` in `unit` expressed in `to_unit`, or None when the units do not compare."""
    if unit == to_unit:
        return value
    if unit in TIME_UNITS and to_unit in TIME_UNITS:
        return value * TIME_UNITS[unit] / TIME_UNITS[to_unit]
    return None


def ratio(ours, theirs, lower_is_better):
    """How many times better `ours` is than `theirs` (both in the same unit), or None."""
    if ours is None or theirs is None or ours <= 0 or theirs <= 0:
        return None
    return theirs / ours if lower_is_better else ours / theirs


def compare(ours, peer_reports):
    """(peer labels, rows) for one suite. `ours` is Weave's report or None; `peer_reports`
    is [(label, report)] in column order. Rows follow Weave's order, then workloads only
    peers measured."""
    ours_idx = index(ours)
    peer_idx = [(label, index(report)) for label, report in peer_reports]
    names = list(ours_idx)
    for _, idx in peer_idx:
        names += [n for n in idx if n not in names]

    rows = []
    for name in names:
        mine = ours_idx.get(name)
        ref = mine or next(idx[name] for _, idx in peer_idx if name in idx)
        unit = ref.get("unit", "")
        lower = ref.get("lower_is_better", unit not in HIGHER_IS_BETTER_UNITS)
        row = Row(name, unit, lower)
        if mine:
            row.values[OURS] = (float(mine["value"]), unit)
        for label, idx in peer_idx:
            theirs = idx.get(name)
            if theirs:
                row.values[label] = (float(theirs["value"]), theirs.get("unit", ""))
            if not (mine and theirs):
                row.ratios[label] = None
                continue
            converted = convert(float(theirs["value"]), theirs.get("unit", ""), unit)
            row.ratios[label] = (UNITS_DIFFER if converted is None
                                 else ratio(float(mine["value"]), converted, lower))
        rows.append(row)
    return [label for label, _ in peer_reports], rows


def fmt_value(v):
    """A value with three significant figures at most, no exponent for usual sizes."""
    if v is None:
        return "—"
    a = abs(v)
    if a >= 100:
        return f"{v:.0f}"
    if a >= 10:
        return f"{v:.1f}"
    if a >= 1:
        return f"{v:.2f}"
    return f"{v:.3g}"


def fmt_measure(value_unit):
    """`(value, unit)` as "12.3 ns", or "—" for None. Counts and rates of 10,000 or more
    take a k or M suffix ("3.18M ops/s"); times keep their unit's figures ("7683 ns")."""
    if value_unit is None:
        return "—"
    value, unit = value_unit
    if unit not in TIME_UNITS:
        for factor, suffix in ((1e6, "M"), (1e4, "k")):
            if abs(value) >= factor:
                scaled = value / (factor if suffix == "M" else 1e3)
                return f"{fmt_value(scaled)}{suffix} {unit}".strip()
    return f"{fmt_value(value)} {unit}".strip()
