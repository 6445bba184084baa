"""A run's log (``log.txt`` and the terminal) and the leaderboard table printed at the end."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from tabkit.runs import utc_now


class RunLog:
    """Append timestamped lines to a log file, echoing them to the terminal.

    Parameters
    ----------
    path : Path
        The log file (appended to, line by line).
    echo : bool
        Also print each line on standard output.
    """

    def __init__(self, path: Path, *, echo: bool = True):
        self.path = Path(path)
        self.echo = echo

    def __call__(self, message: str) -> None:
        stamp = utc_now().strftime("%H:%M:%S")
        lines = [f"{stamp} {line}" for line in str(message).splitlines() or [""]]
        with open(self.path, "a", encoding="utf-8") as handle:
            handle.write("\n".join(lines) + "\n")
        if self.echo:
            print("\n".join(lines), file=sys.stdout, flush=True)


def format_leaderboard(table: pd.DataFrame, metric: str) -> str:
    """The leaderboard as an aligned text table."""
    rows = [("rank", "model", "kind", metric, "fit s", "predict s", "explain s")]
    for rank, row in enumerate(table.itertuples(index=False), start=1):
        rows.append(
            (
                str(rank),
                row.model,
                row.kind,
                f"{row.score:.5f}",
                _seconds(row.fit_seconds),
                _seconds(row.predict_seconds),
                _seconds(getattr(row, "explain_seconds", float("nan"))),
            )
        )
    notes = [str(n) for n in table.get("note", pd.Series(dtype=str)).fillna("") if str(n)]
    if notes:
        rows = [(*row, "*" if i and str(table["note"].fillna("").iloc[i - 1]) else "") for i, row in enumerate(rows)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    right = {0, 3, 4, 5, 6}
    lines = []
    for n, row in enumerate(rows):
        cells = [c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths))]
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    lines += [f"* {note}" for note in dict.fromkeys(notes)]
    return "\n".join(lines)


def format_split(by: str, facts: dict) -> str:
    """The split's line in the log, from the run's data facts."""

    def span(dates):
        return f" {dates[0]}..{dates[1]}" if dates else ""

    return (
        f"split ({by}): {facts['n_train']:,} training rows{span(facts['train_dates'])}, "
        f"{facts['n_valid']:,} validation rows{span(facts['valid_dates'])}, "
        f"{facts['n_test']:,} test rows; {len(facts['cat_names'])} categorical + "
        f"{len(facts['cont_names'])} continuous features"
    )


def format_steps(steps: dict[str, float]) -> str:
    """Seconds per step on one line (``features 3.1s, split 0.2s, ...``)."""
    return ", ".join(f"{name} {seconds:.1f}s" for name, seconds in steps.items())


def _seconds(value: float) -> str:
    return "" if pd.isna(value) else f"{value:.1f}"
