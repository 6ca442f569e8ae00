"""How a benchmark ends: its figures as `key=value` on its last line (the line a script or a
person greps), after whatever it printed for a person to read."""
from __future__ import annotations


def last_line(**figures) -> str:
    """Print the figures as one line of key=value pairs (floats to 3 significant places' worth);
    returns the line."""
    def text(v) -> str:
        if isinstance(v, float):
            return f"{v:.3g}" if abs(v) < 100 else f"{v:.1f}"
        return str(v).replace(" ", "_")
    line = " ".join(f"{k}={text(v)}" for k, v in figures.items())
    print(line, flush=True)
    return line


def pct(xs: list[float], q: float) -> float:
    """The q-quantile of xs (nearest rank), NaN for none."""
    if not xs:
        return float("nan")
    s = sorted(xs)
    return s[min(len(s) - 1, int(q * len(s)))]
