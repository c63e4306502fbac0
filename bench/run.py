"""``python -m bench``: generate the dataset, import it, serve it, measure,
print every figure against its target, and write BENCHMARKS.md.

For each backend (the embedded store always; Neo4j when NEO4J_URI is set or
``--neo4j`` starts a throwaway one):

1. ``peergraph import openalex`` into an empty store: wall time, peak RSS;
2. the floor: the author page read with raw Cypher in this process
   (bench/floor.py), before the server starts (an embedded file has one
   process at a time);
3. ``peergraph serve`` on a free port, measured over HTTP (bench/load.py).

``{__typename}`` is compared with a bare Starlette app (bench/raw_app.py)
served the same way, measured once per run.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import orjson

from bench import dataset, floor, load, sections
from bench.leg import CLIENTS, Backend, Plan, login_flood_leg, run_leg, typename_run
from bench.neo4j import neo4j_backend
from bench.procs import (
    ROOT,
    BenchError,
    Server,
    child_env,
    free_port,
    peergraph_cmd,
    python_cmd,
    run_timed,
    say,
)
from bench.report import Leg, machine, markdown, text_table
from graph_store.embedded.connection import DB_FILE_NAME


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    size = p.add_argument_group(
        "dataset, passed to peergraph generate (default: its default size; "
        "sizes not given keep its proportions to those given)"
    )
    for name in ("authors", "papers", "authorships", "institutions", "seed"):
        size.add_argument(f"--{name}", type=int)
    p.add_argument(
        "--requests",
        type=int,
        default=200,
        help="requests per latency measurement; the others scale from it (default 200)",
    )
    p.add_argument(
        "--out",
        type=Path,
        help="the Markdown report (default: BENCHMARKS.md at the repository root)",
    )
    p.add_argument("--json", type=Path, help="also write every figure and check as JSON")
    neo = p.add_mutually_exclusive_group()
    neo.add_argument("--skip-neo4j", action="store_true", help="the embedded store only")
    neo.add_argument(
        "--neo4j",
        action="store_true",
        help="start a throwaway Neo4j with dev/neo4j/start (needs Java 17+ and Maven)",
    )
    p.add_argument(
        "--neo4j-wipe",
        action="store_true",
        help="empty NEO4J_URI's database first when it holds data (it is lost!)",
    )
    p.add_argument(
        "--only",
        choices=["login-flood"],
        help="one scenario alone, on the embedded store: login-flood (author pages quiet and "
        "with eight clients hammering logIn); prints its figures and writes no BENCHMARKS.md "
        "unless --out is given",
    )
    p.add_argument(
        "--workdir",
        type=Path,
        help="keep the dataset, stores and logs here (default: a temporary folder, "
        "removed after a run whose checks pass)",
    )
    args = p.parse_args(argv)
    if args.requests < 1:
        p.error("--requests must be at least 1")
    if args.out is None and not args.only:
        args.out = ROOT / "BENCHMARKS.md"
    return args


def main(argv: list[str] | None = None) -> int:
    raw_argv = sys.argv[1:] if argv is None else argv
    args = parse_args(raw_argv)
    size = dataset.Size.scaled(
        args.authors, args.papers, args.authorships, args.institutions, args.seed
    )
    work = (args.workdir or Path(tempfile.mkdtemp(prefix="peergraph-bench-"))).resolve()
    work.mkdir(parents=True, exist_ok=True)
    try:
        report, legs = run(args, size, work)
    except BenchError as e:
        say(f"failed: {e}")
        say(f"logs and data kept in {work}")
        return 1
    command = " ".join(["python -m bench", *raw_argv])
    if args.out:
        sections.rewrite(args.out, markdown(report, legs, command))
    if args.json:
        args.json.write_bytes(orjson.dumps(report, option=orjson.OPT_INDENT_2))
    print(text_table(legs))
    written = [str(p) for p in (args.out, args.json) if p]
    say(f"wrote {' and '.join(written)}" if written else "wrote no report (--only)")
    failed = [f"{leg.backend}: {c.text}" for leg in legs for c in leg.checks if not c.ok]
    if args.neo4j and legs[-1].skipped:
        failed.append(f"Neo4j was asked for: {legs[-1].skipped}")
    for line in failed:
        say(f"FAILED {line}")
    if failed:
        say(f"logs and data kept in {work}")
    elif not args.workdir:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if failed else 0


def run(
    args: argparse.Namespace, size: dataset.Size, work: Path
) -> tuple[dict[str, Any], list[Leg]]:
    plan = Plan(args.requests)
    started = machine()  # before the run's own load shows in the load average
    works = work / "works.jsonl.gz"
    say(
        f"generating {size.authors:,} authors, {size.papers:,} papers, "
        f"{size.authorships:,} authorships"
    )
    cmd = peergraph_cmd("generate", *size.flags(), "--output", str(works))
    gen = run_timed(cmd, child_env({}), work / "generate.log")
    if gen.returncode != 0:
        raise BenchError(f"peergraph generate exited with {gen.returncode}:\n{gen.output}")
    expected = dataset.scan(works)

    embedded_dir = work / "embedded"
    embedded = Backend(
        key="embedded",
        title="Embedded store (LadybugDB)",
        env={"PEERGRAPH_DATA_DIR": str(embedded_dir), "NEO4J_URI": None},
        open_engine=lambda: floor.LadybugEngine(embedded_dir / DB_FILE_NAME),
    )
    if args.only == "login-flood":
        legs = [login_flood_leg(embedded, works, plan, work)]
    else:
        say("the raw Starlette baseline")
        raw = _raw_starlette(work, plan)
        legs = [run_leg(embedded, works, expected, raw, plan, work)]
        with neo4j_backend(args, work) as (neo4j, reason):
            if neo4j is None:
                legs.append(Leg("neo4j", "Neo4j 5", skipped=reason))
            else:
                legs.append(run_leg(neo4j, works, expected, raw, plan, work))

    default = dataset.Size.scaled(None, None, None, None, None)
    report = {
        "machine": started,
        "dataset": {
            "flags": size.flags(),
            "at_default_size": (size.authors, size.papers, size.authorships)
            == (default.authors, default.papers, default.authorships),
            "works": expected.works,
            "authorships": expected.authorships,
            "authors": expected.authors,
            "hub_papers": expected.hub_papers,
            "median_papers": expected.median_papers,
            "bytes": expected.bytes,
            "generate_seconds": gen.seconds,
        },
        "requests": {
            "page": plan.page,
            "concurrent": plan.concurrent,
            "clients": CLIENTS,
            "heavy": plan.heavy,
            "typename": plan.typename,
        },
        "legs": {leg.key: leg.as_json() for leg in legs},
    }
    return report, legs


def _raw_starlette(work: Path, plan: Plan) -> load.Run:
    port = free_port()
    cmd = python_cmd("-m", "bench.raw_app", "--port", str(port))
    server = Server("raw Starlette app", cmd, child_env({}), port, work / "raw-starlette.log")
    server.start()
    try:
        return typename_run(server, plan.typename)
    finally:
        server.stop()
