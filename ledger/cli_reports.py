"""The ledger's commands on the command line beyond their generated options: the one
handler of every recorded transaction, and import, reports, audit, export, storage.

``COMMANDS`` declares each once (words, help, example, its options), and
``ledger/cli_parser.py`` builds their parsers with the ledger's own; each report is one
row of ``REPORTS`` (what it computes and how it is drawn), served by one handler.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

import attrs

from ledger.cli_io import (
    AS_OF_HELP,
    EXIT_CHECK_FAILED,
    EXIT_OK,
    EXIT_REFUSED,
    bar,
    date_option,
    db_of,
    emit_json,
    refuse,
    show,
)

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


@attrs.frozen
class CliCommand:
    """A command beside the recorded transactions: ``options(p)`` adds its options and
    handler; ``about`` is the longer description of its --help (else its help)."""

    words: tuple[str, ...]  # kerang WORD [WORD]
    help: str
    example: str
    options: Callable[[argparse.ArgumentParser], None]
    about: str = ""
    db: bool = True  # takes --db


def run_record(args: argparse.Namespace) -> int:
    """Every transaction and set-up command: its fields, from its declaration, recorded."""
    import ledger
    from ledger.commands import from_command_line
    from ledger.report import render_outcome

    fields = from_command_line(args.spec, vars(args))
    return show(args, ledger.record(db_of(args), args.spec.op, **fields), render_outcome)


# ---------------------------------------------------------------- reports
def _reported(words: tuple[str, ...]) -> CliCommand:
    help, example, compute, render = REPORTS[words]
    return CliCommand(words, help, example, lambda p: _report_options(p, words, compute, render))


def _report_options(
    p: argparse.ArgumentParser, words: tuple[str, ...], compute: Compute, render: str
) -> None:
    if words == ("statement",):  # the passbook's period
        p.add_argument("member", help="the member's ID")
        first = "passbook lines from this date (default: a year before --to)"
        last = "passbook lines and balances up to this date (the same as --as-of)"
        date_option(p, "--from", first, dest="first")
        date_option(p, "--to", last, dest="last")
        p.add_argument(
            "--all",
            dest="everything",
            action="store_true",
            help="every line since the member joined",
        )
    if words in (("report", "income"), ("report", "infaq")):
        required = words[-1] == "income"
        date_option(p, "--from", "the first day of the period", dest="first", required=required)
        date_option(p, "--to", "the last day of the period", dest="last", required=required)
    elif words == ("report", "shu"):
        p.add_argument("year", metavar="YEAR", help="the financial year, e.g. 2015")
        p.add_argument("--bylaws", help="bylaws for the preview of a year not yet closed")
    else:
        date_option(p, "--as-of", AS_OF_HELP)
    p.set_defaults(handler=lambda args: _run_report(args, compute, render))


def _run_report(args: argparse.Namespace, compute: Compute, render: str) -> int:
    from ledger import report

    return show(args, compute(db_of(args), args), getattr(report, render))


def _pack_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", required=True, metavar="FILE.html", help="the HTML file to write")
    date_option(p, "--as-of", "the books as of this date (default: the last entry)", None)
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
    p.set_defaults(handler=_run_pack)


def _run_pack(args: argparse.Namespace) -> int:
    from ledger import pack
    from ledger.files import guard_output
    from ledger.i18n import tr

    db = db_of(args)
    guard_output(args.out, db=db)  # refused before the forecast runs
    built = pack.build(
        db, args.as_of, survey=args.survey, members=tuple(args.member), runs=args.runs
    )
    path = pack.write(built, args.out, db=db)
    document = {"out": str(path), "as_of": built.as_of.isoformat(), "head": built.audit.head}
    said = tr("wrote {out}: the books as of {as_of}", out=path, as_of=built.as_of)
    return show(args, document, said)


# ---------------------------------------------------------------- import and export
def _import_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", help="a .jsonl or .csv file, one transaction a line")
    p.add_argument("--check", action="store_true", help="validate the whole file, write nothing")
    p.set_defaults(handler=_run_import)


def _run_import(args: argparse.Namespace) -> int:
    import ledger
    from ledger.i18n import localise
    from ledger.report import render_import

    progress = bar(args, f"importing {args.file}")
    try:
        result = ledger.import_file(db_of(args), args.file, check=args.check, progress=progress)
    except ledger.ImportChecked as checked:  # --check: every bad line, each on its own line
        return refuse(checked.code, localise(checked.message), args.json, **checked.as_json())
    except ledger.ImportStopped as stop:
        message = localise(stop.message)
        refuse(stop.cause_code, message, False)
        if args.json:  # the error names the line; what came before it stays recorded
            error = {"code": stop.cause_code, "message": message, "line": stop.line}
            emit_json({"error": error, "recorded": stop.recorded})
        return EXIT_REFUSED
    return show(args, result, render_import)


def _export_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--format",
        choices=["beancount", "jsonl"],
        required=True,
        help="jsonl (an import file that rebuilds the ledger) or beancount",
    )
    p.add_argument("--out", help="the file to write (default: standard output)")
    p.set_defaults(handler=_run_export)


def _run_export(args: argparse.Namespace) -> int:
    import ledger
    from ledger.i18n import tr

    if not args.out:
        export = ledger.export_beancount if args.format == "beancount" else ledger.export_jsonl
        for line in export(db_of(args)):
            sys.stdout.write(line + "\n")
        return EXIT_OK
    # the output never touches a ledger and appears complete or not at all
    count = ledger.write_export(db_of(args), args.format, args.out)
    document = {"format": args.format, "out": args.out, "lines": count}
    return show(args, document, tr("wrote {count} lines to {out}", count=count, out=args.out))


# ---------------------------------------------------------------- audit, verify, head
def _head_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--head",
        help="a head written down earlier that the books must extend: 64 hex digits or a "
        "statement file from 'kerang head'",
    )
    p.add_argument(
        "--public-key",
        help="the cooperative's public key (hex, base64 or a file) to check a signed head",
    )


def _audit_options(p: argparse.ArgumentParser) -> None:
    date_option(p, "--as-of", AS_OF_HELP)
    _head_options(p)
    p.set_defaults(handler=_run_audit)


def _run_audit(args: argparse.Namespace) -> int:
    import ledger
    from ledger.report import render_audit

    progress = bar(args, "auditing")
    report = ledger.audit_ledger(db_of(args), args.as_of, progress, args.head, args.public_key)
    return show(args, report, render_audit, EXIT_OK if report.ok else EXIT_CHECK_FAILED)


def _verify_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", help="an exported jsonl log")
    _head_options(p)
    p.set_defaults(handler=_run_verify)


def _run_verify(args: argparse.Namespace) -> int:
    import ledger
    from ledger.report import render_verify

    report = ledger.verify_log(args.file, args.head, args.public_key)
    return show(args, report, render_verify, EXIT_OK if report.ok else EXIT_CHECK_FAILED)


def _sign_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--sign", action="store_true", help="sign the statement with KERANG_SIGNING_KEY")
    p.set_defaults(handler=_run_head)


def _run_head(args: argparse.Namespace) -> int:
    import ledger
    from ledger.i18n import tr

    found = ledger.head(db_of(args), sign=args.sign)
    if args.sign and not args.json:
        sys.stdout.write(found.statement())
        return EXIT_OK
    shown = tr(
        "{events} events; head {head} ({date})",
        events=found.events,
        head=found.head,
        date=found.date,
    )
    return show(args, found, shown)


# ---------------------------------------------------------------- administration
def _grant_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("role", help="the role's name: lower-case letters, digits and _")
    p.set_defaults(handler=_run_grant_auditor)


def _run_grant_auditor(args: argparse.Namespace) -> int:
    import ledger
    from ledger.i18n import tr

    def render(console: Any, granted: Any) -> None:
        for line in granted.granted:  # say what was granted
            console.print(tr("granted: {what}", what=line))
        console.print(
            tr(
                "role {role} may now read this ledger: kerang audit --db '{url}'",
                role=args.role,
                url=granted.url,
            )
        )

    return show(args, ledger.grant_auditor(db_of(args), args.role), render)


def _keygen_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--signing",
        action="store_true",
        help="an Ed25519 key pair for signed head statements instead (KERANG_SIGNING_KEY and its public key)",
    )
    p.set_defaults(handler=_run_keygen)


def _run_keygen(args: argparse.Namespace) -> int:
    import ledger

    if args.signing:
        private, public = ledger.new_signing_key()
        document = {"signing_key": private, "public_key": public}
        text = f"KERANG_SIGNING_KEY={private}\nKERANG_PUBLIC_KEY={public}\n"
    else:
        key = ledger.new_cipher_key()
        document, text = {"key": key}, key + "\n"
    if args.json:
        emit_json(document)
    else:  # as it is, for a shell's $( ): no colour, no wrapping
        sys.stdout.write(text)
    return EXIT_OK


# ---------------------------------------------------------------- storage: backup, copy
def _copy_options(option: str, help: str, how: str) -> Callable[[argparse.ArgumentParser], None]:
    def options(p: argparse.ArgumentParser) -> None:
        p.add_argument(option, required=True, help=help)
        p.set_defaults(handler=lambda args: _run_copied(args, how, getattr(args, option[2:])))

    return options


def _run_copied(args: argparse.Namespace, how: str, target: str) -> int:
    from ledger import backup
    from ledger.i18n import localise, tr

    try:
        copied = getattr(backup, how)(db_of(args), target)
    except backup.CopyNotSound as failed:  # a check failed: exit 1, nothing written
        refuse(failed.code, localise(failed.message), args.json)
        return EXIT_CHECK_FAILED
    if copied.ok:
        said = tr(
            "copied {events} events to {to}; its audit holds with head {head}",
            events=copied.events,
            to=copied.to,
            head=copied.head,
        )
    else:
        said = tr(
            "copied {events} events to {to}, but its audit fails",
            events=copied.events,
            to=copied.to,
        )
    return show(args, copied, said, EXIT_OK if copied.ok else EXIT_CHECK_FAILED)


# ---------------------------------------------------------------- the declarations
GROUPS = {
    "db": "database administration (PostgreSQL)",
    "report": "the cooperative's financial statements",
}

COMMANDS: tuple[CliCommand, ...] = (
    CliCommand(
        ("import",),
        "record transactions from a .jsonl or .csv file",
        "kerang import buku-kas-2015.csv --check",
        _import_options,
    ),
    _reported(("statement",)),
    _reported(("summary",)),
    _reported(("balance",)),
    CliCommand(
        ("export",),
        "export the ledger",
        "kerang export --format jsonl --out ledger.jsonl",
        _export_options,
    ),
    CliCommand(
        ("audit",),
        "rebuild everything from the stored events and check it",
        "kerang audit --as-of 2018-12-31",
        _audit_options,
        "Rebuild every balance from the stored events alone and run the audit checks. "
        "Exit 0 when the books hold, 1 when a check fails.",
    ),
    CliCommand(
        ("verify",),
        "check an exported jsonl log offline",
        "kerang verify ledger.jsonl --head 754f18…",
        _verify_options,
        "Check the hash chain of an exported jsonl log without the database. "
        "Exit 0 when every link holds (and the log extends --head), 1 otherwise.",
        db=False,
    ),
    CliCommand(
        ("head",),
        "print the books' head (event count, last link, date), signed with --sign",
        "kerang head --sign > head-2019-01.json",
        _sign_options,
        "Print the current head of the books' hash chain. With --sign, a head "
        "statement signed with KERANG_SIGNING_KEY that the programme officer keeps and later "
        "checks with 'kerang audit --head FILE --public-key KEY'.",
    ),
    CliCommand(
        ("db", "grant-auditor"),
        "create a read-only role that can run every report and the audit",
        "kerang db grant-auditor auditor --db postgresql://postgres@127.0.0.1/test?schema=sinar_abadi",
        _grant_options,
        "Create (or update) a PostgreSQL role that can read this ledger's schema but never write.",
    ),
    CliCommand(
        ("keygen",),
        "make a key for KERANG_CIPHER_KEY (encryption at rest)",
        "export KERANG_CIPHER_KEY=$(kerang keygen)",
        _keygen_options,
        "Print a new AES-256 key. Keep it safe: without it an encrypted ledger cannot be read.",
        db=False,
    ),
    CliCommand(
        ("backup",),
        "a complete, audited copy of the ledger in one SQLite file",
        "kerang backup --out backup-2019-01-31.db",
        _copy_options("--out", "the backup file to write", "backup"),
        "Copy the ledger with SQLite's online backup API (safe while others write), "
        "audit the copy and only then put it in place. --out may not be a ledger.",
    ),
    CliCommand(
        ("copy",),
        "copy the ledger to another file or database, keeping its chain and head",
        "kerang copy --to postgresql://postgres@127.0.0.1/test?schema=sinar_abadi",
        _copy_options("--to", "a new SQLite file or a postgresql:// URL", "copy"),
        "Write the stored events as they are into a new SQLite file or an empty "
        "PostgreSQL schema; the audit of the copy gives the same head.",
    ),
    *(_reported(words) for words in REPORTS if words[0] == "report"),
    CliCommand(
        ("report", "pack"),
        "one shareable HTML report: summary, balance, audit, passbooks, infaq, SHU, forecast, SLIA",
        "kerang report pack --out laporan-2019.html --as-of 2019-01-31 --lang id",
        _pack_options,
    ),
)
