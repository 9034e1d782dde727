"""Time a prepared scenario, summarise the timings, print a table, write the JSON report."""

from __future__ import annotations

import json
import math
import operator
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.db import connection
from django.test.utils import CaptureQueriesContext

_OPS = {"<=": operator.le, ">=": operator.ge, "==": operator.eq}


@dataclass(frozen=True)
class Goal:
    """What a figure of the report should be, e.g. Goal("p95_ms", "<=", 150, "issue")."""

    metric: str
    op: str  # "<=", ">=" or "=="
    limit: float | bool
    source: str = ""  # where the goal comes from (an issue, DESIGN.md)

    def check(self, figures: dict) -> dict:
        actual = figures.get(self.metric)
        met = None if actual is None else bool(_OPS[self.op](actual, self.limit))
        return {"metric": self.metric, "op": self.op, "limit": self.limit, "actual": actual,
                "met": met, "source": self.source}


def with_goals(summary: dict, goals: tuple[Goal, ...]) -> dict:
    """`summary` plus each goal checked against it and whether all were met (None: unmeasured)."""
    if not goals:
        return summary
    checked = [goal.check(summary) for goal in goals]
    verdicts = [c["met"] for c in checked]
    met = None if None in verdicts else all(verdicts)
    return {**summary, "goals": checked, "goals_met": met}


def load_avg_1m() -> float:
    """How busy the machine was (1-minute load average): timings mean little without it."""
    return round(os.getloadavg()[0], 2)


@dataclass
class Result:
    name: str
    target: str
    warmup: int
    timings_ms: list[float]
    queries: list[int]
    goals: tuple[Goal, ...] = ()
    # Scenarios that time something other than one call (a load test against real processes)
    # report their own figures; a scenario that cannot run here says why in `skipped`.
    figures: dict | None = None
    skipped: str = ""
    load_avg_1m: float | None = None
    budget_exhausted: bool = False
    # This process's CPU per run: the app's own work, which a busy neighbour on a shared
    # machine delays (wall time) more than it inflates (database time is not in it).
    cpu_ms: list[float] = field(default_factory=list)

    def summary(self) -> dict:
        """The figures the JSON report holds for one scenario, with its goals checked."""
        if self.skipped:
            return with_goals({"skipped": self.skipped, "target": self.target}, self.goals)
        extra = {"load_avg_1m": self.load_avg_1m}
        if self.figures is not None:
            return with_goals({**self.figures, "target": self.target, **extra}, self.goals)
        if self.budget_exhausted:
            extra["budget_exhausted"] = True
        return with_goals({**self._timing_summary(), **extra}, self.goals)

    def _timing_summary(self) -> dict:
        return {
            "p50_ms": round(percentile(self.timings_ms, 50), 2),
            "p95_ms": round(percentile(self.timings_ms, 95), 2),
            "mean_ms": round(sum(self.timings_ms) / len(self.timings_ms), 2),
            "min_ms": round(min(self.timings_ms), 2),
            **({"cpu_p50_ms": round(percentile(self.cpu_ms, 50), 2)} if self.cpu_ms else {}),
            "max_ms": round(max(self.timings_ms), 2),
            "queries": max(self.queries),
            # False means the query count moved between runs: an N+1 or a cache at work.
            "queries_constant": min(self.queries) == max(self.queries),
            "iterations": len(self.timings_ms),
            "warmup": self.warmup,
            "target": self.target,
        }


def measure(
    name: str,
    target: str,
    run: Callable[[], object],
    *,
    warmup: int,
    iterations: int,
    goals: tuple[Goal, ...] = (),
    budget_s: float | None = None,
) -> Result:
    """Call `run` `warmup` times untimed, then `iterations` times timed, counting its queries.

    With `budget_s`, a pathologically slow scenario stops once that much time went by (after
    at least one warm-up and three timed runs) instead of holding the whole bench for an hour.
    """
    begun = time.perf_counter()
    exhausted = False

    def over_budget() -> bool:
        return budget_s is not None and time.perf_counter() - begun > budget_s

    warmed = 0
    for _ in range(warmup):
        run()
        warmed += 1
        if over_budget():
            break
    timings, queries, cpu = [], [], []
    for i in range(iterations):
        if i >= 3 and over_budget():
            exhausted = True
            break
        # Captured on every run, so a count that varies is seen; the capture costs microseconds.
        with CaptureQueriesContext(connection) as captured:
            started, cpu_started = time.perf_counter(), time.process_time()
            run()
            elapsed, cpu_used = time.perf_counter() - started, time.process_time() - cpu_started
        timings.append(elapsed * 1000)
        cpu.append(cpu_used * 1000)
        queries.append(len(captured))
    return Result(
        name=name, target=target, warmup=warmed, timings_ms=timings, queries=queries, goals=goals,
        load_avg_1m=load_avg_1m(), budget_exhausted=exhausted, cpu_ms=cpu,
    )


def measure_custom(
    name: str, target: str, run: Callable[[], dict], *, goals: tuple[Goal, ...] = ()
) -> Result:
    """Run a scenario that measures itself (`run` returns its figures)."""
    figures = run()
    return Result(name=name, target=target, warmup=0, timings_ms=[], queries=[], goals=goals,
                  figures=figures, load_avg_1m=load_avg_1m())


def skipped(name: str, target: str, reason: str, *, goals: tuple[Goal, ...] = ()) -> Result:
    """A scenario that cannot run with this configuration, and why."""
    return Result(name=name, target=target, warmup=0, timings_ms=[], queries=[], goals=goals,
                  skipped=reason)


def percentile(values: list[float], pct: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    ordered = sorted(values)
    rank = (len(ordered) - 1) * pct / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def _goal_cell(summary: dict) -> str:
    met = summary.get("goals_met", "")
    return {True: "met", False: "MISSED", None: "-", "": ""}[met]


def _custom_row(result: Result, s: dict) -> tuple[str, ...]:
    def ms(key: str) -> str:
        return f"{s[key]:.1f}" if isinstance(s.get(key), int | float) else "-"

    rates = [
        f"{s[k]:,.0f} {k.removesuffix('_per_s')}/s"
        for k in ("requests_per_s", "messages_per_s", "offered_per_s")
        if isinstance(s.get(k), int | float)
    ]
    lag = s.get("lag_p95_ms")
    lag = f"lag p95 {lag:.0f} ms" if isinstance(lag, int | float) else ""
    return (result.name, ms("p50_ms"), ms("p95_ms"), ms("mean_ms"), "-", "-",
            str(s.get("requests", s.get("events", "-"))), _goal_cell(s),
            ", ".join(x for x in [*rates, lag] if x))


def format_table(results: list[Result]) -> str:
    """A fixed-width table of the scenarios' figures."""
    header = (
        "scenario", "p50 ms", "p95 ms", "mean ms", "cpu p50", "queries", "runs", "goals", "notes"
    )
    rows = [header]
    for result in results:
        s = result.summary()
        if result.skipped:
            rows.append((result.name, "-", "-", "-", "-", "-", "0", _goal_cell(s),
                         f"skipped: {result.skipped}"))
            continue
        if result.figures is not None:
            rows.append(_custom_row(result, s))
            continue
        queries = f"{min(result.queries)}-{s['queries']}"
        if s["queries_constant"]:
            queries = str(s["queries"])
        note = "time budget used up" if result.budget_exhausted else ""
        cpu = f"{s['cpu_p50_ms']:.1f}" if "cpu_p50_ms" in s else "-"
        rows.append((result.name, f"{s['p50_ms']:.1f}", f"{s['p95_ms']:.1f}",
                     f"{s['mean_ms']:.1f}", cpu, queries, str(s["iterations"]), _goal_cell(s),
                     note))
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
