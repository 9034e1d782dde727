"""Time a prepared scenario, summarise the timings, print a table, write the JSON report."""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.db import connection
from django.test.utils import CaptureQueriesContext


@dataclass
class Result:
    name: str
    target: str
    warmup: int
    timings_ms: list[float]
    queries: list[int]

    def summary(self) -> dict:
        """The figures the JSON report holds for one scenario."""
        return {
            "p50_ms": round(percentile(self.timings_ms, 50), 2),
            "p95_ms": round(percentile(self.timings_ms, 95), 2),
            "mean_ms": round(sum(self.timings_ms) / len(self.timings_ms), 2),
            "min_ms": round(min(self.timings_ms), 2),
            "max_ms": round(max(self.timings_ms), 2),
            "queries": max(self.queries),
            # False means the query count moved between runs: an N+1 or a cache at work.
            "queries_constant": min(self.queries) == max(self.queries),
            "iterations": len(self.timings_ms),
            "warmup": self.warmup,
            "target": self.target,
        }


def measure(
    name: str, target: str, run: Callable[[], object], *, warmup: int, iterations: int
) -> Result:
    """Call `run` `warmup` times untimed, then `iterations` times timed, counting its queries."""
    for _ in range(warmup):
        run()
    timings, queries = [], []
    for _ in range(iterations):
        # Captured on every run, so a count that varies is seen; the capture costs microseconds.
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            run()
            elapsed = time.perf_counter() - started
        timings.append(elapsed * 1000)
        queries.append(len(captured))
    return Result(name=name, target=target, warmup=warmup, timings_ms=timings, queries=queries)


def percentile(values: list[float], pct: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    ordered = sorted(values)
    rank = (len(ordered) - 1) * pct / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def format_table(results: list[Result]) -> str:
    """A fixed-width table of the scenarios' figures."""
    header = ("scenario", "p50 ms", "p95 ms", "mean ms", "queries", "runs")
    rows = [header]
    for result in results:
        s = result.summary()
        queries = f"{min(result.queries)}-{s['queries']}"
        if s["queries_constant"]:
            queries = str(s["queries"])
        rows.append((result.name, f"{s['p50_ms']:.1f}", f"{s['p95_ms']:.1f}",
                     f"{s['mean_ms']:.1f}", queries, str(s["iterations"])))
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = [
        "  ".join(cell.ljust(w) if i == 0 else cell.rjust(w)
                  for i, (cell, w) in enumerate(zip(row, widths, strict=True)))
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def write_json(path: str, report: dict) -> None:
    """Write `report` to `path` (parent folders created)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(report, indent=2) + "\n")
