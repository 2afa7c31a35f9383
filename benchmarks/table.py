"""The one table: each goal of issue 11 (G1–G7), its target, what was measured, met or not."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

MET, MISSED, NA = "met", "MISSED", "n/a"


@dataclass(frozen=True)
class Row:
    """One line of the table."""

    goal: str
    target: str
    run: str
    measured: str
    verdict: str


GOALS = (
    "G1 first provider request",
    "G2 completion / ideal",
    "G2 provider 429s",
    "G3 CPU per message",
    "G3 idle CPU",
    "G4 peak RSS",
    "G5 inbound c=16",
    "G5 inbound c=64",
    "G6 plan load",
    "G6 activation",
    "G7 CLI (service idle)",
    "G7 CLI (service busy)",
)
"""Every goal row the table has (per run; G6 growth across runs is extra)."""


def _at_handler(stand: dict[str, Any]) -> str:
    """What the stand-ins would have refused stamping each send when its handler ran (as
    they did before they used the kernel's arrival stamp), and the handlers' lag."""
    if "refused_at_handler" not in stand:
        return ""
    lag = stand.get("handler_lag_ms") or {}
    return (
        f"; at handler time {stand['refused_at_handler']}"
        + (
            f", tightest {stand['tightest_at_handler_s']:.3f} s"
            if stand.get("tightest_at_handler_s") is not None
            else ""
        )
        + f"; handler lag p50 {lag.get('p50')} / p99 {lag.get('p99')} / max {lag.get('max')} ms"
    )


def g3_met(g3: dict[str, Any]) -> bool:
    """G3's target: at most 0.3 ms of ``serve``'s CPU per message, net of idle."""
    return bool(g3["ms_per_message"] <= 0.3)


def g5_met(g5: dict[str, Any]) -> bool:
    """G5's target at one concurrency: 500 req/s, p99 50 ms, 200 applied/s, no errors."""
    applied = g5["applied_per_second"]
    return bool(
        g5["per_second"] >= 500
        and g5["p99_ms"] <= 50
        and applied is not None
        and applied >= 200
        and sum(g5["errors"].values()) == 0
    )


def _verdict(ok: bool | None) -> str:
    return NA if ok is None else (MET if ok else MISSED)


def _label(result: dict[str, Any]) -> str:
    return f"{result['db']} {result['people']:,}"


def run_rows(r: dict[str, Any]) -> list[Row]:
    """The goal rows of one run (one size on one database)."""
    run = _label(r)
    if "error" in r:
        return [Row(goal, "", run, f"run failed: {r['error']}", MISSED) for goal in GOALS]
    g1, g2, g3, idle = r["g1"], r["g2"], r["g3"], r["g3_idle"]
    stand, act = r["standins"], r["g6_activation"]
    rows = [
        Row(
            GOALS[0],
            "p50 ≤ 50 ms, p99 ≤ 200 ms",
            run,
            f"p50 {g1['p50_ms']:.0f} ms, p99 {g1['p99_ms']:.0f} ms (n={len(g1['samples_ms'])})",
            _verdict(g1["p50_ms"] <= 50 and g1["p99_ms"] <= 200),
        ),
        Row(
            GOALS[1],
            "≤ 1.05",
            run,
            f"{g2['ratio']:.2f} ({g2['completion_s']:.1f} s / {g2['ideal_s']:.1f} s; "
            f"{r['messages']:,} msgs; bound: {g2['bottleneck']}"
            + (
                "; per channel "
                + ", ".join(f"{k} {v:.3f}" for k, v in sorted(g2["ratio_per_channel"].items()))
                if g2.get("ratio_per_channel")
                else ""
            )
            + ")",
            _verdict(g2["ratio"] <= 1.05),
        ),
        Row(
            GOALS[2],
            "0 (pacing within the providers' limits)",
            run,
            f"{stand.get('refused', '?')} (SMS {stand.get('sms_refused', '?')}, Telegram "
            f"{stand.get('telegram_refused', '?')} + {stand.get('telegram_refused_chat', '?')} "
            f"per chat, SMTP {stand.get('email_refused_connections', '?')} conn + "
            f"{stand.get('email_refused_rate', '?')} rate"
            + (
                f"; tightest {stand['tightest_refused_span_s']:.3f} s"
                if stand.get("tightest_refused_span_s") is not None
                else ""
            )
            + _at_handler(stand)
            + ")",
            _verdict(stand.get("refused") == 0),
        ),
        Row(
            GOALS[3],
            "≤ 0.3 ms net of idle",
            run,
            f"{g3['ms_per_message']:.2f} ms (gross {g3['gross_ms_per_message']:.2f} ms; "
            f"{g3.get('messages_sent', r.get('messages', 0)):,} messages sent)",
            _verdict(g3_met(g3)),
        ),
        Row(
            GOALS[4],
            "≤ 1 % of a core",
            run,
            f"{idle['cpu_percent']:.1f} % over {idle['seconds']:.0f} s",
            _verdict(idle["cpu_percent"] <= 1.0),
        ),
        Row(
            GOALS[5],
            "≤ 300 MB (at 20,000)",
            run,
            f"{r['g4']['peak_rss_mb']:.0f} MB (idle {r['rss_idle_mb']:.0f} MB)",
            _verdict(r["g4"]["peak_rss_mb"] <= 300),
        ),
    ]
    for goal, g5 in zip(GOALS[6:8], r["g5"], strict=True):
        applied = g5["applied_per_second"]
        errors = sum(g5["errors"].values())
        failed = f", errors {g5['errors']}" if errors else ""
        rows.append(
            Row(
                goal,
                "≥ 500 req/s, p99 ≤ 50 ms, applied ≥ 200/s",
                run,
                f"{g5['per_second']:.0f} req/s, p50 {g5['p50_ms']:.0f} / p99 {g5['p99_ms']:.0f}"
                f" ms, applied {applied or 0:.0f}/s ({g5['requests']} in "
                f"{g5['applied_seconds'] or 0:.1f} s){failed}",
                _verdict(g5_met(g5)),
            )
        )
    rows.append(
        Row(
            GOALS[8],
            "≤ 0.5 s at 20,000 (linear)",
            run,
            f"{r['g6_plan_load_s']:.2f} s",
            _verdict(r["g6_plan_load_s"] <= 0.5),
        )
    )
    rows.append(
        Row(
            GOALS[9],
            "linear (ms/person flat across sizes)",
            run,
            f"{act['ms_per_person']:.3f} ms/person (all queued {act['all_queued_s']:.2f} s, "
            f"API answered {act['response_ms']:.0f} ms)",
            NA,
        )
    )
    for goal, key in ((GOALS[10], "g7"), (GOALS[11], "g7_busy")):
        g7 = r[key]
        rows.append(
            Row(
                goal,
                "≤ 0.5 s wall",
                run,
                f"status {g7['status_s']:.2f} s, --help {g7['help_s']:.2f} s",
                _verdict(max(g7["status_s"], g7["help_s"]) <= 0.5),
            )
        )
    return rows


def growth_rows(results: list[dict[str, Any]]) -> list[Row]:
    """G6 growth per database: activation ms/person of the largest size vs the next one."""
    rows = []
    for db in sorted({r["db"] for r in results}):
        done = sorted(
            (r for r in results if r["db"] == db and "error" not in r), key=lambda r: r["people"]
        )
        if len(done) < 2:
            continue
        small, large = done[-2], done[-1]
        a = small["g6_activation"]["ms_per_person"]
        b = large["g6_activation"]["ms_per_person"]
        ratio = b / a if a else float("inf")
        rows.append(
            Row(
                "G6 growth",
                "linear: ms/person ratio ≤ 1.5",
                f"{db} {small['people']:,}→{large['people']:,}",
                f"{ratio:.2f} ({a:.3f} → {b:.3f} ms/person)",
                _verdict(ratio <= 1.5),
            )
        )
    return rows


def render(rows: list[Row]) -> str:
    """A Markdown table (reads in a terminal and pastes into the README)."""
    head = ("goal", "target", "run", "measured", "verdict")
    lines = [
        "| " + " | ".join(head) + " |",
        "|" + "|".join("---" for _ in head) + "|",
    ]
    for row in rows:
        verdict = f"**{row.verdict}**" if row.verdict == MISSED else row.verdict
        lines.append(f"| {row.goal} | {row.target} | {row.run} | {row.measured} | {verdict} |")
    return "\n".join(lines)


def pivot(rows: list[Row]) -> str:
    """The same rows with one column per run (compact, for the README)."""
    runs = list(dict.fromkeys(row.run for row in rows if "→" not in row.run))
    goals = list(dict.fromkeys((row.goal, row.target) for row in rows))
    cell = {(row.goal, row.run): row for row in rows}
    lines = [
        "| goal | target | " + " | ".join(runs) + " |",
        "|---|---|" + "---|" * len(runs),
    ]
    for goal, target in goals:
        found = [cell.get((goal, run)) for run in runs]
        if not any(found):  # G6 growth: its run names the two sizes
            growth = next(r for r in rows if r.goal == goal)
            lines.append(
                f"| {goal} | {target} | {growth.run}: {growth.measured} "
                f"{growth.verdict} |" + " |" * (len(runs) - 1)
            )
            continue
        texts = [
            f"{r.measured} {'✔' if r.verdict == MET else '**✘**' if r.verdict == MISSED else ''}"
            if r
            else "–"
            for r in found
        ]
        lines.append(f"| {goal} | {target} | " + " | ".join(texts) + " |")
    return "\n".join(lines)
