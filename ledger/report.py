"""Rich rendering of the ledger's reports (kept apart from the arithmetic)."""

from __future__ import annotations

from typing import Any

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from ledger.app import Outcome
from ledger.audit import AuditReport
from ledger.domain import SAVINGS_KINDS
from ledger.money import format_percent, format_rupiah
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
    for note in report.notes:
        console.print(f"note: {note}")
    console.print("[green]Every link holds.[/]" if report.ok else "[red]Verification failed.[/]")


# ------------------------------------------------------------ financial statements
def _heading(console: Console, name: str, title: str) -> None:
    console.print(f"[bold]{name}[/]")
    console.print(title)


SUBHEADINGS = {
    ("assets", "cash"): "Aset lancar",
    ("assets", "bagan"): "Aset tidak lancar",
    ("liabilities", "savings_sukarela"): "Liabilitas jangka pendek",
}


def render_position(console: Console, p: Any) -> None:
    """The statement of financial position (``ledger.statements.Position``)."""
    _heading(
        console, p.name, f"Laporan posisi keuangan per {p.as_of} (statement of financial position)"
    )
    table = Table()
    table.add_column("Pos", no_wrap=True)
    table.add_column("Rupiah", justify="right", no_wrap=True)

    def section(s: Any, total_label: str) -> None:
        table.add_row(s.label.upper(), "", style="bold")
        for line in s.lines:
            if (s.key, line.key) in SUBHEADINGS:
                table.add_row(f"  {SUBHEADINGS[(s.key, line.key)]}", "", style="italic")
            if line.amount or line.key != "other":
                table.add_row(f"    {line.label}", format_rupiah(line.amount))
        table.add_row(total_label, format_rupiah(s.total), style="bold")
        table.add_section()

    section(p.assets, "Jumlah aset")
    section(p.liabilities, "Jumlah liabilitas")
    section(p.infaq, "Jumlah dana infaq")
    section(p.equity, "Jumlah ekuitas")
    table.add_row(
        "JUMLAH LIABILITAS, DANA INFAQ DAN EKUITAS", format_rupiah(p.claims), style="bold"
    )
    console.print(table)
    console.print(
        "[green]balanced[/]: assets equal liabilities, infaq fund and equity"
        if p.balanced
        else f"[red]OUT OF BALANCE by {format_rupiah(p.assets.total - p.claims)}[/]"
    )
    console.print("Pokok and wajib savings are equity: they are not withdrawn while a member.")
    console.print("The infaq fund is kept apart from commercial funds (PSAK 109).")


def render_income(console: Console, s: Any) -> None:
    """The income statement (``ledger.statements.IncomeStatement``)."""
    _heading(console, s.name, f"Perhitungan hasil usaha {s.first} – {s.last} (income statement)")
    table = Table()
    table.add_column("Pos", no_wrap=True)
    table.add_column("Rupiah", justify="right", no_wrap=True)
    h = s.harvest
    table.add_row("Penjualan hasil panen (harvest sales)", format_rupiah(h["sales"]))
    table.add_row("  dikurangi biaya panen (harvest costs)", format_rupiah(-h["costs"]))
    table.add_row("  dikurangi jasa pengelola (manager share)", format_rupiah(-h["manager_share"]))
    table.add_row(
        "  dikurangi pendapatan mitra (partner share)", format_rupiah(-h["partner_share"])
    )
    table.add_row("  dikurangi dana tabungan panen (savings)", format_rupiah(-h["savings_share"]))
    table.add_row(
        "Bagi hasil koperasi (cooperative share)",
        format_rupiah(h["cooperative_share"]),
        style="bold",
    )
    table.add_section()
    table.add_row("Pendapatan lain (other income)", format_rupiah(s.other_income))
    table.add_row("Beban operasional (operating expenses)", format_rupiah(-s.operating_expenses))
    if s.other:
        table.add_row("Lain-lain (other)", format_rupiah(s.other))
    table.add_section()
    table.add_row("SISA HASIL USAHA (SHU)", format_rupiah(s.shu), style="bold")
    console.print(table)
    console.print("Infaq is not income: it is kept in its own fund ('kerang report infaq').")


def render_infaq(console: Console, c: Any) -> None:
    """Changes in the infaq fund (``ledger.statements.InfaqChanges``)."""
    _heading(console, c.name, f"Laporan perubahan dana infaq {c.first} – {c.last} (PSAK 109)")
    table = Table()
    table.add_column("Pos", no_wrap=True)
    table.add_column("Rupiah", justify="right", no_wrap=True)
    table.add_row("Saldo awal (opening)", format_rupiah(c.opening), style="bold")
    table.add_section()
    table.add_row("Penerimaan (received)", format_rupiah(c.received), style="bold")
    for member, amount in c.by_member.items():
        table.add_row(
            f"  dari {'anggota ' + member if member else 'umum (non-members)'}",
            format_rupiah(amount),
        )
    table.add_section()
    table.add_row("Penyaluran (disbursed)", format_rupiah(-c.disbursed), style="bold")
    for purpose, amount in c.by_purpose.items():
        table.add_row(f"  {purpose}", format_rupiah(-amount))
    table.add_section()
    table.add_row("Saldo akhir (closing)", format_rupiah(c.closing), style="bold")
    console.print(table)


def render_shu(console: Console, r: Any) -> None:
    """A year's SHU per fund and per member (``ledger.statements.ShuReport``)."""
    status = f"closed on {r.closed_on}" if r.status == "closed" else "not closed: preview"
    _heading(console, r.name, f"SHU {r.year} ({status})")
    funds = Table()
    funds.add_column("Part", no_wrap=True)
    funds.add_column("%", justify="right", no_wrap=True)
    funds.add_column("Rupiah", justify="right", no_wrap=True)
    labels = {
        "reserve": "Cadangan (reserve)",
        "jasa_usaha": "Jasa usaha (members, by harvest income)",
        "jasa_modal": "Jasa modal (members, by pokok + wajib)",
        "education": "Dana pendidikan (education)",
        "social": "Dana sosial (social)",
    }
    for k, label in labels.items():
        funds.add_row(label, format_percent(r.bylaws[k]), format_rupiah(r.funds[k]))
    funds.add_section()
    funds.add_row("SHU", "100", format_rupiah(r.shu), style="bold")
    funds.add_row("  of which to the reserve in all", "", format_rupiah(r.reserve))
    parts: list[Any] = [funds]
    if r.members:
        members = Table(title="Per member", title_justify="left")
        for col in (
            "Member",
            "Harvest income",
            "Pokok + wajib",
            "Jasa usaha",
            "Jasa modal",
            "Total",
        ):
            members.add_column(col, justify="left" if col == "Member" else "right", no_wrap=True)
        for m in r.members:
            members.add_row(
                f"{m.member} {m.name}".strip(),
                format_rupiah(m.harvest_income),
                format_rupiah(m.savings),
                format_rupiah(m.jasa_usaha),
                format_rupiah(m.jasa_modal),
                format_rupiah(m.total),
            )
        members.add_section()
        members.add_row(
            "Total",
            "",
            "",
            format_rupiah(sum(m.jasa_usaha for m in r.members)),
            format_rupiah(sum(m.jasa_modal for m in r.members)),
            format_rupiah(sum(m.total for m in r.members)),
            style="bold",
        )
        parts += [Text(""), members]
    console.print(Group(*parts))
    for note in r.notes:
        console.print(f"[yellow]note[/]: {note}")
