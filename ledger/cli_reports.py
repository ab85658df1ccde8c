"""The ledger's read-side commands on the command line: import, reports, audit, export.

``register(sub, cli, wanted)`` adds them to ``kerang``'s parser; each report is one row
of ``REPORTS`` (what it computes and how it is drawn), served by one handler.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from types import ModuleType
from typing import Any

# name -> (help, example, compute(db, args) -> result, renderer in ledger.report)
Compute = Callable[[str, argparse.Namespace], Any]


def _statement(db: str, a: argparse.Namespace) -> Any:
    import ledger

    return ledger.statement(
        db, a.member, a.as_of, first=a.first, last=a.last, everything=a.everything
    )


def _summary(db: str, a: argparse.Namespace) -> Any:
    import ledger

    return ledger.summary(db, a.as_of)


def _balance(db: str, a: argparse.Namespace) -> Any:
    import ledger

    return ledger.balance(db, a.as_of)


def _financial(kind: str) -> Compute:
    def compute(db: str, a: argparse.Namespace) -> Any:
        from ledger import statements
        from ledger.app import open_ledger
        from ledger.commands import year

        app = open_ledger(db)
        if kind == "position":
            return statements.position(app, a.as_of)
        if kind == "shu":
            return statements.shu(app, year(a.year), a.bylaws)
        return getattr(statements, kind)(app, a.first, a.last)

    return compute


REPORTS: dict[tuple[str, ...], tuple[str, str, Compute, str]] = {
    ("statement",): (
        "a member's statement and passbook",
        "kerang statement M01 --from 2018-01-01 --to 2018-12-31",
        _statement,
        "render_statement",
    ),
    ("summary",): (
        "the cooperative's summary",
        "kerang summary --as-of 2019-01-31",
        _summary,
        "render_summary",
    ),
    ("balance",): (
        "double-entry trial balance",
        "kerang balance --as-of 2018-12-31",
        _balance,
        "render_balance",
    ),
    ("report", "position"): (
        "statement of financial position (laporan posisi keuangan, SAK EP)",
        "kerang report position --as-of 2015-12-31",
        _financial("position"),
        "render_position",
    ),
    ("report", "income"): (
        "income statement for a period (perhitungan hasil usaha)",
        "kerang report income --from 2015-01-01 --to 2015-12-31",
        _financial("income"),
        "render_income",
    ),
    ("report", "infaq"): (
        "changes in the infaq fund (PSAK 109), apart from commercial results",
        "kerang report infaq --from 2015-01-01 --to 2015-12-31",
        _financial("infaq"),
        "render_infaq",
    ),
    ("report", "shu"): (
        "a year's SHU per fund and per member",
        "kerang report shu 2015",
        _financial("shu"),
        "render_shu",
    ),
}


def register(sub: Any, cli: ModuleType, wanted: Callable[[str], bool]) -> None:
    """Add the read-side commands; only the ``wanted`` ones get their options."""
    names = {
        "import": "record transactions from a .jsonl or .csv file",
        "statement": REPORTS[("statement",)][0],
        "summary": REPORTS[("summary",)][0],
        "balance": REPORTS[("balance",)][0],
        "export": "export the ledger",
        "audit": "rebuild everything from the stored events and check it",
        "verify": "check an exported jsonl log offline",
        "head": "print the books' head (event count, last link, date), signed with --sign",
        "db": "database administration (PostgreSQL)",
        "keygen": "make a key for KERANG_CIPHER_KEY (encryption at rest)",
        "backup": "a complete, audited copy of the ledger in one SQLite file",
        "copy": "copy the ledger to another file or database, keeping its chain and head",
        "report": "the cooperative's financial statements",
    }
    for name, help in names.items():
        if not wanted(name):
            sub.add_parser(name, help=help)
            continue
        if name in ("statement", "summary", "balance"):
            _report(sub, cli, (name,))
        elif name == "report":
            report = cli.group(sub, "report", help)
            for words in REPORTS:
                if words[0] == "report":
                    _report(report, cli, words)
            _add_pack(report, cli)
        else:
            globals()[f"_add_{name}"](sub, cli, help)


def _report(parent: Any, cli: ModuleType, words: tuple[str, ...]) -> None:
    help, example, compute, render = REPORTS[words]
    p = cli.command(parent, words[-1], help, example)
    if words == ("statement",):  # the passbook's period
        p.add_argument("member", help="the member's ID")
        p.add_argument(
            "--from",
            dest="first",
            type=cli.date_arg("from"),
            metavar="YYYY-MM-DD",
            help="passbook lines from this date (default: a year before --to)",
        )
        p.add_argument(
            "--to",
            dest="last",
            type=cli.date_arg("to"),
            metavar="YYYY-MM-DD",
            help="passbook lines and balances up to this date (the same as --as-of)",
        )
        p.add_argument(
            "--all",
            dest="everything",
            action="store_true",
            help="every line since the member joined",
        )
    if words in (("report", "income"), ("report", "infaq")):
        required = words[-1] == "income"
        p.add_argument(
            "--from",
            dest="first",
            required=required,
            type=cli.date_arg("from"),
            metavar="YYYY-MM-DD",
            help="the first day of the period",
        )
        p.add_argument(
            "--to",
            dest="last",
            required=required,
            type=cli.date_arg("to"),
            metavar="YYYY-MM-DD",
            help="the last day of the period",
        )
    elif words == ("report", "shu"):
        p.add_argument("year", metavar="YEAR", help="the financial year, e.g. 2015")
        p.add_argument("--bylaws", help="bylaws for the preview of a year not yet closed")
    else:
        p.add_argument(
            "--as-of",
            type=cli.date_arg("as-of"),
            metavar="YYYY-MM-DD",
            help="the books as they stood at the end of this day (default: as they stand)",
        )
    p.set_defaults(handler=lambda args: _run_report(cli, args, compute, render))


def _run_report(cli: ModuleType, args: argparse.Namespace, compute: Compute, render: str) -> int:
    from ledger import report

    return cli.show(args, compute(cli.db_of(args), args), getattr(report, render))


# ---------------------------------------------------------------- report pack
def _add_pack(report: Any, cli: ModuleType) -> None:
    p = cli.command(
        report,
        "pack",
        "one shareable HTML report: summary, balance, audit, passbooks, infaq, SHU, forecast, SLIA",
        "kerang report pack --out laporan-2019.html --as-of 2019-01-31 --lang id",
    )
    p.add_argument("--out", required=True, metavar="FILE.html", help="the HTML file to write")
    p.add_argument(
        "--as-of",
        type=cli.date_arg("as-of"),
        help="the books as of this date (default: the last entry)",
    )
    p.add_argument(
        "--survey",
        metavar="FILE.csv",
        help="SLIA survey scores (default: the demo survey shipped with kerang, said so)",
    )
    p.add_argument(
        "--member",
        action="append",
        default=[],
        metavar="ID",
        help="also print this member's passbook line by line (repeatable)",
    )
    p.add_argument("--runs", type=int, default=1000, help="forecast replications (default 1000)")
    p.set_defaults(handler=lambda args: _run_pack(cli, args))


def _run_pack(cli: ModuleType, args: argparse.Namespace) -> int:
    from ledger import pack
    from ledger.files import guard_output
    from ledger.i18n import tr

    db = cli.db_of(args)
    guard_output(args.out, db=db)  # refused before the forecast runs
    built = pack.build(
        db, args.as_of, survey=args.survey, members=tuple(args.member), runs=args.runs
    )
    path = pack.write(built, args.out, db=db)
    if args.json:
        cli.emit_json(
            {"out": str(path), "as_of": built.as_of.isoformat(), "head": built.audit.head}
        )
    else:
        cli.console(args).print(
            tr("wrote {out}: the books as of {as_of}", out=path, as_of=built.as_of)
        )
    return cli.EXIT_OK


# ---------------------------------------------------------------- import and export
def _add_import(sub: Any, cli: ModuleType, help: str) -> None:
    p = cli.command(sub, "import", help, "kerang import buku-kas-2015.csv --check")
    p.add_argument("file", help="a .jsonl or .csv file, one transaction a line")
    p.add_argument("--check", action="store_true", help="validate the whole file, write nothing")
    p.set_defaults(handler=lambda args: _run_import(cli, args))


def _run_import(cli: ModuleType, args: argparse.Namespace) -> int:
    import ledger
    from ledger.i18n import localise
    from ledger.report import render_import

    progress = cli.bar(f"importing {args.file}") if not args.json and sys.stderr.isatty() else None
    try:
        result = ledger.import_file(cli.db_of(args), args.file, check=args.check, progress=progress)
    except ledger.ImportChecked as checked:  # --check: every bad line, each on its own line
        return cli.refuse(checked.code, localise(checked.message), args.json, **checked.as_json())
    except ledger.ImportStopped as stop:
        message = localise(stop.message)
        cli.refuse(stop.cause_code, message, False)
        if args.json:  # the error names the line; what came before it stays recorded
            error = {"code": stop.cause_code, "message": message, "line": stop.line}
            cli.emit_json({"error": error, "recorded": stop.recorded})
        return cli.EXIT_REFUSED
    return cli.show(args, result, render_import)


def _add_export(sub: Any, cli: ModuleType, help: str) -> None:
    p = cli.command(sub, "export", help, "kerang export --format jsonl --out ledger.jsonl")
    p.add_argument(
        "--format",
        choices=["beancount", "jsonl"],
        required=True,
        help="jsonl (an import file that rebuilds the ledger) or beancount",
    )
    p.add_argument("--out", help="the file to write (default: standard output)")
    p.set_defaults(handler=lambda args: _run_export(cli, args))


def _run_export(cli: ModuleType, args: argparse.Namespace) -> int:
    import ledger
    from ledger.i18n import tr

    if not args.out:
        export = ledger.export_beancount if args.format == "beancount" else ledger.export_jsonl
        for line in export(cli.db_of(args)):
            sys.stdout.write(line + "\n")
        return cli.EXIT_OK
    # the output never touches a ledger and appears complete or not at all
    count = ledger.write_export(cli.db_of(args), args.format, args.out)
    if args.json:
        cli.emit_json({"format": args.format, "out": args.out, "lines": count})
    else:
        cli.console(args).print(tr("wrote {count} lines to {out}", count=count, out=args.out))
    return cli.EXIT_OK


# ---------------------------------------------------------------- audit and verify
def _add_audit(sub: Any, cli: ModuleType, help: str) -> None:
    p = cli.command(sub, "audit", help, "kerang audit --as-of 2018-12-31")
    p.description = cli.i18n.help_text(
        "Rebuild every balance from the stored events alone and run the audit checks. "
        "Exit 0 when the books hold, 1 when a check fails."
    )
    p.add_argument(
        "--as-of",
        type=cli.date_arg("as-of"),
        metavar="YYYY-MM-DD",
        help="the books as they stood at the end of this day (default: as they stand)",
    )
    _head_arguments(p)
    p.set_defaults(handler=lambda args: _run_audit(cli, args))


def _run_audit(cli: ModuleType, args: argparse.Namespace) -> int:
    import ledger
    from ledger.report import render_audit

    progress = None if args.json or not sys.stderr.isatty() else cli.bar("auditing")
    report = ledger.audit_ledger(cli.db_of(args), args.as_of, progress, args.head, args.public_key)
    cli.show(args, report, render_audit)
    return cli.EXIT_OK if report.ok else cli.EXIT_CHECK_FAILED


def _add_verify(sub: Any, cli: ModuleType, help: str) -> None:
    p = cli.command(sub, "verify", help, "kerang verify ledger.jsonl --head 754f18…", db=False)
    p.description = cli.i18n.help_text(
        "Check the hash chain of an exported jsonl log without the database. "
        "Exit 0 when every link holds (and the log extends --head), 1 otherwise."
    )
    p.add_argument("file", help="an exported jsonl log")
    _head_arguments(p)
    p.set_defaults(handler=lambda args: _run_verify(cli, args))


def _run_verify(cli: ModuleType, args: argparse.Namespace) -> int:
    import ledger
    from ledger.report import render_verify

    report = ledger.verify_log(args.file, args.head, args.public_key)
    cli.show(args, report, render_verify)
    return cli.EXIT_OK if report.ok else cli.EXIT_CHECK_FAILED


# ---------------------------------------------------------------- head signing
def _head_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--head",
        help="a head written down earlier that the books must extend: 64 hex digits or a "
        "statement file from 'kerang head'",
    )
    p.add_argument(
        "--public-key",
        help="the cooperative's public key (hex, base64 or a file) to check a signed head",
    )


def _add_head(sub: Any, cli: ModuleType, help: str) -> None:
    p = cli.command(sub, "head", help, "kerang head --sign > head-2019-01.json")
    p.description = cli.i18n.help_text(
        "Print the current head of the books' hash chain. With --sign, a head "
        "statement signed with KERANG_SIGNING_KEY that the programme officer keeps and later "
        "checks with 'kerang audit --head FILE --public-key KEY'."
    )
    p.add_argument("--sign", action="store_true", help="sign the statement with KERANG_SIGNING_KEY")
    p.set_defaults(handler=lambda args: _run_head(cli, args))


def _run_head(cli: ModuleType, args: argparse.Namespace) -> int:
    import ledger
    from ledger.i18n import tr

    found = ledger.head(cli.db_of(args), sign=args.sign)
    if args.json:
        cli.emit_json(found.as_json())
    elif args.sign:
        sys.stdout.write(found.statement())
    else:
        cli.console(args).print(
            tr(
                "{events} events; head {head} ({date})",
                events=found.events,
                head=found.head,
                date=found.date,
            )
        )
    return cli.EXIT_OK


# ---------------------------------------------------------------- administration
def _add_db(sub: Any, cli: ModuleType, help: str) -> None:
    db = cli.group(sub, "db", help)
    p = cli.command(
        db,
        "grant-auditor",
        "create a read-only role that can run every report and the audit",
        "kerang db grant-auditor auditor --db postgresql://postgres@127.0.0.1/test?schema=sinar_abadi",
    )
    p.description = cli.i18n.help_text(
        "Create (or update) a PostgreSQL role that can read this ledger's schema but never write."
    )
    p.add_argument("role", help="the role's name: lower-case letters, digits and _")
    p.set_defaults(handler=lambda args: _run_grant_auditor(cli, args))


def _run_grant_auditor(cli: ModuleType, args: argparse.Namespace) -> int:
    import ledger
    from ledger.i18n import tr

    granted = ledger.grant_auditor(cli.db_of(args), args.role)
    if args.json:
        cli.emit_json(granted.as_json())
    else:
        console = cli.console(args)
        for line in granted.granted:  # say what was granted
            console.print(tr("granted: {what}", what=line))
        console.print(
            tr(
                "role {role} may now read this ledger: kerang audit --db '{url}'",
                role=args.role,
                url=granted.url,
            )
        )
    return cli.EXIT_OK


def _add_keygen(sub: Any, cli: ModuleType, help: str) -> None:
    p = cli.command(sub, "keygen", help, "export KERANG_CIPHER_KEY=$(kerang keygen)", db=False)
    p.description = cli.i18n.help_text(
        "Print a new AES-256 key. Keep it safe: without it an encrypted ledger cannot be read."
    )
    p.add_argument(
        "--signing",
        action="store_true",
        help="an Ed25519 key pair for signed head statements instead (KERANG_SIGNING_KEY and its public key)",
    )
    p.set_defaults(handler=lambda args: _run_keygen(cli, args))


def _run_keygen(cli: ModuleType, args: argparse.Namespace) -> int:
    import ledger

    if args.signing:
        private, public = ledger.new_signing_key()
        if args.json:
            cli.emit_json({"signing_key": private, "public_key": public})
        else:
            sys.stdout.write(f"KERANG_SIGNING_KEY={private}\nKERANG_PUBLIC_KEY={public}\n")
        return cli.EXIT_OK
    key = ledger.new_cipher_key()
    if args.json:
        cli.emit_json({"key": key})
    else:
        sys.stdout.write(key + "\n")
    return cli.EXIT_OK


# ---------------------------------------------------------------- storage: backup, copy
def _add_backup(sub: Any, cli: ModuleType, help: str) -> None:
    p = cli.command(sub, "backup", help, "kerang backup --out backup-2019-01-31.db")
    p.description = cli.i18n.help_text(
        "Copy the ledger with SQLite's online backup API (safe while others write), "
        "audit the copy and only then put it in place. --out may not be a ledger."
    )
    p.add_argument("--out", required=True, help="the backup file to write")
    p.set_defaults(handler=lambda args: _run_copied(cli, args, "backup", args.out))


def _add_copy(sub: Any, cli: ModuleType, help: str) -> None:
    p = cli.command(
        sub,
        "copy",
        help,
        "kerang copy --to postgresql://postgres@127.0.0.1/test?schema=sinar_abadi",
    )
    p.description = cli.i18n.help_text(
        "Write the stored events as they are into a new SQLite file or an empty "
        "PostgreSQL schema; the audit of the copy gives the same head."
    )
    p.add_argument("--to", required=True, help="a new SQLite file or a postgresql:// URL")
    p.set_defaults(handler=lambda args: _run_copied(cli, args, "copy", args.to))


def _run_copied(cli: ModuleType, args: argparse.Namespace, how: str, target: str) -> int:
    from ledger import backup
    from ledger.i18n import localise, tr

    try:
        copied = getattr(backup, how)(cli.db_of(args), target)
    except backup.CopyNotSound as failed:  # a check failed: exit 1, nothing written
        cli.refuse(failed.code, localise(failed.message), args.json)
        return cli.EXIT_CHECK_FAILED
    if args.json:
        cli.emit_json(copied.as_json())
    else:
        cli.console(args).print(
            tr(
                "copied {events} events to {to}; its audit holds with head {head}",
                events=copied.events,
                to=copied.to,
                head=copied.head,
            )
            if copied.ok
            else tr(
                "copied {events} events to {to}, but its audit fails",
                events=copied.events,
                to=copied.to,
            )
        )
    return cli.EXIT_OK if copied.ok else cli.EXIT_CHECK_FAILED
