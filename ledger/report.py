"""Rich rendering of the ledger's reports (kept apart from the arithmetic)."""

from __future__ import annotations

from typing import Any

from rich import box
from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from ledger.audit import MAX_SHOWN, AuditReport
from ledger.domain import SAVINGS_KINDS
from ledger.figures import points as format_percent
from ledger.figures import rupiah as format_rupiah
from ledger.i18n import localise, tr
from ledger.layout import fit
from ledger.queries import MemberStatement, Summary, TrialBalance
from ledger.services import Outcome
from ledger.split import SHARES
from ledger.text import display, shown
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


ACCOUNT_LABELS = {
    "Assets:Cash:Operating": "Cash",
    "Assets:Cash:Infaq": "Infaq cash (kept apart)",
    "Assets:Receivable:Loans": "Loans to members (qardh)",
    "Assets:Fixed:Bagan": "Bagan (fixed assets)",
    "Liabilities:Savings:Pokok": "Simpanan pokok (membership deposits)",
    "Liabilities:Savings:Wajib": "Simpanan wajib (compulsory savings)",
    "Liabilities:Savings:Sukarela": "Simpanan sukarela (voluntary savings)",
    "Liabilities:Savings:Harvest": "Harvest savings (tabungan panen)",
    "Liabilities:Funds:Infaq": "Infaq fund",
    "Liabilities:Funds:Education": "Education fund",
    "Liabilities:Funds:Social": "Social fund",
    "Liabilities:SHU:Members": "Members' SHU not yet paid",
    "Equity:Grants:Programme": "Programme grants (donated capital)",
    "Equity:Reserve": "Reserve (cadangan)",
    "Income:Harvest:Sales": "Harvest sales",
    "Income:Cooperative:Other": "Other income",
    "Expenses:Harvest:Costs": "Harvest costs",
    "Expenses:Harvest:ManagerShare": "Managers' share (jasa pengelola)",
    "Expenses:Harvest:PartnerShare": "Partners' share (pendapatan mitra)",
    "Expenses:Harvest:SavingsShare": "Harvest savings share",
    "Expenses:Cooperative:Operating": "Operating expenses",
    "Expenses:Peeling:Wages": "Peeling wages (rumah kupas)",
}
CHECK_LABELS = {
    "chain": "chain",
    "schema": "schema",
    "sequence": "sequence",
    "harvest-split": "harvest-split",
    "partner-charges": "partner-charges",
    "double-entry": "double-entry",
    "no-negative-balance": "no-negative-balance",
    "infaq-apart": "infaq-apart",
    "reversals": "reversals",
    "closed-periods": "closed-periods",
    "shu": "shu",
    "read-models": "read-models",
}


def account_label(account: str) -> Text:
    """An account's name in the chosen language, then its code (as the JSON names it)."""
    label = ACCOUNT_LABELS.get(account)
    if label is None and account.startswith("Equity:SHU:"):
        label = tr("SHU {year} (a loss held)", year=account.rsplit(":", 1)[1])
    text = Text(tr(label) if label in ACCOUNT_LABELS.values() else (label or ""))
    if text.plain:
        text.append(" — ")  # the code follows on the same line when there is room
    text.append(account, style="dim")
    return text


def check_label(name: str) -> str:
    """An audit check's name in the chosen language (its JSON name in English)."""
    label = CHECK_LABELS.get(name)
    return tr(label) if label else name


def _money_table(title: str | None = None) -> Table:
    table = Table(title=title, title_justify="left", show_edge=True, expand=False)
    table.add_column("", style="bold")
    table.add_column(tr("Rupiah"), justify="right", no_wrap=True)
    return table


def render_outcome(console: Console, outcome: Outcome) -> None:
    mark = "[green]✓[/]" if outcome.recorded else "[yellow]=[/]"
    what, detail = (outcome.op, shown(outcome.key)), shown(localise(outcome.detail))
    if not outcome.recorded:
        text = tr("{op} {key}: already recorded.", op=what[0], key=what[1])
    elif detail:
        text = tr("{op} {key}: recorded: {detail}.", op=what[0], key=what[1], detail=detail)
    else:
        text = tr("{op} {key}: recorded.", op=what[0], key=what[1])
    console.print(f"{mark} {text}")


def render_summary(console: Console, s: Summary) -> None:
    head = Table.grid(padding=(0, 2))
    head.add_column(no_wrap=True)
    head.add_column()
    head.add_row(tr("Cooperative"), shown(s.name))
    head.add_row(tr("As of"), s.as_of.isoformat())
    head.add_row(tr("Members"), str(s.members))
    head.add_row(tr("Bagan"), str(s.bagan))
    head.add_row(tr("Harvests"), str(s.harvests))

    harvest = _money_table(tr("Harvests"))
    harvest.add_row(tr("Gross proceeds"), format_rupiah(s.gross))
    harvest.add_row(tr("Harvest costs"), format_rupiah(s.costs))
    harvest.add_row(tr("Net proceeds"), format_rupiah(s.net))
    for k in SHARES:
        harvest.add_row(f"  {tr(SHARE_LABELS[k])}", format_rupiah(s.shares[k]))

    funds = _money_table(tr("Savings and funds"))
    for k in SAVINGS_KINDS:
        funds.add_row(tr(SAVINGS_LABELS[k]), format_rupiah(s.savings[k]))
    funds.add_row(tr("Infaq fund (kept apart)"), format_rupiah(s.infaq_fund))
    funds.add_row(tr("Loans outstanding"), format_rupiah(s.loans_outstanding))
    console.print(
        Panel(
            Group(head, Text(""), fit(harvest), Text(""), fit(funds)),
            title=tr("Summary"),
            expand=False,
        )
    )


BOOK_LABELS = {
    "savings.pokok": "Simpanan pokok (membership deposit)",
    "savings.wajib": "Simpanan wajib (compulsory savings)",
    "savings.sukarela": "Simpanan sukarela (voluntary savings)",
    "savings.harvest": "Tabungan panen (harvest savings)",
    "loan": "Pinjaman (qardh loan owed)",
    "income": "Income from harvests (pendapatan mitra)",
    "infaq": "Infaq given",
}
KIND_LABELS = {
    "savings.deposit": "deposit",
    "savings.withdraw": "withdrawal",
    "harvest": "harvest share",
    "repair": "bagan repair",
    "loan.disburse": "loan disbursed",
    "loan.repay": "loan repayment",
    "infaq.receive": "infaq",
    "member.leave": "settled on leaving",
    "close": "year-end close",
    "reopen": "close undone",
}


def kind_label(kind: str) -> str:
    """What a transaction is, in the chosen language (its op name when unknown)."""
    label = KIND_LABELS.get(kind)
    return tr(label) if label else kind


def _signed(amount: int) -> str:
    return ("+" if amount > 0 else "") + format_rupiah(amount)


def _passbook_table(book: Any, first: Any, last: Any) -> Table:
    table = Table(
        title=tr(BOOK_LABELS[book.key]),
        title_justify="left",
        title_style="bold",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
    )
    table.add_column(tr("Date"), no_wrap=True)
    table.add_column(tr("Description"))
    table.add_column(tr("Amount"), justify="right", no_wrap=True)
    table.add_column(tr("Balance"), justify="right", no_wrap=True)
    table.add_row(first.isoformat(), tr("opening balance"), "", format_rupiah(book.opening))
    for line in book.lines:
        what = Text(kind_label(line.kind))
        if line.reverses:
            what = Text(
                tr("correction: reverses {ref}", ref=display(line.reverses)), style="yellow"
            )
        what.append(" " + display(line.ref), style="dim")
        if line.notes:  # the transaction's keterangan, under its kind
            what.append("\n" + display(line.notes), style="italic")
        if line.reversed_by:
            what.append(
                "\n" + tr("reversed by {ref}", ref=display(line.reversed_by)), style="yellow"
            )
        table.add_row(
            line.date.isoformat(), what, _signed(line.amount), format_rupiah(line.balance)
        )
    table.add_row(
        last.isoformat(), tr("closing balance"), "", format_rupiah(book.closing), style="bold"
    )
    return table


def render_statement(console: Console, ms: MemberStatement) -> None:
    st = ms.statement
    head = Table.grid(padding=(0, 2))
    head.add_column(no_wrap=True)
    head.add_column()
    head.add_row(tr("Member"), f"{shown(st.member)} — {shown(ms.name)}")
    status = tr("joined {joined}", joined=ms.joined) + (
        tr(", left {left}", left=ms.left) if ms.left else ""
    )
    head.add_row(tr("Status"), status)
    head.add_row(tr("Bagan"), shown(", ".join(ms.bagan)) or "—")
    head.add_row(tr("As of"), st.as_of.isoformat())

    balances = _money_table(tr("Balances"))
    balances.add_row(tr("Income from harvests"), format_rupiah(st.income))
    for k in SAVINGS_KINDS:
        balances.add_row(
            tr("Savings: {kind}", kind=tr(SAVINGS_LABELS[k])), format_rupiah(st.savings[k])
        )
    balances.add_row(tr("Loan outstanding"), format_rupiah(st.loan_outstanding))
    balances.add_row(tr("Infaq given"), format_rupiah(st.infaq_given))
    if st.peeling_wages:  # her own income from the peeling house
        balances.add_row(tr("Peeling wages"), format_rupiah(st.peeling_wages))
    console.print(
        Panel(Group(head, Text(""), fit(balances)), title=tr("Member statement"), expand=False)
    )
    book = ms.passbook
    if book is None:
        return
    console.print()
    console.print(
        tr(
            "[bold]Passbook[/] {first} – {last} (a deposit adds, a withdrawal subtracts)",
            first=book.first,
            last=book.last,
        )
    )
    quiet = []
    for b in book.books:
        if not b.lines:
            quiet.append(b)
            continue
        console.print()
        console.print(fit(_passbook_table(b, book.first, book.last)))
    if quiet:
        console.print()
        console.print(tr("No entries in this period:"))
        for b in quiet:
            console.print(f"  {tr(BOOK_LABELS[b.key])}: {format_rupiah(b.closing)}")


def render_balance(console: Console, tb: TrialBalance) -> None:
    table = Table(
        title=tr("Trial balance as of {as_of} (debits +, credits −)", as_of=tb.as_of),
        title_justify="left",
    )
    table.add_column(tr("Account"))
    table.add_column(tr("Debit"), justify="right", no_wrap=True)
    table.add_column(tr("Credit"), justify="right", no_wrap=True)
    debit = credit = 0
    for account, amount in tb.accounts.items():
        name = account_label(account)
        if amount >= 0:
            debit += amount
            table.add_row(name, format_rupiah(amount), "")
        else:
            credit -= amount
            table.add_row(name, "", format_rupiah(-amount))
    table.add_section()
    table.add_row(tr("Total"), format_rupiah(debit), format_rupiah(credit), style="bold")
    console.print(fit(table))
    verdict = (
        tr("[green]balanced[/]")
        if tb.total == 0
        else tr("[red]OUT OF BALANCE by {total}[/]", total=format_rupiah(tb.total))
    )
    console.print(
        tr("Debits − credits = {total}: {verdict}", total=format_rupiah(tb.total), verdict=verdict)
    )


def render_import(console: Console, result: ImportResult) -> None:
    verb = tr("would record") if result.checked_only else tr("recorded")
    console.print(
        tr(
            "{file}: {lines} lines; {verb} {recorded}, already recorded {already}",
            file=result.file,
            lines=result.lines,
            verb=verb,
            recorded=result.recorded,
            already=result.already_recorded,
        )
        + (tr(" (check only: nothing written)") if result.checked_only else "")
        + (
            tr("; read as {encoding}", encoding=result.encoding)
            if result.encoding != "utf-8"
            else ""
        )
    )


def render_audit(console: Console, report: AuditReport) -> None:
    table = Table(
        title=tr("Audit of {events} events", events=report.events)
        + (tr(" as of {as_of}", as_of=report.as_of) if report.as_of else ""),
        title_justify="left",
    )
    table.add_column(tr("Check"))
    table.add_column("", no_wrap=True)
    table.add_column(tr("Detail"))
    for check in report.checks:
        table.add_row(
            check_label(check.name),
            tr("[green]ok[/]") if check.ok else tr("[red]FAIL[/]"),
            _check_detail(check),
        )
    console.print(fit(table))
    # a digest is one word longer than a narrow terminal: printed whole, never folded
    console.print(tr("head {head}", head=report.head), soft_wrap=True)
    console.print(
        tr("[green]The books hold.[/]")
        if report.ok
        else tr("[red]The audit failed: see the checks above.[/]")
    )


def _check_detail(check: Any) -> str:
    """What a check says, in the chosen language (its findings are Messages)."""
    if not check.findings:
        return shown(localise(check.detail))
    first = check.findings[:MAX_SHOWN]
    more = len(check.findings) - len(first)
    return "; ".join(shown(localise(f)) for f in first) + (
        tr("; and {more} more", more=more) if more else ""
    )


def render_verify(console: Console, report: VerifyReport) -> None:
    console.print(
        tr(
            "{file}: {lines} lines, {events} events",
            file=report.file,
            lines=report.lines,
            events=report.events,
        )
    )
    console.print(tr("head {head}", head=report.head))
    if report.extends is not None:
        console.print(
            tr("extends the given head")
            if report.extends
            else tr("[red]does not extend the given head[/]")
        )
    if report.lines_after_head is not None:
        console.print(tr("{lines} lines after that head", lines=report.lines_after_head))
    for problem in report.problems:
        console.print(tr("[red]✗[/] {problem}", problem=shown(localise(problem))))
    for note in report.notes:
        console.print(tr("note: {note}", note=shown(localise(note))))
    console.print(
        tr("[green]Every link holds.[/]") if report.ok else tr("[red]Verification failed.[/]")
    )


# ------------------------------------------------------------ financial statements
def _heading(console: Console, name: str, title: str) -> None:
    console.print(f"[bold]{shown(name)}[/]")
    console.print(title)


SUBHEADINGS = {
    ("assets", "cash"): "Aset lancar",
    ("assets", "bagan"): "Aset tidak lancar",
    ("liabilities", "savings_sukarela"): "Liabilitas jangka pendek",
}


def render_position(console: Console, p: Any) -> None:
    """The statement of financial position (``ledger.statements.Position``)."""
    _heading(
        console,
        p.name,
        tr("Laporan posisi keuangan per {as_of} (statement of financial position)", as_of=p.as_of),
    )
    table = Table()
    table.add_column(tr("Pos"))
    table.add_column(tr("Rupiah"), justify="right", no_wrap=True)

    def section(s: Any, total_label: str) -> None:
        table.add_row(s.label.upper(), "", style="bold")
        for line in s.lines:
            if (s.key, line.key) in SUBHEADINGS:
                table.add_row(f"  {tr(SUBHEADINGS[(s.key, line.key)])}", "", style="italic")
            if line.amount or line.key != "other":
                table.add_row(f"    {line.label}", format_rupiah(line.amount))
        table.add_row(total_label, format_rupiah(s.total), style="bold")
        table.add_section()

    section(p.assets, tr("Jumlah aset"))
    section(p.liabilities, tr("Jumlah liabilitas"))
    section(p.infaq, tr("Jumlah dana infaq"))
    section(p.equity, tr("Jumlah ekuitas"))
    table.add_row(
        tr("JUMLAH LIABILITAS, DANA INFAQ DAN EKUITAS"), format_rupiah(p.claims), style="bold"
    )
    console.print(fit(table))
    console.print(
        tr("[green]balanced[/]: assets equal liabilities, infaq fund and equity")
        if p.balanced
        else tr("[red]OUT OF BALANCE by {value}[/]", value=format_rupiah(p.assets.total - p.claims))
    )
    console.print(tr("Pokok and wajib savings are equity: they are not withdrawn while a member."))
    console.print(tr("The infaq fund is kept apart from commercial funds (PSAK 109)."))


def render_income(console: Console, s: Any) -> None:
    """The income statement (``ledger.statements.IncomeStatement``)."""
    _heading(
        console,
        s.name,
        tr(
            "Perhitungan hasil usaha {first} – {last} (income statement)",
            first=s.first,
            last=s.last,
        ),
    )
    table = Table()
    table.add_column(tr("Pos"))
    table.add_column(tr("Rupiah"), justify="right", no_wrap=True)
    h = s.harvest
    table.add_row(tr("Penjualan hasil panen (harvest sales)"), format_rupiah(h["sales"]))
    table.add_row(tr("  dikurangi biaya panen (harvest costs)"), format_rupiah(-h["costs"]))
    table.add_row(
        tr("  dikurangi jasa pengelola (manager share)"), format_rupiah(-h["manager_share"])
    )
    table.add_row(
        tr("  dikurangi pendapatan mitra (partner share)"), format_rupiah(-h["partner_share"])
    )
    table.add_row(
        tr("  dikurangi dana tabungan panen (savings)"), format_rupiah(-h["savings_share"])
    )
    table.add_row(
        tr("Bagi hasil koperasi (cooperative share)"),
        format_rupiah(h["cooperative_share"]),
        style="bold",
    )
    table.add_section()
    table.add_row(tr("Pendapatan lain (other income)"), format_rupiah(s.other_income))
    table.add_row(
        tr("Beban operasional (operating expenses)"), format_rupiah(-s.operating_expenses)
    )
    if s.other:
        table.add_row(tr("Lain-lain (other)"), format_rupiah(s.other))
    table.add_section()
    table.add_row(tr("SISA HASIL USAHA (SHU)"), format_rupiah(s.shu), style="bold")
    console.print(fit(table))
    console.print(tr("Infaq is not income: it is kept in its own fund ('kerang report infaq')."))


def render_infaq(console: Console, c: Any) -> None:
    """Changes in the infaq fund (``ledger.statements.InfaqChanges``)."""
    _heading(
        console,
        c.name,
        tr("Laporan perubahan dana infaq {first} – {last} (PSAK 109)", first=c.first, last=c.last),
    )
    table = Table()
    table.add_column(tr("Pos"))
    table.add_column(tr("Rupiah"), justify="right", no_wrap=True)
    table.add_row(tr("Saldo awal (opening)"), format_rupiah(c.opening), style="bold")
    table.add_section()
    table.add_row(tr("Penerimaan (received)"), format_rupiah(c.received), style="bold")
    for member, amount in c.by_member.items():
        table.add_row(
            (
                tr("  from member {member}", member=shown(member))
                if member
                else tr("  from the public (non-members)")
            ),
            format_rupiah(amount),
        )
    table.add_section()
    table.add_row(tr("Penyaluran (disbursed)"), format_rupiah(-c.disbursed), style="bold")
    for purpose, amount in c.by_purpose.items():
        table.add_row(f"  {shown(purpose)}", format_rupiah(-amount))
    table.add_section()
    table.add_row(tr("Saldo akhir (closing)"), format_rupiah(c.closing), style="bold")
    console.print(fit(table))


def render_shu(console: Console, r: Any) -> None:
    """A year's SHU per fund and per member (``ledger.statements.ShuReport``)."""
    status = (
        tr("closed on {closed_on}", closed_on=r.closed_on)
        if r.status == "closed"
        else tr("not closed: preview")
    )
    _heading(console, r.name, tr("SHU {year} ({status})", year=r.year, status=status))
    funds = Table()
    funds.add_column(tr("Part"))
    funds.add_column(tr("%"), justify="right", no_wrap=True)
    funds.add_column(tr("Rupiah"), justify="right", no_wrap=True)
    labels = {
        "reserve": "Cadangan (reserve)",
        "jasa_usaha": "Jasa usaha (members, by harvest income)",
        "jasa_modal": "Jasa modal (members, by pokok + wajib)",
        "education": "Dana pendidikan (education)",
        "social": "Dana sosial (social)",
    }
    for k, label in labels.items():
        funds.add_row(tr(label), format_percent(r.bylaws[k]), format_rupiah(r.funds[k]))
    funds.add_section()
    funds.add_row(tr("SHU"), "100", format_rupiah(r.shu), style="bold")
    funds.add_row(tr("  of which to the reserve in all"), "", format_rupiah(r.reserve))
    parts: list[Any] = [fit(funds)]
    if r.members:
        members = Table(title=tr("Per member"), title_justify="left")
        for col in (
            "Member",
            "Harvest income",
            "Pokok + wajib",
            "Jasa usaha",
            "Jasa modal",
            "Total",
        ):
            members.add_column(
                tr(col), justify="left" if col == "Member" else "right", no_wrap=col != "Member"
            )
        for m in r.members:
            members.add_row(
                shown(f"{m.member} {m.name}".strip()),
                format_rupiah(m.harvest_income),
                format_rupiah(m.savings),
                format_rupiah(m.jasa_usaha),
                format_rupiah(m.jasa_modal),
                format_rupiah(m.total),
            )
        members.add_section()
        members.add_row(
            tr("Total"),
            "",
            "",
            format_rupiah(sum(m.jasa_usaha for m in r.members)),
            format_rupiah(sum(m.jasa_modal for m in r.members)),
            format_rupiah(sum(m.total for m in r.members)),
            style="bold",
        )
        parts += [Text(""), fit(members)]
    console.print(Group(*parts))
    for note in r.notes:
        console.print(tr("[yellow]note[/]: {note}", note=localise(note)))
