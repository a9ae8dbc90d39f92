"""A chapter's table of results, each checked against its bounds per profile when recorded."""

from __future__ import annotations

from dl_course import runtime


class ResultTable:
    """A chapter's results, each checked against its bound when recorded (``runtime.expect``).

    ``bounds`` maps a result's name to ``(fast bound, full bound, higher_is_better)``.
    """

    def __init__(self, bounds: dict):
        self.bounds, self.values = dict(bounds), {}

    def check(self, name: str, value) -> float:
        """Check ``value`` against the bound named ``name`` (printing the verdict), record and return it."""
        if name not in self.bounds:
            raise KeyError(f"no bound named {name!r}; known: {sorted(self.bounds)}.")
        fast, full, higher = self.bounds[name]
        self.values[name] = runtime.expect(value, fast=fast, full=full, name=name, higher_is_better=higher)
        return self.values[name]

    def frame(self):
        """The recorded results with both profiles' bounds, as a ``pandas.DataFrame``."""
        import pandas as pd

        rows = []
        for name, value in self.values.items():
            fast, full, higher = self.bounds[name]
            relation = "≥" if higher else "≤"
            rows.append({"metric": name, "value": round(value, 3), "fast bound": f"{relation} {fast}",
                         "full bound": f"{relation} {full}"})
        return pd.DataFrame(rows)
