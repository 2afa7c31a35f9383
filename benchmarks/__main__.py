"""The benchmark of issue 11: one table against G1–G7, on stand-ins that enforce provider rates.

    .venv/bin/python -m benchmarks [--sizes 200,5000,20000] [--db sqlite,postgresql] [--quick]

Each size on each database runs in a process of its own (``benchmarks.size``) with its own
Prism, stand-ins and ``beredskab serve``; PostgreSQL runs in a throwaway cluster. Prints the
settings that differ from the shipped config, the stand-ins' limits, the load average at
start and end and the git commit, then the table; writes everything as JSON (``--out``).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks.procs import ROOT, Children, git_commit, load_average, terminate_raises
from benchmarks.profile import explain
from benchmarks.standins import Limits
from benchmarks.table import MISSED, growth_rows, render, run_rows

DEFAULT_OUT = ROOT / "benchmarks" / "results" / "latest.json"


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--sizes", default="200,5000,20000", help="people, comma-separated")
    parser.add_argument("--db", default="sqlite,postgresql", help="sqlite and/or postgresql")
    parser.add_argument(
        "--quick", action="store_true", help="200 people on SQLite, short windows (~1-2 min)"
    )
    parser.add_argument(
        "--repeats", type=int, default=None, help="G1 activations before the full one"
    )
    parser.add_argument(
        "--inbound-max", type=int, default=1000, help="G5 replies per concurrency level"
    )
    parser.add_argument("--idle-seconds", type=float, default=10.0, help="G3 idle window")
    parser.add_argument("--cli-runs", type=int, default=5, help="G7 runs per command")
    parser.add_argument("--latency", type=float, default=0.1, help="provider latency, seconds")
    parser.add_argument("--sms-rate", type=float, default=100.0, help="messaging service /s")
    parser.add_argument("--telegram-rate", type=float, default=30.0)
    parser.add_argument("--telegram-chat-rate", type=float, default=1.0)
    parser.add_argument("--smtp-connections", type=int, default=10)
    parser.add_argument("--smtp-rate", type=float, default=None)
    parser.add_argument(
        "--slack", type=float, default=0.05, help="share of the 1 s window forgiven as jitter"
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="SECTION.KEY=VALUE",
        help="change a service setting (printed as a difference from the shipped config)",
    )
    parser.add_argument(
        "--no-profile",
        dest="profile",
        action="store_false",
        help="no profile pass for the goals a run missed (benchmarks/profile.py)",
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="JSON results")
    parser.add_argument(
        "--merge",
        nargs="+",
        type=Path,
        metavar="JSON",
        help="run nothing: one table from earlier results (e.g. one file per database)",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.sizes, args.db = "200", args.db if "," not in args.db else "sqlite"
        args.idle_seconds, args.cli_runs = min(args.idle_seconds, 3.0), 1
        args.repeats = 3 if args.repeats is None else args.repeats
    return args


def repeats_for(people: int, asked: int | None) -> int:
    """G1 activations before the full fan-out: more at small sizes, where they are cheap."""
    if asked is not None:
        return asked
    return 10 if people <= 1000 else 3 if people <= 10_000 else 2


def run_one(
    children: Children,
    args: argparse.Namespace,
    limits: Limits,
    people: int,
    db_url: str,
    folder: Path,
) -> dict[str, Any]:
    """One size on one database in its own process; its JSON, or the error."""
    db = "postgresql" if db_url else "sqlite"
    out = folder / f"{db}-{people}.json"
    command = [
        sys.executable,
        "-m",
        "benchmarks.size",
        "--people",
        str(people),
        "--db-url",
        db_url,
        "--out",
        str(out),
        "--repeats",
        str(repeats_for(people, args.repeats)),
        "--idle-seconds",
        str(args.idle_seconds),
        "--cli-runs",
        str(args.cli_runs),
        "--inbound-max",
        str(args.inbound_max),
        "--limits",
        json.dumps(limits.__dict__),
        *(f"--set={item}" for item in args.set),
        *([] if args.profile else ["--no-profile"]),
    ]
    print(f"… {db} {people:,} people", flush=True)
    process = children.popen(command, cwd=ROOT, stderr=subprocess.PIPE, text=True)
    assert process.stderr is not None
    lines: list[str] = []
    for line in process.stderr:  # progress lines as they come; the tail for an error
        if line.startswith("  ") and " people, " in line:
            print(line, end="", flush=True)
        else:
            lines.append(line)
    process.wait()
    stderr = "".join(lines)
    if process.returncode != 0 or not out.exists():
        tail = stderr.strip().splitlines()[-1:] or [f"exit {process.returncode}"]
        print(stderr[-4000:], file=sys.stderr)
        return {"db": db, "people": people, "error": tail[0]}
    result: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return result


def report(meta: dict[str, Any], results: list[dict[str, Any]]) -> str:
    """Header lines and the table."""
    lines = [
        f"commit {meta['commit']}; {meta['started']} → {meta['ended']}",
        "load average (1/5/15 min): start "
        + "/".join(f"{x:.2f}" for x in meta["load_start"])
        + ", end "
        + "/".join(f"{x:.2f}" for x in meta["load_end"]),
        "stand-ins enforce: " + ", ".join(f"{k} {v}" for k, v in meta["limits"].items()),
    ]
    diffs: list[list[str]] = next((r["settings_diff"] for r in results if "settings_diff" in r), [])
    if diffs:
        lines.append("settings that differ from config.example.toml (shipped):")
        lines += [f"  {key}: {shipped} → {bench}" for key, shipped, bench in diffs]
    refused = sum(r.get("standins", {}).get("refused", 0) for r in results)
    if refused:
        lines.append(
            f"WARNING: the stand-ins answered {refused} sends with 429/421/451: "
            "the service's pacing exceeded a provider limit"
        )
    rows = [row for r in results for row in run_rows(r)] + growth_rows(results)
    missed = {(row.goal[:2], row.run) for row in rows if row.verdict == MISSED}
    why = explain(results, missed)
    return "\n".join(lines) + "\n\n" + render(rows) + (f"\n\n{why}" if why else "")


def merge(paths: list[Path]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Earlier results as one: every run, the first start and load, the last end and load."""
    loaded = [json.loads(p.read_text(encoding="utf-8")) for p in paths]
    unknown = {"commit": "?", "started": "?", "load_start": [float("nan")] * 3, "limits": {}}
    loaded = [d if isinstance(d, dict) else {"meta": unknown, "runs": d} for d in loaded]
    ordered = sorted(loaded, key=lambda d: d["meta"]["started"])
    meta = {
        **ordered[0]["meta"],
        "ended": max(d["meta"].get("ended", "(interrupted)") for d in loaded),
        "load_end": ordered[-1]["meta"].get("load_end", [float("nan")] * 3),
        "commit": ", ".join(sorted({d["meta"]["commit"] for d in loaded})),
        "merged": [str(p) for p in paths],
    }
    return meta, [run for d in loaded for run in d["runs"]]


def write(args: argparse.Namespace, meta: dict[str, Any], results: list[dict[str, Any]]) -> None:
    """Print the report and write the JSON."""
    text = report(meta, results)
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps({"meta": meta, "runs": results, "table": text}, indent=2, default=str),
        encoding="utf-8",
    )
    args.out.with_suffix(".partial.json").unlink(missing_ok=True)
    print(f"\nJSON: {args.out}")


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    if args.merge:
        write(args, *merge(args.merge))
        return 0
    terminate_raises()
    limits = Limits(
        latency=args.latency,
        twilio_service_rate=args.sms_rate,
        telegram_rate=args.telegram_rate,
        telegram_chat_rate=args.telegram_chat_rate,
        smtp_connections=args.smtp_connections,
        smtp_rate=args.smtp_rate,
        slack=args.slack,
    )
    meta: dict[str, Any] = {
        "commit": git_commit(),
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "load_start": load_average(),
        "limits": limits.__dict__,
        "argv": sys.argv[1:] if argv is None else argv,
    }
    sizes = [int(s) for s in args.sizes.split(",")]
    dbs = [d.strip() for d in args.db.split(",")]
    results: list[dict[str, Any]] = []
    with ExitStack() as stack, tempfile.TemporaryDirectory(prefix="bench-out-") as tmp:
        children = stack.enter_context(Children())
        for db in dbs:
            server = ""
            if db == "postgresql":
                from tests.postgres import cluster

                server = stack.enter_context(cluster(durable=True))
            elif db != "sqlite":
                raise SystemExit(f"unknown database {db!r}: sqlite or postgresql")
            for people in sizes:
                url = ""
                if server:
                    from tests.postgres import create_database

                    name = f"bench_{people}"
                    create_database(server, name)
                    url = f"{server}/{name}"
                results.append(run_one(children, args, limits, people, url, Path(tmp)))
                partial = args.out.with_suffix(".partial.json")  # survives an interrupted run
                partial.parent.mkdir(parents=True, exist_ok=True)
                partial.write_text(
                    json.dumps({"meta": meta, "runs": results}, indent=2, default=str),
                    encoding="utf-8",
                )
    meta["ended"] = datetime.now(UTC).isoformat(timespec="seconds")
    meta["load_end"] = load_average()
    write(args, meta, results)
    return 1 if any("error" in r for r in results) else 0


if __name__ == "__main__":
    raise SystemExit(main())
