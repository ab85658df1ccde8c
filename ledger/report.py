"""Rich rendering of the ledger's reports (kept apart from the arithmetic)."""

from __future__ import annotations

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from ledger.app import Outcome
from ledger.audit import AuditReport
from ledger.domain import SAVINGS_KINDS
from ledger.money import format_rupiah
from ledger.queries import MemberStatement, Summary, TrialBalance
from ledger.split import SHARES
from ledger.transfer import ImportResult
from ledger.verify import VerifyReport

SHARE_LABELS = {
    "manager": "Manager (jasa pengelola)",
    "members": "Partners (pendapatan mitra)",
    "savings": "Harvest savings (tabungan panen)",
    "cooperative": "Cooperative (bagi hasil koperasi)",
}
SAVINGS_LABELS = {
    "pokok": "Pokok (membership deposit)",
    "wajib": "Wajib (compulsory)",
    "sukarela": "Sukarela (voluntary)",
    "harvest": "Harvest savings",
}


def _money_table(title: str | None = None) -> Table:
    table = Table(title=title, title_justify="left", show_edge=True, expand=False)
    table.add_column("", style="bold", no_wrap=True)
    table.add_column("Rupiah", justify="right", no_wrap=True)
    return table


def render_outcome(console: Console, outcome: Outcome) -> None:
    mark = "[green]✓[/]" if outcome.recorded else "[yellow]=[/]"
    console.print(f"{mark} {outcome.message}")


def render_summary(console: Console, s: Summary) -> None:
    head = Table.grid(padding=(0, 2))
    head.add_row("Cooperative", s.name)
    head.add_row("As of", s.as_of.isoformat())
    head.add_row("Members", str(s.members))
    head.add_row("Bagan", str(s.bagan))
    head.add_row("Harvests", str(s.harvests))

    harvest = _money_table("Harvests")
    harvest.add_row("Gross proceeds", format_rupiah(s.gross))
    harvest.add_row("Harvest costs", format_rupiah(s.costs))
    harvest.add_row("Net proceeds", format_rupiah(s.net))
    for k in SHARES:
        harvest.add_row(f"  {SHARE_LABELS[k]}", format_rupiah(s.shares[k]))

    funds = _money_table("Savings and funds")
    for k in SAVINGS_KINDS:
        funds.add_row(SAVINGS_LABELS[k], format_rupiah(s.savings[k]))
    funds.add_row("Infaq fund (kept apart)", format_rupiah(s.infaq_fund))
    funds.add_row("Loans outstanding", format_rupiah(s.loans_outstanding))
    console.print(
        Panel(Group(head, Text(""), harvest, Text(""), funds), title="Summary", expand=False)
    )


def render_statement(console: Console, ms: MemberStatement) -> None:
    st = ms.statement
    head = Table.grid(padding=(0, 2))
    head.add_row("Member", f"{st.member} — {ms.name}")
    status = f"joined {ms.joined}" + (f", left {ms.left}" if ms.left else "")
    head.add_row("Status", status)
    head.add_row("Bagan", ", ".join(ms.bagan) or "—")
    head.add_row("As of", st.as_of.isoformat())

    balances = _money_table("Balances")
    balances.add_row("Income from harvests", format_rupiah(st.income))
    for k in SAVINGS_KINDS:
        balances.add_row(f"Savings: {SAVINGS_LABELS[k]}", format_rupiah(st.savings[k]))
    balances.add_row("Loan outstanding", format_rupiah(st.loan_outstanding))
    balances.add_row("Infaq given", format_rupiah(st.infaq_given))

    parts = [head, Text(""), balances]
    if ms.lines:
        lines = Table(title=f"Latest {len(ms.lines)} entries", title_justify="left")
        lines.add_column("Date", no_wrap=True)
        lines.add_column("Ref", no_wrap=True)
        lines.add_column("What", no_wrap=True)
        lines.add_column("Account")
        lines.add_column("Amount", justify="right", no_wrap=True)
        for line in ms.lines:
            lines.add_row(
                line.date.isoformat(), line.ref, line.kind, line.account, format_rupiah(line.amount)
            )
        parts += [Text(""), lines]
    console.print(Panel(Group(*parts), title="Member statement", expand=False))


def render_balance(console: Console, tb: TrialBalance) -> None:
    table = Table(
        title=f"Trial balance as of {tb.as_of} (debits +, credits −)", title_justify="left"
    )
    table.add_column("Account", no_wrap=True)
    table.add_column("Debit", justify="right", no_wrap=True)
    table.add_column("Credit", justify="right", no_wrap=True)
    debit = credit = 0
    for account, amount in tb.accounts.items():
        if amount >= 0:
            debit += amount
            table.add_row(account, format_rupiah(amount), "")
        else:
            credit -= amount
            table.add_row(account, "", format_rupiah(-amount))
    table.add_section()
    table.add_row("Total", format_rupiah(debit), format_rupiah(credit), style="bold")
    console.print(table)
    verdict = (
        "[green]balanced[/]"
        if tb.total == 0
        else f"[red]OUT OF BALANCE by {format_rupiah(tb.total)}[/]"
    )
    console.print(f"Debits − credits = {format_rupiah(tb.total)}: {verdict}")


def render_import(console: Console, result: ImportResult) -> None:
    verb = "would record" if result.checked_only else "recorded"
    console.print(
        f"{result.file}: {result.lines} lines; {verb} {result.recorded}, "
        f"already recorded {result.already_recorded}"
        + (" (check only: nothing written)" if result.checked_only else "")
    )


def render_audit(console: Console, report: AuditReport) -> None:
    table = Table(
        title=f"Audit of {report.events} events"
        + (f" as of {report.as_of}" if report.as_of else ""),
        title_justify="left",
    )
    table.add_column("Check", no_wrap=True)
    table.add_column("", no_wrap=True)
    table.add_column("Detail")
    for check in report.checks:
        table.add_row(check.name, "[green]ok[/]" if check.ok else "[red]FAIL[/]", check.detail)
    console.print(table)
    console.print(f"head {report.head}")
    console.print(
        "[green]The books hold.[/]"
        if report.ok
        else "[red]The audit failed: see the checks above.[/]"
    )


def render_verify(console: Console, report: VerifyReport) -> None:
    console.print(f"{report.file}: {report.lines} lines, {report.events} events")
    console.print(f"head {report.head}")
    if report.extends is not None:
        console.print(
            "extends the given head" if report.extends else "[red]does not extend the given head[/]"
        )
    for problem in report.problems:
        console.print(f"[red]✗[/] {problem}")
    console.print("[green]Every link holds.[/]" if report.ok else "[red]Verification failed.[/]")
