"""The ``kerang`` command: parse, call one function, render.

Every command that prints a result takes ``--json``; then stdout carries exactly
one JSON document. Refusals exit 2 with one sentence on stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

from ledger import i18n
from ledger.i18n import msg, tr

EXIT_OK, EXIT_CHECK_FAILED, EXIT_REFUSED = 0, 1, 2


class UsageError(Exception):
    """A command line that argparse accepted but makes no sense."""

    code = "usage"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class _Parser(argparse.ArgumentParser):
    """argparse that speaks the chosen language in --help, and refuses with exit 2."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if isinstance(kwargs.get("description"), str):
            kwargs["description"] = i18n.help_text(kwargs["description"])
        super().__init__(*args, **kwargs)
        self.register("action", "parsers", _SubParsers)

    def add_argument(self, *args: Any, **kwargs: Any) -> argparse.Action:
        if isinstance(kwargs.get("help"), str) and kwargs["help"] != argparse.SUPPRESS:
            kwargs["help"] = i18n.help_text(kwargs["help"])
        return super().add_argument(*args, **kwargs)

    def error(self, message: str) -> None:  # argparse would exit with status 2 itself
        raise UsageError("usage", msg("{prog}: {message}.", prog=self.prog, message=message))


class _SubParsers(argparse._SubParsersAction):
    def add_parser(self, name: str, **kwargs: Any) -> argparse.ArgumentParser:
        if isinstance(kwargs.get("help"), str):
            kwargs["help"] = i18n.help_text(kwargs["help"])
        return super().add_parser(name, **kwargs)


def _console(args: argparse.Namespace):
    from rich.console import Console

    width = os.environ.get("COLUMNS")
    return Console(width=int(width) if width and width.isdigit() else None, highlight=False)


def _emit_json(document: Any) -> None:
    sys.stdout.write(json.dumps(document, ensure_ascii=False, indent=2) + "\n")


def _db(args: argparse.Namespace) -> str:
    return args.db or os.environ.get("KERANG_DB") or "kerang.db"


# ---------------------------------------------------------------- parsers
Handler = Callable[[argparse.Namespace], int]


def _common(p: argparse.ArgumentParser, *, db: bool = True, json_out: bool = True) -> None:
    if db:
        p.add_argument(
            "--db", help="SQLite file or postgresql:// URL (default $KERANG_DB, else ./kerang.db)"
        )
    if json_out:
        p.add_argument("--json", action="store_true", help="print exactly one JSON document")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="kerang",
        description="Ledger, forecast and impact assessment for green-mussel cooperatives.",
    )
    parser.add_argument(
        "--lang",
        choices=i18n.LANGUAGES,
        help="language of messages and reports: en (default) or id (Bahasa Indonesia); "
        "also $KERANG_LANG; accepted anywhere on the command line",
    )
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)
    _add_ledger_parsers(sub)
    _add_forecast_parsers(sub)
    _add_assess_parsers(sub)
    _add_demo_parsers(sub)
    _add_completion_parser(sub)
    _examples_on_groups(parser)
    return parser


def _subcommands(p: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in p._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _examples_on_groups(p: argparse.ArgumentParser) -> list[str]:
    """Give a group (``member``, ``report`` …) the examples of its commands; return them."""
    examples = [p.epilog.removeprefix("example: ")] if p.epilog else []
    children = _subcommands(p)
    found: list[str] = []
    for child in children.values():
        found += _examples_on_groups(child)
    if children and not p.epilog and p.prog != "kerang":
        p.epilog = "examples:\n" + "\n".join(f"  {e}" for e in found)
        p.formatter_class = argparse.RawDescriptionHelpFormatter
    return examples or found


def _subparser(parser: argparse.ArgumentParser, argv: list[str]) -> argparse.ArgumentParser:
    """The deepest parser the words of ``argv`` name (``kerang member`` -> member's)."""
    for word in argv:
        child = _subcommands(parser).get(word)
        if child is None:
            break
        parser = child
    return parser


GUIDE = (
    (
        "set up",
        "kerang init --name 'Koperasi Sinar Abadi' --date 2015-01-01",
        "kerang member add M01 --name 'Ibu Siti'   kerang bagan add B01 --partners M01,M02 --manager 'Pak Budi'",
    ),
    (
        "record",
        "kerang harvest --ref NOTA-001 --date 2015-06-18 --bagan B01 --kg 3000 --price 10.000",
        "kerang savings | infaq | loan | repair | cooperative | story | import FILE",
    ),
    (
        "correct",
        "kerang correct --ref KOREKSI-001 --date 2015-09-03 --reverses NOTA-001 --reason '...'",
        "kerang reopen 2015 --reason '...'",
    ),
    (
        "report",
        "kerang summary | statement M01 | balance   [--as-of 2015-12-31] [--json]",
        "kerang close 2015 --date 2016-01-15   kerang report position | income | infaq | shu",
    ),
    (
        "audit",
        "kerang audit   kerang export --format jsonl --out ledger.jsonl   kerang verify ledger.jsonl",
        "kerang head --sign > head.json   kerang audit --head head.json --public-key KEY",
    ),
    (
        "forecast",
        "kerang forecast --years 10 [--from-ledger]   kerang forecast compare A.toml B.toml",
        "",
    ),
    ("assess", "kerang assess --survey survey.csv [--from-ledger --before ... --after ...]", ""),
)


def _guide() -> str:
    """What ``kerang`` alone prints: the commands grouped by task."""
    lines = [
        tr("kerang: ledger, forecast and impact assessment for green-mussel cooperatives."),
        "",
    ]
    labels = {
        "set up": tr("Set up"),
        "record": tr("Record"),
        "correct": tr("Correct"),
        "report": tr("Report"),
        "audit": tr("Audit"),
        "forecast": tr("Forecast"),
        "assess": tr("Assess"),
    }
    width = max(len(v) for v in labels.values()) + 2
    for task, first, second in GUIDE:
        lines.append(f"  {labels[task]:<{width}}{first}")
        if second:
            lines.append(f"  {'':<{width}}{second}")
    lines += [
        "",
        tr("Try 'kerang demo' for a whole ledger, 'kerang COMMAND --help' for a command's options"),
        tr("and an example, and '--lang id' (or KERANG_LANG=id) for Bahasa Indonesia."),
        tr("Shell completion: source <(kerang completion bash)"),
    ]
    return "\n".join(lines) + "\n"


# >>> completion
def _add_completion_parser(sub: Any) -> None:
    p = sub.add_parser(
        "completion",
        help="print a shell completion script (bash or zsh)",
        description="Print a completion script for kerang's commands and options.",
        epilog="example: source <(kerang completion bash)   # or add it to ~/.bashrc",
    )
    p.add_argument("shell", choices=("bash", "zsh"))
    p.set_defaults(handler=_run_completion)


def _run_completion(args: argparse.Namespace) -> int:
    sys.stdout.write(completion_script(build_parser(), args.shell))
    return EXIT_OK


def completion_script(parser: argparse.ArgumentParser, shell: str = "bash") -> str:
    """A bash (or zsh, through bashcompinit) completion script made from the argparse tree."""
    words: dict[str, list[str]] = {}
    values: dict[str, list[str]] = {}

    def walk(p: argparse.ArgumentParser, path: str) -> None:
        found: list[str] = list(_subcommands(p))
        for action in p._actions:
            if not action.option_strings and action.choices and not found:
                found += [str(c) for c in action.choices]
        for action in p._actions:
            for option in action.option_strings:
                if option.startswith("--") and option != "--help":
                    found.append(option)
                    if action.choices and not isinstance(action, argparse._SubParsersAction):
                        values[f"{path}|{option}"] = [str(c) for c in action.choices]
        if "--lang" not in found:
            found.append("--lang")
        words[path] = found
        for name, child in _subcommands(p).items():
            walk(child, f"{path} {name}".strip())

    walk(parser, "")
    paths = " | ".join(f'"{p}"' for p in words if p)
    lines = [
        "# kerang completion (generated by 'kerang completion " + shell + "')",
        *(["autoload -U +X bashcompinit && bashcompinit"] if shell == "zsh" else []),
        "_kerang() {",
        "    local cur prev path word i opts",
        '    cur="${COMP_WORDS[COMP_CWORD]}"',
        '    prev="${COMP_WORDS[COMP_CWORD-1]}"',
        '    path=""',
        "    for ((i = 1; i < COMP_CWORD; i++)); do",
        '        word="${COMP_WORDS[i]}"',
        '        case "${path:+$path }$word" in',
        f'            {paths}) path="${{path:+$path }}$word" ;;',
        "        esac",
        "    done",
        '    case "$path|$prev" in',
        *(
            f'        "{k}") opts="{" ".join(v)}" ;;'
            for k, v in values.items()
            if "--lang" not in k
        ),
        f'        *"|--lang") opts="{" ".join(i18n.LANGUAGES)}" ;;',
        '        *) case "$path" in',
        *(f'            "{k}") opts="{" ".join(v)}" ;;' for k, v in words.items()),
        "            esac ;;",
        "    esac",
        '    COMPREPLY=($(compgen -W "$opts" -- "$cur"))',
        "}",
        "complete -o default -F _kerang kerang",
    ]
    return "\n".join(lines) + "\n"


# <<< completion


# >>> ledger (ledger/)
def _date_arg(text: str):
    from ledger.money import parse_date

    return parse_date(text, "as-of")


def _add_ledger_parsers(sub: Any) -> None:
    def command(
        parent: Any, name: str, help: str, example: str, **kw: Any
    ) -> argparse.ArgumentParser:
        p = parent.add_parser(name, help=help, description=help, epilog=f"example: {example}", **kw)
        _common(p)
        return p

    p = command(
        sub,
        "init",
        "start a new ledger for a cooperative",
        "kerang init --name 'Koperasi Sinar Abadi' --date 2015-01-01",
    )
    p.add_argument("--name", required=True)
    p.add_argument("--policy", help="manager=30,members=60,savings=8,cooperative=2 (the default)")
    p.add_argument("--date", help="YYYY-MM-DD, default today")
    p.set_defaults(handler=_run_record, op="init")

    policy = sub.add_parser("policy", help="harvest split policies").add_subparsers(
        dest="action", parser_class=_Parser
    )
    p = command(
        policy,
        "set",
        "set the split policy for harvests dated on or after --from",
        "kerang policy set --from 2020-01-01 manager=25,members=65,savings=8,cooperative=2",
    )
    p.add_argument("--from", dest="from", required=True)
    p.add_argument("shares", metavar="manager=P,members=P,savings=P,cooperative=P")
    p.set_defaults(handler=_run_record, op="policy.set")

    member = sub.add_parser("member", help="members (anggota)").add_subparsers(
        dest="action", parser_class=_Parser
    )
    p = command(
        member, "add", "add a member", "kerang member add M01 --name 'Ibu Siti' --date 2015-01-01"
    )
    p.add_argument("id")
    p.add_argument("--name", required=True)
    p.add_argument("--date")
    p.set_defaults(handler=_run_record, op="member.add")
    p = command(
        member,
        "leave",
        "end a membership and settle pokok and wajib savings",
        "kerang member leave M01 --date 2019-12-31",
    )
    p.add_argument("id")
    p.add_argument("--date", required=True)
    p.set_defaults(handler=_run_record, op="member.leave")

    bagan = sub.add_parser("bagan", help="bagan (mussel platforms)").add_subparsers(
        dest="action", parser_class=_Parser
    )
    p = command(
        bagan,
        "add",
        "register a bagan, its partners and manager",
        "kerang bagan add B01 --partners M01,M02 --manager 'Pak Budi' --date 2015-02-01 --cost 12.000.000",
    )
    p.add_argument("id")
    p.add_argument("--partners", required=True, help="member IDs separated by commas")
    p.add_argument("--manager", required=True)
    p.add_argument("--date")
    p.add_argument("--cost")
    p.set_defaults(handler=_run_record, op="bagan.add")

    p = command(
        sub,
        "harvest",
        "record a harvest sale and split it",
        "kerang harvest --ref NOTA-001 --date 2015-08-01 --bagan B01 --kg 3000 --price 10.000",
    )
    for name in ("ref", "date", "bagan"):
        p.add_argument(f"--{name}", required=True)
    for name in ("kg", "price", "revenue", "costs", "buyer"):
        p.add_argument(f"--{name}")
    p.set_defaults(handler=_run_record, op="harvest")

    savings = sub.add_parser("savings", help="members' savings").add_subparsers(
        dest="action", parser_class=_Parser
    )
    for action in ("deposit", "withdraw"):
        p = command(
            savings,
            action,
            f"{action} savings",
            f"kerang savings {action} --ref KW-001 --date 2015-08-02 --member M01 --kind sukarela --amount 50.000",
        )
        for name in ("ref", "date", "member", "kind", "amount"):
            p.add_argument(f"--{name}", required=True)
        p.set_defaults(handler=_run_record, op=f"savings.{action}")

    infaq = sub.add_parser("infaq", help="the infaq fund").add_subparsers(
        dest="action", parser_class=_Parser
    )
    p = command(
        infaq,
        "receive",
        "receive infaq into the infaq fund",
        "kerang infaq receive --ref INF-001 --date 2015-08-02 --amount 25.000 --member M01",
    )
    for name in ("ref", "date", "amount"):
        p.add_argument(f"--{name}", required=True)
    p.add_argument("--member")
    p.set_defaults(handler=_run_record, op="infaq.receive")
    p = command(
        infaq,
        "disburse",
        "disburse from the infaq fund",
        "kerang infaq disburse --ref INF-002 --date 2015-09-01 --amount 100.000 --purpose 'orphans'",
    )
    for name in ("ref", "date", "amount", "purpose"):
        p.add_argument(f"--{name}", required=True)
    p.set_defaults(handler=_run_record, op="infaq.disburse")

    loan = sub.add_parser("loan", help="interest-free loans (qardh)").add_subparsers(
        dest="action", parser_class=_Parser
    )
    for action in ("disburse", "repay"):
        p = command(
            loan,
            action,
            f"{action} a member's loan",
            f"kerang loan {action} --ref PJ-001 --date 2015-09-01 --member M01 --amount 500.000",
        )
        for name in ("ref", "date", "member", "amount"):
            p.add_argument(f"--{name}", required=True)
        p.set_defaults(handler=_run_record, op=f"loan.{action}")

    p = command(
        sub,
        "repair",
        "pay a bagan repair from its partners' harvest savings",
        "kerang repair --ref RP-001 --date 2015-10-01 --bagan B01 --amount 300.000",
    )
    for name in ("ref", "date", "bagan", "amount"):
        p.add_argument(f"--{name}", required=True)
    p.set_defaults(handler=_run_record, op="repair")

    p = command(
        sub,
        "correct",
        "reverse every effect of an earlier transaction",
        "kerang correct --ref C-001 --date 2015-10-02 --reverses KW-001 --reason 'wrong member'",
    )
    for name in ("ref", "date", "reverses", "reason"):
        p.add_argument(f"--{name}", required=True)
    p.set_defaults(handler=_run_record, op="correct")

    story = sub.add_parser("story", help="Most Significant Change stories").add_subparsers(
        dest="action", parser_class=_Parser
    )
    p = command(
        story,
        "add",
        "record a member's Most Significant Change story",
        "kerang story add --member M01 --date 2018-06-01 --title 'School fees' --text '...'",
    )
    for name in ("member", "date", "title", "text"):
        p.add_argument(f"--{name}", required=True)
    p.add_argument("--ref")
    p.set_defaults(handler=_run_record, op="story.add")

    p = command(
        sub,
        "import",
        "record transactions from a .jsonl or .csv file",
        "kerang import buku-kas-2015.csv --check",
    )
    p.add_argument("file")
    p.add_argument("--check", action="store_true", help="validate the whole file, write nothing")
    p.set_defaults(handler=_run_import)

    p = command(
        sub,
        "statement",
        "a member's statement and passbook",
        "kerang statement M01 --from 2018-01-01 --to 2018-12-31",
    )
    p.add_argument("member")
    p.add_argument("--as-of", type=_date_arg)
    # >>> passbook period
    p.add_argument(
        "--from",
        dest="first",
        type=_named_date("from"),
        help="passbook lines from this date (default: a year before --to)",
    )
    p.add_argument(
        "--to",
        dest="last",
        type=_named_date("to"),
        help="passbook lines and balances up to this date (the same as --as-of)",
    )
    p.add_argument(
        "--all", dest="everything", action="store_true", help="every line since the member joined"
    )
    # <<< passbook period
    p.set_defaults(handler=_run_statement)

    p = command(sub, "summary", "the cooperative's summary", "kerang summary --as-of 2019-01-31")
    p.add_argument("--as-of", type=_date_arg)
    p.set_defaults(handler=_run_summary)

    p = command(sub, "balance", "double-entry trial balance", "kerang balance --as-of 2018-12-31")
    p.add_argument("--as-of", type=_date_arg)
    p.set_defaults(handler=_run_balance)

    p = command(
        sub,
        "export",
        "export the ledger",
        "kerang export --format jsonl --out ledger.jsonl",
    )
    p.add_argument("--format", choices=["beancount", "jsonl"], required=True)
    p.add_argument("--out")
    p.set_defaults(handler=_run_export)
    _add_audit_parsers(sub)
    _add_admin_parsers(sub)
    _add_storage_parsers(sub)
    _add_close_parsers(sub)


def _add_admin_parsers(sub: Any) -> None:
    db = sub.add_parser("db", help="database administration (PostgreSQL)").add_subparsers(
        dest="action", parser_class=_Parser
    )
    p = db.add_parser(
        "grant-auditor",
        help="create a read-only role that can run every report and the audit",
        description="Create (or update) a PostgreSQL role that can read this ledger's schema but never write.",
        epilog="example: kerang db grant-auditor auditor --db postgresql://postgres@127.0.0.1/test?schema=sinar_abadi",
    )
    _common(p)
    p.add_argument("role")
    p.set_defaults(handler=_run_grant_auditor)
    p = sub.add_parser(
        "keygen",
        help="make a key for KERANG_CIPHER_KEY (encryption at rest)",
        description="Print a new AES-256 key. Keep it safe: without it an encrypted ledger cannot be read.",
        epilog="example: export KERANG_CIPHER_KEY=$(kerang keygen)",
    )
    _common(p, db=False)
    # --- head signing: keygen --signing
    p.add_argument(
        "--signing",
        action="store_true",
        help="an Ed25519 key pair for signed head statements instead (KERANG_SIGNING_KEY and its public key)",
    )
    p.set_defaults(handler=_run_keygen)


def _run_grant_auditor(args: argparse.Namespace) -> int:
    import ledger

    granted = ledger.grant_auditor(_db(args), args.role)
    if args.json:
        _emit_json(granted.as_json())
    else:
        console = _console(args)
        for line in granted.granted:  # storage: say what was granted
            console.print(tr("granted: {what}", what=line))
        console.print(
            tr(
                "role {role} may now read this ledger: kerang audit --db '{url}'",
                role=args.role,
                url=granted.url,
            )
        )
    return EXIT_OK


def _run_keygen(args: argparse.Namespace) -> int:
    import ledger

    if args.signing:  # --- head signing
        private, public = ledger.new_signing_key()
        if args.json:
            _emit_json({"signing_key": private, "public_key": public})
        else:
            sys.stdout.write(f"KERANG_SIGNING_KEY={private}\nKERANG_PUBLIC_KEY={public}\n")
        return EXIT_OK
    key = ledger.new_cipher_key()
    if args.json:
        _emit_json({"key": key})
    else:
        sys.stdout.write(key + "\n")
    return EXIT_OK


def _add_audit_parsers(sub: Any) -> None:
    p = sub.add_parser(
        "audit",
        help="rebuild everything from the stored events and check it",
        description="Rebuild every balance from the stored events alone and run the audit checks. "
        "Exit 0 when the books hold, 1 when a check fails.",
        epilog="example: kerang audit --as-of 2018-12-31",
    )
    _common(p)
    p.add_argument("--as-of", type=_date_arg)
    _head_arguments(p)  # --- head signing
    p.set_defaults(handler=_run_audit)
    p = sub.add_parser(
        "verify",
        help="check an exported jsonl log offline",
        description="Check the hash chain of an exported jsonl log without the database. "
        "Exit 0 when every link holds (and the log extends --head), 1 otherwise.",
        epilog="example: kerang verify ledger.jsonl --head 754f18…",
    )
    _common(p, db=False)
    p.add_argument("file")
    _head_arguments(p)  # --- head signing
    p.set_defaults(handler=_run_verify)
    # --- head signing: kerang head [--sign]
    p = sub.add_parser(
        "head",
        help="print the books' head (event count, last link, date), signed with --sign",
        description="Print the current head of the books' hash chain. With --sign, a head "
        "statement signed with KERANG_SIGNING_KEY that the programme officer keeps and later "
        "checks with 'kerang audit --head FILE --public-key KEY'.",
        epilog="example: kerang head --sign > head-2019-01.json",
    )
    _common(p)
    p.add_argument("--sign", action="store_true", help="sign the statement with KERANG_SIGNING_KEY")
    p.set_defaults(handler=_run_head)


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


def _run_head(args: argparse.Namespace) -> int:
    import ledger

    found = ledger.head(_db(args), sign=args.sign)
    if args.json:
        _emit_json(found.as_json())
    elif args.sign:
        sys.stdout.write(found.statement())
    else:
        _console(args).print(
            tr(
                "{events} events; head {head} ({date})",
                events=found.events,
                head=found.head,
                date=found.date,
            )
        )
    return EXIT_OK


def _run_audit(args: argparse.Namespace) -> int:
    import ledger
    from ledger.report import render_audit

    progress = None if args.json or not sys.stderr.isatty() else _bar("auditing")
    report = ledger.audit_ledger(_db(args), args.as_of, progress, args.head, args.public_key)
    if args.json:
        _emit_json(report.as_json())
    else:
        render_audit(_console(args), report)
    return EXIT_OK if report.ok else EXIT_CHECK_FAILED


def _run_verify(args: argparse.Namespace) -> int:
    import ledger
    from ledger.report import render_verify

    report = ledger.verify_log(args.file, args.head, args.public_key)
    if args.json:
        _emit_json(report.as_json())
    else:
        render_verify(_console(args), report)
    return EXIT_OK if report.ok else EXIT_CHECK_FAILED


def _run_record(args: argparse.Namespace) -> int:
    import ledger
    from ledger.report import render_outcome

    spec = ledger.OPERATIONS[args.op]
    fields = {f: getattr(args, f, None) for f in (*spec.required, *spec.optional)}
    if args.op == "policy.set":
        from ledger.split import policy_terms

        fields.update(policy_terms(args.shares))
    outcome = ledger.record(_db(args), args.op, **fields)
    if args.json:
        _emit_json(outcome.as_json())
    else:
        render_outcome(_console(args), outcome)
    return EXIT_OK


def _run_import(args: argparse.Namespace) -> int:
    import ledger
    from ledger.report import render_import

    console = _console(args)
    progress = None
    if not args.json and sys.stderr.isatty():
        progress = _bar(f"importing {args.file}")
    try:
        result = ledger.import_file(_db(args), args.file, check=args.check, progress=progress)
    except ledger.ImportChecked as checked:  # --check: every bad line, each on its own line
        message = i18n.localise(checked.message)
        sys.stderr.write(tr("kerang: {message}", message=message) + "\n")
        if args.json:
            _emit_json({"error": {"code": checked.code, "message": message}, **checked.as_json()})
        return EXIT_REFUSED
    except ledger.ImportStopped as stop:
        message = i18n.localise(stop.message)
        sys.stderr.write(tr("kerang: {message}", message=message) + "\n")
        if args.json:
            _emit_json(
                {
                    "error": {"code": stop.cause_code, "message": message, "line": stop.line},
                    "recorded": stop.recorded,
                }
            )
        return EXIT_REFUSED
    if args.json:
        _emit_json(result.as_json())
    else:
        render_import(console, result)
    return EXIT_OK


def _bar(label: str):
    """A rich progress bar on stderr, shown only for several thousand lines or events."""
    from rich.console import Console
    from rich.progress import Progress

    state: dict[str, Any] = {}

    def update(done: int, total: int) -> None:
        if total < 5000:
            return
        if "bar" not in state:
            state["bar"] = Progress(console=Console(stderr=True), transient=True)
            state["bar"].start()
            state["task"] = state["bar"].add_task(label, total=total)
        state["bar"].update(state["task"], completed=done)
        if done >= total:
            state["bar"].stop()

    return update


def _run_statement(args: argparse.Namespace) -> int:
    import ledger
    from ledger.report import render_statement

    result = ledger.statement(
        _db(args),
        args.member,
        args.as_of,
        first=args.first,
        last=args.last,
        everything=args.everything,
    )
    if args.json:
        _emit_json(result.as_json())
    else:
        render_statement(_console(args), result)
    return EXIT_OK


def _run_summary(args: argparse.Namespace) -> int:
    import ledger
    from ledger.report import render_summary

    result = ledger.summary(_db(args), args.as_of)
    if args.json:
        _emit_json(result.as_json())
    else:
        render_summary(_console(args), result)
    return EXIT_OK


def _run_balance(args: argparse.Namespace) -> int:
    import ledger
    from ledger.report import render_balance

    result = ledger.balance(_db(args), args.as_of)
    if args.json:
        _emit_json(result.as_json())
    else:
        render_balance(_console(args), result)
    return EXIT_OK


def _run_export(args: argparse.Namespace) -> int:
    import ledger

    if args.out:
        # storage: the output never touches a ledger and appears complete or not at all
        count = ledger.write_export(_db(args), args.format, args.out)
        if args.json:
            _emit_json({"format": args.format, "out": args.out, "lines": count})
        else:
            _console(args).print(tr("wrote {count} lines to {out}", count=count, out=args.out))
    else:
        export = ledger.export_beancount if args.format == "beancount" else ledger.export_jsonl
        for line in export(_db(args)):
            sys.stdout.write(line + "\n")
    return EXIT_OK


# ---------------------------------------------------------------- storage: backup, copy
def _add_storage_parsers(sub: Any) -> None:
    p = sub.add_parser(
        "backup",
        help="a complete, audited copy of the ledger in one SQLite file",
        description="Copy the ledger with SQLite's online backup API (safe while others write), "
        "audit the copy and only then put it in place. --out may not be a ledger.",
        epilog="example: kerang backup --out backup-2019-01-31.db",
    )
    _common(p)
    p.add_argument("--out", required=True, help="the backup file to write")
    p.set_defaults(handler=_run_backup)
    p = sub.add_parser(
        "copy",
        help="copy the ledger to another file or database, keeping its chain and head",
        description="Write the stored events as they are into a new SQLite file or an empty "
        "PostgreSQL schema; the audit of the copy gives the same head.",
        epilog="example: kerang copy --to postgresql://postgres@127.0.0.1/test?schema=sinar_abadi",
    )
    _common(p)
    p.add_argument("--to", required=True, help="a new SQLite file or a postgresql:// URL")
    p.set_defaults(handler=_run_copy)


def _run_backup(args: argparse.Namespace) -> int:
    from ledger.backup import CopyNotSound, backup

    try:
        return _show_copied(args, backup(_db(args), args.out))
    except CopyNotSound as failed:  # a check failed: exit 1, nothing written
        _refuse(failed.code, i18n.localise(failed.message), args.json)
        return EXIT_CHECK_FAILED


def _run_copy(args: argparse.Namespace) -> int:
    from ledger.backup import CopyNotSound, copy

    try:
        return _show_copied(args, copy(_db(args), args.to))
    except CopyNotSound as failed:
        _refuse(failed.code, i18n.localise(failed.message), args.json)
        return EXIT_CHECK_FAILED


def _show_copied(args: argparse.Namespace, copied: Any) -> int:
    if args.json:
        _emit_json(copied.as_json())
    else:
        _console(args).print(
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
    return EXIT_OK if copied.ok else EXIT_CHECK_FAILED


# ---------------------------------------------------------------- end of storage


def _add_close_parsers(sub: Any) -> None:
    """Year-end close, the cooperative's own income and expenses, and the statements."""

    def command(parent: Any, name: str, help: str, example: str) -> argparse.ArgumentParser:
        p = parent.add_parser(name, help=help, description=help, epilog=f"example: {example}")
        _common(p)
        return p

    coop = sub.add_parser(
        "cooperative", help="the cooperative's own income and expenses"
    ).add_subparsers(dest="action", parser_class=_Parser)
    for action, account in (("income", "other income"), ("expense", "an operating expense")):
        p = command(
            coop,
            action,
            f"record {account} of the cooperative (cash; part of its SHU)",
            f"kerang cooperative {action} --ref KOP-001 --date 2016-03-01 --amount 150.000 "
            "--purpose 'pulsa sales'",
        )
        for name in ("ref", "date", "amount", "purpose"):
            p.add_argument(f"--{name}", required=True)
        p.set_defaults(handler=_run_record, op=f"cooperative.{action}")

    p = command(
        sub,
        "close",
        "close a financial year: compute its SHU, appropriate it by the bylaws and lock the year",
        "kerang close 2015 --date 2016-02-15",
    )
    p.add_argument("year", metavar="YEAR")
    p.add_argument("--date", help="the day of the close, after the year's end (default today)")
    p.add_argument("--bylaws", help="a bylaws TOML file (default: ledger/data/bylaws.toml)")
    for name, what in (
        ("reserve", "to the reserve fund (cadangan)"),
        ("jasa-usaha", "to members by their harvest income"),
        ("jasa-modal", "to members by their pokok + wajib savings"),
        ("education", "to the education fund"),
        ("social", "to the social fund"),
    ):
        p.add_argument(f"--{name}", metavar="P", help=f"percent of the SHU {what}")
    p.set_defaults(handler=_run_record, op="close")

    p = command(
        sub,
        "reopen",
        "reopen a closed year: undo its close so that entries dated in it are accepted again",
        "kerang reopen 2015 --reason 'late receipt NOTA-77'",
    )
    p.add_argument("year", metavar="YEAR")
    p.add_argument("--reason", required=True)
    p.add_argument("--date", help="the day of the reopen (default today)")
    p.set_defaults(handler=_run_record, op="reopen")

    report = sub.add_parser("report", help="the cooperative's financial statements").add_subparsers(
        dest="action", parser_class=_Parser
    )
    p = command(
        report,
        "position",
        "statement of financial position (laporan posisi keuangan, SAK EP)",
        "kerang report position --as-of 2015-12-31",
    )
    p.add_argument("--as-of", type=_date_arg)
    p.set_defaults(handler=_run_statements, statement="position")
    p = command(
        report,
        "income",
        "income statement for a period (perhitungan hasil usaha)",
        "kerang report income --from 2015-01-01 --to 2015-12-31",
    )
    p.add_argument("--from", dest="first", required=True, type=_named_date("from"))
    p.add_argument("--to", dest="last", required=True, type=_named_date("to"))
    p.set_defaults(handler=_run_statements, statement="income")
    p = command(
        report,
        "infaq",
        "changes in the infaq fund (PSAK 109), apart from commercial results",
        "kerang report infaq --from 2015-01-01 --to 2015-12-31",
    )
    p.add_argument("--from", dest="first", type=_named_date("from"))
    p.add_argument("--to", dest="last", type=_named_date("to"))
    p.set_defaults(handler=_run_statements, statement="infaq")
    p = command(report, "shu", "a year's SHU per fund and per member", "kerang report shu 2015")
    p.add_argument("year", metavar="YEAR")
    p.add_argument("--bylaws", help="bylaws for the preview of a year not yet closed")
    p.set_defaults(handler=_run_statements, statement="shu")
    # >>> report pack
    p = command(
        report,
        "pack",
        "one shareable HTML report: summary, balance, audit, passbooks, infaq, SHU, forecast, SLIA",
        "kerang report pack --out laporan-2019.html --as-of 2019-01-31 --lang id",
    )
    p.add_argument("--out", required=True, metavar="FILE.html", help="the HTML file to write")
    p.add_argument(
        "--as-of", type=_date_arg, help="the books as of this date (default: the last entry)"
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
    p.set_defaults(handler=_run_pack)
    # <<< report pack


def _run_pack(args: argparse.Namespace) -> int:
    from ledger import pack
    from ledger.files import guard_output

    guard_output(args.out, db=_db(args))  # refused before the forecast runs
    built = pack.build(
        _db(args), args.as_of, survey=args.survey, members=tuple(args.member), runs=args.runs
    )
    path = pack.write(built, args.out, db=_db(args))
    if args.json:
        _emit_json({"out": str(path), "as_of": built.as_of.isoformat(), "head": built.audit.head})
    else:
        _console(args).print(
            tr("wrote {out}: the books as of {as_of}", out=path, as_of=built.as_of)
        )
    return EXIT_OK


def _named_date(field: str):
    def parse(text: str):
        from ledger.money import parse_date

        return parse_date(text, field)

    return parse


def _run_statements(args: argparse.Namespace) -> int:
    from ledger import report, statements
    from ledger.app import _year, open_ledger

    app = open_ledger(_db(args))
    if args.statement == "position":
        result, render = statements.position(app, args.as_of), report.render_position
    elif args.statement == "income":
        result = statements.income(app, args.first, args.last)
        render = report.render_income
    elif args.statement == "infaq":
        result, render = statements.infaq(app, args.first, args.last), report.render_infaq
    else:
        result = statements.shu(app, _year(args.year), args.bylaws)
        render = report.render_shu
    if args.json:
        _emit_json(result.as_json())
    else:
        render(_console(args), result)
    return EXIT_OK


# <<< ledger


# >>> forecast (simulation/)
def _forecast_options(p: argparse.ArgumentParser, suppress: bool) -> None:
    # On the compare/sensitivity subparsers defaults are suppressed, so options
    # given before the subcommand are not overwritten by the subparser's defaults.
    d = (lambda v: argparse.SUPPRESS) if suppress else (lambda v: v)
    p.add_argument("--years", type=int, default=d(10), help="horizon in years (default 10)")
    p.add_argument("--runs", type=int, default=d(2000), help="replications (default 2000)")
    p.add_argument("--seed", type=int, default=d(2019), help="random seed (default 2019)")
    p.add_argument(
        "--engine",
        choices=("fast", "simpy"),
        default=d("fast"),
        help="fast (numpy, default) or simpy (the reference model)",
    )
    p.add_argument(
        "--workers",
        type=int,
        default=d(1),
        help="processes (results do not depend on it)",
    )
    p.add_argument(
        "--from-ledger",
        action="store_true",
        default=d(False),
        help="start from the books in --db and calibrate from its harvests",
    )
    p.add_argument(
        "--as-of",
        type=_date_arg,
        default=d(None),
        help="with --from-ledger: start from the books as of this date (default: as they stand)",
    )
    p.add_argument(
        "--db",
        default=d(None),
        help="ledger for --from-ledger (default $KERANG_DB, else ./kerang.db)",
    )
    p.add_argument(
        "--json",
        action="store_true",
        default=d(False),
        help="print exactly one JSON document",
    )


def _add_forecast_parsers(sub: Any) -> None:
    p = sub.add_parser(
        "forecast",
        help="forecast bagan, savings fund and member income",
        description="Forecast the number of bagan, the harvest savings fund and member income "
        "by Monte Carlo simulation, from a scenario or from the books (--from-ledger).",
        epilog="example: kerang forecast --years 10 --from-ledger --db demo.db --target-bagan 120",
    )
    _forecast_options(p, suppress=False)
    p.add_argument("--scenario", help="scenario TOML file (see --print-scenario)")
    p.add_argument("--target-bagan", type=int, help="report the probability of reaching N bagan")
    p.add_argument("--plot", help="also draw the fan charts to FILE.png or FILE.svg")
    p.add_argument(
        "--print-scenario",
        action="store_true",
        help="print the default scenario as TOML",
    )
    p.set_defaults(handler=_forecast)
    kinds = p.add_subparsers(dest="forecast_command", parser_class=_Parser)
    c = kinds.add_parser(
        "compare",
        help="scenario B against A on common random numbers",
        description="Compare scenario B against scenario A on common random numbers.",
        epilog="example: kerang forecast compare base.toml more-bagan.toml --years 10",
    )
    c.add_argument("a", metavar="A.toml")
    c.add_argument("b", metavar="B.toml")
    _forecast_options(c, suppress=True)
    c.set_defaults(handler=_forecast_compare)
    s = kinds.add_parser(
        "sensitivity",
        help="tornado of the main parameters",
        description="How much each main parameter moves the forecast (a tornado chart).",
        epilog="example: kerang forecast sensitivity --scenario base.toml --runs 500",
    )
    s.add_argument("--scenario", default=argparse.SUPPRESS, help="scenario TOML file")
    _forecast_options(s, suppress=True)
    s.set_defaults(handler=_forecast_sensitivity)
    b = kinds.add_parser(
        "backtest",
        help="forecast from the books at one date and compare with the books at a later one",
        description="Start from the books as they stood on --from, forecast to --to and "
        "compare with what the books recorded by then: recorded value, median, 80 % band.",
        epilog="example: kerang forecast backtest --from 2017-01-01 --to 2019-01-31 --db demo.db",
    )
    b.add_argument("--from", dest="first", type=_date_arg, required=True, help="start date")
    b.add_argument("--to", dest="last", type=_date_arg, required=True, help="end date")
    b.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="replace a calibrated parameter, e.g. bagan.life_years=1 (repeatable)",
    )
    b.add_argument("--scenario", default=argparse.SUPPRESS, help="scenario TOML file")
    _forecast_options(b, suppress=True)
    b.set_defaults(handler=_forecast_backtest)


def _forecast_common(args: argparse.Namespace) -> dict:
    return {
        "years": args.years,
        "runs": args.runs,
        "seed": args.seed,
        "engine": args.engine,
        "workers": args.workers,
        "books": _books_as_of(args),
    }


def _books_as_of(args: argparse.Namespace) -> Any:
    """The books for --from-ledger, as they stand or at --as-of: the forecast
    reads the ledger only through its read API."""
    if not args.from_ledger:
        return None
    import ledger

    books = ledger.read_books(_db(args), args.as_of)
    if args.as_of is not None:
        return books
    # >>> stale books: start where the books end, not from a stretch of nothing
    import datetime as dt

    import simulation

    last = _last_entry(books)
    cycle = simulation.load_scenario(getattr(args, "scenario", None)).harvest_cycle_months
    if last is not None and books.as_of > last + dt.timedelta(days=round(30.44 * cycle)):
        args.stale_note = tr(
            "The books' last entry is {last}, more than a harvest interval ({months} months) "
            "before {today}: the forecast starts from {last}.",
            last=last,
            months=cycle,
            today=books.as_of,
        )
        books = ledger.read_books(_db(args), last)
    # <<< stale books
    return books


def _last_entry(books: Any) -> Any:
    """The date of the books' last recorded entry (None for empty books)."""
    dates = [
        *(h.date for h in books.harvests),
        *(m.date for m in books.movements),
        *(m.joined for m in books.members),
        *(b.added for b in books.bagan),
    ]
    return max(dates, default=None)


def _forecast(args: argparse.Namespace) -> int:
    import simulation
    from simulation import report

    if args.print_scenario:
        text = simulation.scenario_toml(simulation.load_scenario(args.scenario))
        if args.json:  # the same scenario as one JSON document
            import tomllib

            _emit_json(tomllib.loads(text))
        else:
            sys.stdout.write(text)
        return EXIT_OK
    if args.plot:  # a chart that cannot be written is refused before the simulation
        from ledger.charts import chart_target

        chart_target(args.plot, db=_db(args))
    with report.progress_bar(not args.json and sys.stderr.isatty()) as progress:
        forecast = simulation.run_forecast(
            args.scenario,
            target=args.target_bagan,
            progress=progress,
            **_forecast_common(args),
        )
    if args.plot:
        from simulation.plot import save_fan_charts

        save_fan_charts(forecast, args.plot)
    note = getattr(args, "stale_note", None)
    if args.json:
        _emit_json(forecast.as_json())
        if note:
            sys.stderr.write(f"kerang: {note}\n")
    else:
        console = _console(args)
        if note:
            console.print(tr("[yellow]note[/]: {note}", note=note))
        report.render_forecast(forecast, console)
    return EXIT_OK


def _forecast_compare(args: argparse.Namespace) -> int:
    import simulation
    from simulation import report

    with report.progress_bar(not args.json and sys.stderr.isatty()) as progress:
        comparison = simulation.compare(args.a, args.b, progress=progress, **_forecast_common(args))
    if args.json:
        _emit_json(comparison.as_json())
    else:
        report.render_comparison(comparison, _console(args))
    return EXIT_OK


def _forecast_sensitivity(args: argparse.Namespace) -> int:
    import simulation
    from simulation import report

    with report.progress_bar(not args.json and sys.stderr.isatty()) as progress:
        tornado = simulation.sensitivity(
            getattr(args, "scenario", None), progress=progress, **_forecast_common(args)
        )
    if args.json:
        _emit_json(tornado.as_json())
    else:
        report.render_tornado(tornado, _console(args))
    return EXIT_OK


def _forecast_backtest(args: argparse.Namespace) -> int:
    import ledger
    from simulation import report
    from simulation.backtest import backtest

    overrides = {}
    for item in args.set:
        key, sep, value = item.partition("=")
        try:
            overrides[key.strip()] = float(value) if sep else None
        except ValueError:
            overrides[key.strip()] = None
        if overrides[key.strip()] is None:
            raise UsageError("set", msg("--set {item!r} must be KEY=NUMBER.", item=item))
    db = _db(args)
    result = backtest(
        ledger.read_books(db, args.first),
        ledger.read_books(db, args.last),
        getattr(args, "scenario", None),
        runs=getattr(args, "runs", 2000),
        seed=getattr(args, "seed", 2019),
        overrides=overrides,
    )
    if getattr(args, "json", False):
        _emit_json(result.as_json())
    else:
        report.render_backtest(result, _console(args))
    return EXIT_OK


# <<< forecast


# >>> assess (assessment/)
def _add_assess_parsers(sub: Any) -> None:
    p = sub.add_parser(
        "assess",
        help="SLIA impact assessment: five capitals before and after",
        description=(
            "Score the five SLIA capitals (natural, physical, human, financial, social) "
            "before and after from a survey CSV (capital,indicator,before,after "
            "[,respondent][,change]); with --from-ledger also measure the financial "
            "indicators from the ledger. Exit 2 when the survey has errors; with --json "
            'the document then lists them all in "errors" and carries "error".'
        ),
        epilog="example: kerang assess --survey survey.csv --from-ledger --db demo.db "
        "--before 2015-01-01..2015-12-31 --after 2018-01-01..2018-12-31",
    )
    p.add_argument("--survey", required=True, metavar="FILE.csv", help="the survey scores")
    p.add_argument(
        "--scale-max", default="5", metavar="N", help="top of the score scale (default 5)"
    )
    p.add_argument(
        "--from-ledger",
        action="store_true",
        help="measure the financial indicators from the ledger (needs --before and --after)",
    )
    p.add_argument(
        "--before", metavar="FROM..TO", help="the period before, e.g. 2015-01-01..2015-12-31"
    )
    p.add_argument(
        "--after", metavar="FROM..TO", help="the period after, e.g. 2016-01-01..2016-12-31"
    )
    p.add_argument(
        "--rubric", metavar="FILE.toml", help="override the rubric (assessment/data/rubric.toml)"
    )
    p.add_argument("--wages", metavar="FILE.csv", help="minimum wage by year (columns year,umk)")
    p.add_argument(
        "--respondents",
        type=int,
        metavar="N",
        help="a table of indicator means over N respondents: average the unrounded k/N scores "
        "(as a report that rounded only its printed scores did)",
    )
    p.add_argument("--plot", metavar="FILE.png|svg", help="also draw the pentagon chart to a file")
    _common(p)
    p.set_defaults(handler=_cmd_assess)


def _books_reader(db: str) -> Callable[[Any], Any]:
    """The ledger's read API as a function of the date (assessment reads only that)."""
    from pathlib import Path

    import ledger

    if "://" not in db and not Path(db).exists():
        raise UsageError("db", msg("--db {db!r}: there is no ledger there.", db=db))
    return lambda as_of: ledger.read_books(db, as_of)


def _cmd_assess(args: argparse.Namespace) -> int:
    import assessment

    if args.from_ledger and not (args.before and args.after):
        raise UsageError(
            "before",
            msg("kerang assess: --from-ledger needs --before FROM..TO and --after FROM..TO."),
        )
    if (args.before or args.after) and not args.from_ledger:
        raise UsageError(
            "before", msg("kerang assess: --before and --after go with --from-ledger.")
        )
    result = assessment.assess_survey(
        args.survey,
        scale_max=args.scale_max,
        # the ledger is read for --from-ledger, or for its stories when --db is named
        books=_books_reader(_db(args)) if args.from_ledger or args.db else None,
        from_ledger=args.from_ledger,
        before=args.before,
        after=args.after,
        rubric=args.rubric,
        wages=args.wages,
        respondents=args.respondents,
    )
    if result.errors:
        first = result.errors[0]
        more = len(result.errors) - 1
        from ledger.i18n import localise, tr

        message = localise(first.message)
        if more == 1:
            message += tr(" (and 1 more error; --json lists them all)")
        elif more:
            message += tr(" (and {more} more errors; --json lists them all)", more=more)
        sys.stderr.write(f"kerang: {message}\n")
        if args.json:
            _emit_json({"error": {"code": first.code, "message": message}, **result.as_json()})
        return EXIT_REFUSED
    if args.plot:
        from assessment.plot import save_pentagon

        save_pentagon(result, args.plot)
    if args.json:
        _emit_json(result.as_json())
    else:
        from assessment.report import render

        render(result, _console(args))
    return EXIT_OK


# <<< assess


# >>> demo (ledger/demo/)
def _add_demo_parsers(sub: Any) -> None:
    from ledger.demo import DEFAULT_SEED

    p = sub.add_parser(
        "demo",
        help="build the Serang demo ledger and print its reports",
        description="Build a ledger of the Serang programme from a seeded generator (50 "
        "members, 36 partners, 90 bagan, harvests 2015 to early 2019, savings, infaq, loans, "
        "repairs, corrections), then print its summary as of 2019-01-31, the audit, a member "
        "statement, a 10-year forecast from the books and an SLIA assessment, and draw the "
        "forecast fan chart and the SLIA pentagon into --out. An existing --db is refused "
        "unless it is this demo ledger (then nothing is recorded twice).",
        epilog="example: kerang demo --db demo.db --out demo-out",
    )
    _common(p)
    p.add_argument("--out", default="demo-out", help="folder for the charts (default demo-out)")
    p.add_argument(
        "--seed", type=int, default=DEFAULT_SEED, help=f"generator seed (default {DEFAULT_SEED})"
    )
    p.add_argument("--runs", type=int, default=2000, help="forecast replications (default 2000)")
    p.set_defaults(handler=_run_demo)


def _run_demo(args: argparse.Namespace) -> int:
    from pathlib import Path

    import assessment
    import ledger
    import simulation
    from assessment.plot import save_pentagon
    from ledger import demo
    from ledger.report import render_audit, render_import, render_statement, render_summary
    from simulation import report as forecast_report
    from simulation.plot import save_fan_charts

    db, out, as_of = _db(args), Path(args.out), demo.CUTOFF
    progress = None if args.json or not sys.stderr.isatty() else _bar("building the demo ledger")
    built = demo.build_ledger(db, args.seed, progress)
    summary = ledger.summary(db, as_of)
    audit = ledger.audit_ledger(db)
    statement = ledger.statement(db, demo.STATEMENT_MEMBER, as_of)
    with forecast_report.progress_bar(not args.json and sys.stderr.isatty()) as progress:
        forecast = simulation.run_forecast(
            years=10,
            runs=args.runs,
            seed=args.seed,
            target=demo.TARGET_BAGAN,
            books=ledger.read_books(db, as_of),
            progress=progress,
        )
    slia = assessment.assess_survey(
        Path(assessment.__file__).parent / "data" / "demo_survey.csv",
        books=_books_reader(db),
        from_ledger=True,
        before=demo.BEFORE,
        after=demo.AFTER,
    )
    # >>> demo charts: drawn when matplotlib (the plot extra) is there, else named as skipped
    from ledger.charts import INSTALL, have_matplotlib

    wanted = [out / "forecast-fan.png", out / "slia-radar.png"]
    charts: list[str] = []
    skipped: list[str] = []
    if have_matplotlib():
        out.mkdir(parents=True, exist_ok=True)
        charts = [
            str(save_fan_charts(forecast, wanted[0])),
            str(save_pentagon(slia, wanted[1])),
        ]
    else:
        skipped = [str(w) for w in wanted]
    # <<< demo charts
    if args.json:
        _emit_json(
            {
                "ledger": built.as_json(),
                "summary": summary.as_json(),
                "audit": audit.as_json(),
                "statement": statement.as_json(),
                "forecast": forecast.as_json(),
                "assessment": slia.as_json(),
                "charts": charts,
                "charts_skipped": skipped,
            }
        )
    else:
        console = _console(args)
        render_import(console, built)
        render_summary(console, summary)
        render_audit(console, audit)
        render_statement(console, statement)
        forecast_report.render_forecast(forecast, console)
        from assessment.report import render

        render(slia, console)
        if charts:
            console.print(tr("charts: {charts}", charts=", ".join(charts)))
        if skipped:
            from rich.markup import escape

            console.print(
                tr(
                    "charts skipped (matplotlib is not installed): {charts}; to draw them: "
                    "{install}",
                    charts=escape(", ".join(skipped)),
                    install=escape(INSTALL),
                )
            )
    return EXIT_OK if audit.ok else EXIT_CHECK_FAILED


# <<< demo


def _take_lang(argv: list[str]) -> tuple[list[str], str | None]:
    """Remove the global ``--lang X`` / ``--lang=X`` wherever it stands on the command line."""
    rest: list[str] = []
    lang: str | None = None
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            rest += argv[i:]
            break
        if arg == "--lang":
            if i + 1 >= len(argv):
                raise UsageError("lang", msg("kerang: --lang needs a language: en or id."))
            lang, i = argv[i + 1], i + 2
            continue
        if arg.startswith("--lang="):
            lang, i = arg.split("=", 1)[1], i + 1
            continue
        rest.append(arg)
        i += 1
    if lang is not None and lang.strip().lower() not in i18n.LANGUAGES:
        raise UsageError("lang", msg("kerang: --lang must be en or id, not {lang!r}.", lang=lang))
    return rest, lang


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    want_json = "--json" in argv
    # >>> boundary: every failure becomes one sentence and an exit code; no traceback
    new_ledger = _new_ledger_file(argv)
    try:
        status = _main(argv)
    except SystemExit as stop:  # --help
        status = stop.code if isinstance(stop.code, int) else EXIT_REFUSED
    except KeyboardInterrupt:
        sys.stderr.write(tr("kerang: interrupted; nothing more was written.") + "\n")
        status = 130
    except Exception as error:  # noqa: BLE001 - the one place errors become sentences
        from ledger.boundary import explain

        code, message, status = explain(error, argv)
        sys.stderr.write(tr("kerang: {message}", message=message) + "\n")
        if want_json:
            _emit_json({"error": {"code": code, "message": message}})
    if status != EXIT_OK and new_ledger:
        from ledger.boundary import remove_if_empty

        remove_if_empty(new_ledger)  # a refused command leaves no new file behind
    return status


def _new_ledger_file(argv: list[str]) -> str | None:
    """The SQLite file the command names, when it does not exist yet."""
    db = os.environ.get("KERANG_DB") or "kerang.db"
    for i, arg in enumerate(argv):
        if arg == "--db" and i + 1 < len(argv):
            db = argv[i + 1]
        elif arg.startswith("--db="):
            db = arg.split("=", 1)[1]
    if "://" in db or os.path.lexists(db):
        return None
    return db


# <<< boundary


def _main(argv: list[str]) -> int:
    i18n.set_language(None)
    argv, lang = _take_lang(argv)
    i18n.set_language(lang)
    i18n.translate_argparse()
    parser = build_parser()
    if not argv:
        sys.stdout.write(_guide())
        return EXIT_OK
    args = parser.parse_args(argv)
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        _subparser(parser, argv).print_help()
        return EXIT_OK
    return handler(args)


def _refuse(code: str, message: str, want_json: bool) -> int:
    sys.stderr.write(tr("kerang: {message}", message=message) + "\n")
    if want_json:
        _emit_json({"error": {"code": code, "message": message}})
    return EXIT_REFUSED


if __name__ == "__main__":
    sys.exit(main())
