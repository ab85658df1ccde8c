"""Ledger benchmarks: bulk import against raw sqlite3, and command latency
on a small and a large ledger. Ratios are against baselines measured in the
same run. Sizes: KERANG_BENCH_LINES (200,000), KERANG_BENCH_LARGE (1,000,000).
"""

from __future__ import annotations

import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import ledger
from benchmarks.workload import write

OUT = Path(os.environ.get("KERANG_BENCH_DIR", "bench-out"))


def raw_insert(path: Path, db: Path, per_txn: int = 100) -> float:
    """Lines/s of plain sqlite3 storing the same JSON lines, 100 per transaction."""
    c = sqlite3.connect(db, isolation_level=None)
    c.execute("PRAGMA journal_mode=WAL")  # the same journal mode as the ledger
    c.execute("CREATE TABLE lines (id INTEGER PRIMARY KEY, line TEXT)")
    started = time.perf_counter()
    batch: list[tuple[str]] = []
    with path.open() as f:
        for line in f:
            batch.append((line,))
            if len(batch) == per_txn:
                c.execute("BEGIN")
                c.executemany("INSERT INTO lines (line) VALUES (?)", batch)
                c.execute("COMMIT")
                batch.clear()
    if batch:
        c.execute("BEGIN")
        c.executemany("INSERT INTO lines (line) VALUES (?)", batch)
        c.execute("COMMIT")
    elapsed = time.perf_counter() - started
    c.close()
    return sum(1 for _ in path.open()) / elapsed


def kerang_import(path: Path, db: Path) -> float:
    started = time.perf_counter()
    result = ledger.import_file(str(db), str(path))
    return result.lines / (time.perf_counter() - started)


def raw_fold(db: Path, clock=time.perf_counter, loads=json.loads) -> float:
    """Events/s of plain sqlite3 select + json decode + a fold of the same rows."""
    c = sqlite3.connect(db)
    started = clock()
    totals: dict[str, int] = {}
    n = 0
    for topic, state in c.execute("SELECT topic, state FROM stored_events ORDER BY rowid"):
        data = loads(state)
        totals[topic] = totals.get(topic, 0) + (data.get("amount") or data.get("net") or 0)
        n += 1
    elapsed = clock() - started
    c.close()
    return n / elapsed


def kerang_audit(db: Path, clock=time.perf_counter) -> tuple[float, bool]:
    from ledger.audit import audit

    started = clock()
    report = audit(str(db))
    return report.events / (clock() - started), report.ok


def audit_ratios(db: Path, repeat: int = 3) -> dict[str, float]:
    """The audit against a raw read + decode + fold of the same rows, medians of
    ``repeat`` interleaved runs, by the wall clock and by this process's CPU time (the
    steadier figure on a shared machine). Also against a raw fold decoding with orjson."""
    import orjson

    runs: dict[str, list[float]] = {}
    for _ in range(repeat):
        for clock_name, clock in (("wall", time.perf_counter), ("cpu", time.process_time)):
            for name, rate in (
                ("raw", raw_fold(db, clock)),
                ("raw_orjson", raw_fold(db, clock, orjson.loads)),
                ("audit", kerang_audit(db, clock)[0]),
            ):
                runs.setdefault(f"{name}_{clock_name}", []).append(rate)
    out = {key: statistics.median(values) for key, values in runs.items()}
    for clock_name in ("wall", "cpu"):
        out[f"ratio_{clock_name}"] = out[f"audit_{clock_name}"] / out[f"raw_{clock_name}"]
        out[f"ratio_orjson_{clock_name}"] = (
            out[f"audit_{clock_name}"] / out[f"raw_orjson_{clock_name}"]
        )
    return out


def print_audit_ratios(figures: dict[str, float]) -> None:
    for clock_name in ("wall", "cpu"):
        print(
            f"  {clock_name:4}: raw select + json decode + fold {figures[f'raw_{clock_name}']:10,.0f} events/s"
            f" (orjson {figures[f'raw_orjson_{clock_name}']:,.0f});"
            f" kerang audit {figures[f'audit_{clock_name}']:9,.0f} events/s"
        )
        print(
            f"        ratio audit / raw: {figures[f'ratio_{clock_name}']:.3f}   (target >= 0.20; "
            f"against the orjson fold {figures[f'ratio_orjson_{clock_name}']:.3f})"
        )


def audit_main() -> dict:
    """Only the audit: ratios on a KERANG_BENCH_AUDIT-event ledger (100,000) and the peak
    memory of auditing a KERANG_BENCH_LARGE-event one (both built once in bench-out/)."""
    events = int(os.environ.get("KERANG_BENCH_AUDIT", "100000"))
    large = int(os.environ.get("KERANG_BENCH_LARGE", "1000000"))
    print(f"== ledger: audit of a {events:,}-event ledger (medians of 3)")
    figures = audit_ratios(ledger_of(events))
    print_audit_ratios(figures)
    peak, idle = audit_peak_memory(ledger_of(large))
    print(
        f"== ledger: peak memory of an audit of the {large:,}-event ledger: {peak:.0f} MB "
        f"(the interpreter with kerang loaded: {idle:.0f} MB; target < 300 MB)"
    )
    return {**figures, "audit_peak_mb": peak}


def audit_peak_memory(db: Path) -> tuple[float, float]:
    """Peak resident memory (MB) of a process auditing ``db``, and of one that only imports.
    Linux's VmHWM, not ru_maxrss: a child's ru_maxrss starts at this process's own."""
    code = (
        "import resource, sys; from ledger.audit import audit; {}; "
        "status = open('/proc/self/status').read() if sys.platform == 'linux' else ''; "
        "hwm = [line.split()[1] for line in status.splitlines() if line.startswith('VmHWM:')]; "
        "print(hwm[0] if hwm else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    )
    run = "r = audit(sys.argv[1]); assert r.ok, r"
    peak = subprocess.run(
        [sys.executable, "-c", code.format(run), str(db)],
        capture_output=True,
        text=True,
        check=True,
    )
    idle = subprocess.run(
        [sys.executable, "-c", code.format("pass"), str(db)],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(peak.stdout) / 1024, int(idle.stdout) / 1024


def ledger_of(events: int) -> Path:
    """A ledger of about ``events`` events, built once and kept in bench-out/."""
    OUT.mkdir(exist_ok=True)
    db = OUT / f"ledger-{events}.db"
    if not db.exists():
        source = write(OUT / f"ledger-{events}.jsonl", events, seed=events)
        started = time.perf_counter()
        ledger.import_file(str(db) + ".part", str(source))
        os.replace(str(db) + ".part", db)
        source.unlink()
        print(f"  built {db} in {time.perf_counter() - started:.0f} s")
    return db


def latency(args: list[str], repeat: int = 7) -> float:
    """Median wall time of a whole ``kerang`` process (what a clerk waits)."""
    script = Path(sys.executable).with_name("kerang")
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run([str(script), *args], check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def in_process(fn, repeat: int = 7) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def command_latency(db: Path, tag: str) -> dict[str, float]:
    import shutil

    work = Path(tempfile.mkdtemp()) / "copy.db"
    with sqlite3.connect(db) as source, sqlite3.connect(work) as target:
        source.backup(target)
    counter = iter(range(10**9))

    def harvest_args() -> list[str]:
        return [
            "harvest",
            "--ref",
            f"BENCH-{tag}-{next(counter)}",
            "--date",
            "2030-01-01",
            "--bagan",
            "B001",
            "--kg",
            "3000",
            "--price",
            "10000",
            "--db",
            str(work),
        ]

    harvest_cmd = latency_of_fresh(harvest_args)
    statement_cmd = latency(["statement", "M001", "--json", "--db", str(work)])
    harvest_fn = in_process(
        lambda: ledger.record(
            str(work),
            "harvest",
            ref=f"IP-{tag}-{next(counter)}",
            date="2030-01-02",
            bagan="B001",
            kg="3000",
            price="10000",
        )
    )
    statement_fn = in_process(lambda: ledger.statement(str(work), "M001"))
    shutil.rmtree(work.parent, ignore_errors=True)
    return {
        "harvest": harvest_cmd,
        "statement": statement_cmd,
        "harvest_fn": harvest_fn,
        "statement_fn": statement_fn,
    }


def latency_of_fresh(make_args, repeat: int = 7) -> float:
    script = Path(sys.executable).with_name("kerang")
    times = []
    for _ in range(repeat):
        args = make_args()
        started = time.perf_counter()
        subprocess.run([str(script), *args], check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def postgres_against_sqlite(lines: int) -> dict[str, float]:
    """Import and audit lines/s on PostgreSQL and on SQLite, same file, same run."""
    import uuid

    from ledger.audit import audit

    url = os.environ.get("KERANG_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/test")
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        path = write(Path(tmp) / "pg.jsonl", lines, seed=7)
        schema = f"bench_{uuid.uuid4().hex[:8]}"
        for name, db in (
            ("sqlite", str(Path(tmp) / "s.db")),
            ("postgres", f"{url}?schema={schema}"),
        ):
            started = time.perf_counter()
            ledger.import_file(db, str(path))
            figures[f"{name}_import"] = lines / (time.perf_counter() - started)
            started = time.perf_counter()
            report = audit(db)
            figures[f"{name}_audit"] = report.events / (time.perf_counter() - started)
            assert report.ok
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
    return figures


def main() -> dict:
    lines = int(os.environ.get("KERANG_BENCH_LINES", "200000"))
    large = int(os.environ.get("KERANG_BENCH_LARGE", "1000000"))
    print(f"== ledger: bulk import of {lines:,} lines")
    with tempfile.TemporaryDirectory() as tmp:
        path = write(Path(tmp) / "import.jsonl", lines)
        raw = raw_insert(path, Path(tmp) / "raw.db")
        ours = kerang_import(path, Path(tmp) / "kerang.db")
        print(f"  raw sqlite3, 100 lines per transaction: {raw:12,.0f} lines/s")
        print(f"  kerang import:                          {ours:12,.0f} lines/s")
        print(f"  ratio kerang / raw: {ours / raw:.3f}   (target >= 0.10)")
        print(f"== ledger: audit of the same {lines:,}-line ledger (medians of 3)")
        figures = audit_ratios(Path(tmp) / "kerang.db")
        print_audit_ratios(figures)
        audited, fold = figures["audit_wall"], figures["raw_wall"]

    print(f"== ledger: latency on a 10,000-event and a {large:,}-event ledger")
    small_db, large_db = ledger_of(10_000), ledger_of(large)
    small, big = command_latency(small_db, "s"), command_latency(large_db, "l")
    for key, label in (
        ("harvest", "kerang harvest (process)"),
        ("statement", "kerang statement (process)"),
        ("harvest_fn", "record harvest (in process)"),
        ("statement_fn", "statement (in process)"),
    ):
        print(
            f"  {label:30} {small[key] * 1000:8.1f} ms  {big[key] * 1000:8.1f} ms  "
            f"ratio {big[key] / small[key]:.2f}   (target <= 1.5)"
        )
    pg_lines = int(os.environ.get("KERANG_BENCH_PG_LINES", "50000"))
    print(f"== ledger: PostgreSQL against SQLite, {pg_lines:,} lines")
    pg = postgres_against_sqlite(pg_lines)
    for what in ("import", "audit"):
        print(
            f"  {what:7} sqlite {pg[f'sqlite_{what}']:10,.0f}/s   postgres {pg[f'postgres_{what}']:10,.0f}/s"
            f"   ratio postgres/sqlite {pg[f'postgres_{what}'] / pg[f'sqlite_{what}']:.2f}"
        )
    peak, idle = audit_peak_memory(large_db)
    print(
        f"== ledger: peak memory of an audit of the {large:,}-event ledger: {peak:.0f} MB "
        f"(the interpreter with kerang loaded: {idle:.0f} MB; target < 300 MB)"
    )
    result = {
        "import_lines_per_s": ours,
        "raw_lines_per_s": raw,
        "import_ratio": ours / raw,
        "audit_events_per_s": audited,
        "raw_fold_events_per_s": fold,
        "audit_ratio": audited / fold,
        "latency_small": small,
        "latency_large": big,
        "postgres": pg,
        "audit_peak_mb": peak,
    }
    OUT.mkdir(exist_ok=True)
    (OUT / "ledger.json").write_text(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
