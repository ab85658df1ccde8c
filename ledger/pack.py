"""One shareable report: the books, the audit, the passbooks, the forecast and the SLIA.

``build(db, ...)`` gathers every part (attrs values from each package's small API);
``html(pack)`` writes them as one self-contained HTML document: no script, no font or
image from the network, the charts drawn as inline SVG, a print stylesheet for A4 with
each section on its own page. ``write(pack, out)`` puts it in place through a temporary
file, so a reader never opens half a report.

The forecast and the assessment are read here, above the ledger, through their public
functions; nothing in the ledger's core imports this module.
"""

from __future__ import annotations

import datetime as dt
import html as _html
import math
from pathlib import Path
from typing import Any

import attrs

from ledger import figures
from ledger.i18n import language, localise, tr

DEFAULT_RUNS = 1000
DEFAULT_YEARS = 10
DEFAULT_SEED = 2019


@attrs.frozen
class Pack:
    name: str
    as_of: dt.date
    lang: str
    summary: Any  # ledger.queries.Summary
    balance: Any  # ledger.queries.TrialBalance
    audit: Any  # ledger.audit.AuditReport
    statements: tuple[Any, ...]  # ledger.queries.MemberStatement, each with its passbook
    lines_of: tuple[str, ...]  # members whose passbook is shown line by line
    infaq: Any  # ledger.statements.InfaqChanges
    shu: Any | None  # ledger.statements.ShuReport of the last closed year (or a preview)
    forecast: Any  # simulation.forecast.Forecast
    slia: Any  # assessment.model.Assessment
    survey: str  # the survey file the SLIA scores come from
    survey_is_demo: bool  # no survey was given: the shipped demo survey
    made: dt.date


def build(
    db: str,
    as_of: dt.date | None = None,
    *,
    survey: str | Path | None = None,
    members: tuple[str, ...] = (),
    runs: int = DEFAULT_RUNS,
    years: int = DEFAULT_YEARS,
    seed: int = DEFAULT_SEED,
) -> Pack:
    """Every part of the pack, as of ``as_of`` (default: the last recorded date)."""
    import assessment
    import ledger
    import simulation
    from ledger import statements
    from ledger.app import open_ledger
    from ledger.errors import UnknownMember
    from ledger.i18n import msg
    from ledger.queries import cooperative

    app = open_ledger(db)
    coop = cooperative(app)
    day = as_of or app.read.last_date() or dt.date.today()
    for m in members:
        if m not in coop.members:
            raise UnknownMember("member", msg("{member!r} is not a member.", member=m))
    ids = sorted(m for m, info in coop.members.items() if info["joined"] <= day)
    closed = sorted(y for y in coop.closed if y < day.year or dt.date(y, 12, 31) <= day)
    shu_year = closed[-1] if closed else (day.year - 1 if day.year > coop.started.year else None)
    first = statements.passbook_start(coop.started, day, None, False)
    shipped = Path(assessment.__file__).parent / "data" / "demo_survey.csv"
    survey_path = Path(survey) if survey else shipped
    return Pack(
        name=coop.name,
        as_of=day,
        lang=language(),
        summary=ledger.summary(db, day),
        balance=ledger.balance(db, day),
        audit=ledger.audit_ledger(db),
        statements=tuple(_statement(app, m, day, max(first, _joined(coop, m))) for m in ids),
        lines_of=tuple(members),
        infaq=statements.infaq(app, first, day),
        shu=statements.shu(app, shu_year) if shu_year is not None else None,
        forecast=simulation.run_forecast(
            years=years, runs=runs, seed=seed, books=ledger.read_books(db, day)
        ),
        slia=assessment.assess_survey(survey_path, books=lambda d: ledger.read_books(db, d)),
        survey=str(survey_path if survey else "assessment/data/demo_survey.csv"),
        survey_is_demo=survey is None,
        made=dt.date.today(),
    )


def _joined(coop: Any, member: str) -> dt.date:
    return coop.members[member]["joined"]


def _statement(app: Any, member: str, day: dt.date, first: dt.date) -> Any:
    from ledger import queries, statements

    result = queries.statement(app, member, day)
    return attrs.evolve(result, passbook=statements.passbook(app, member, first, day))


def write(pack: Pack, out: str, db: str | None = None) -> Path:
    """Write the pack to ``out`` through a temporary file renamed into place."""
    from ledger.files import atomic_output, guard_output

    path = guard_output(out, db=db)
    text = html(pack)
    with atomic_output(path) as f:
        f.write(text)
    return path


# ------------------------------------------------------------------ HTML
def _e(value: Any) -> str:
    return _html.escape(str(localise(value)), quote=True)


def _rp(amount: int) -> str:
    return f'<td class="num">{_e(figures.rupiah(amount))}</td>'


def _table(head: list[str], rows: list[list[str]], cls: str = "") -> str:
    """Rows of ready cells (``<td>``s); the header names are escaped here."""
    numeric = [any(i < len(r) and 'class="num"' in r[i] for r in rows) for i in range(len(head))]
    ths = "".join(
        f'<th class="{"num" if numeric[i] else ""}">{_e(h)}</th>' for i, h in enumerate(head)
    )
    body = "".join(f"<tr>{''.join(r)}</tr>" for r in rows)
    return f'<table class="{cls}"><thead><tr>{ths}</tr></thead><tbody>{body}</tbody></table>'


def _td(text: Any, cls: str = "") -> str:
    return f'<td class="{cls}">{_e(text)}</td>' if cls else f"<td>{_e(text)}</td>"


def _section(key: str, title: str, body: str, lead: str = "") -> str:
    lead_html = f'<p class="lead">{lead}</p>' if lead else ""
    return f'<section id="{key}"><h2>{_e(title)}</h2>{lead_html}{body}</section>'


def _cover(p: Pack) -> str:
    from ledger.report import SHARE_LABELS
    from ledger.split import SHARES

    s = p.summary
    key = [
        (tr("Members"), figures.count(s.members)),
        (tr("Bagan"), figures.count(s.bagan)),
        (tr("Harvests"), figures.count(s.harvests)),
        (tr("Harvest savings"), figures.rupiah(s.savings["harvest"])),
        (tr("Infaq fund (kept apart)"), figures.rupiah(s.infaq_fund)),
        (tr("Loans outstanding"), figures.rupiah(s.loans_outstanding)),
    ]
    tiles = "".join(
        f'<div class="tile"><div class="v">{_e(v)}</div><div class="k">{_e(k)}</div></div>'
        for k, v in key
    )
    verdict = tr("The books hold.") if p.audit.ok else tr("The audit failed: see the checks.")
    audit_line = (
        f'<p class="verdict {"ok" if p.audit.ok else "bad"}">'
        f"{'✓' if p.audit.ok else '✗'} {_e(verdict)} "
        f"{_e(tr('Audit of {events} events', events=figures.count(p.audit.events)))}; "
        f"{_e(tr('head'))} <code>{_e(p.audit.head)}</code></p>"
    )
    harvest = [
        [_td(tr("Gross proceeds")), _rp(s.gross)],
        [_td(tr("Harvest costs")), _rp(s.costs)],
        [_td(tr("Net proceeds"), "strong"), _rp(s.net)],
        *([_td(tr(SHARE_LABELS[k]), "indent"), _rp(s.shares[k])] for k in SHARES),
    ]
    funds = [
        *(
            [_td(tr(label)), _rp(s.savings[k])]
            for k, label in (
                ("pokok", "Pokok (membership deposit)"),
                ("wajib", "Wajib (compulsory)"),
                ("sukarela", "Sukarela (voluntary)"),
                ("harvest", "Harvest savings"),
            )
        ),
        [_td(tr("Infaq fund (kept apart)")), _rp(s.infaq_fund)],
        [_td(tr("Loans outstanding")), _rp(s.loans_outstanding)],
    ]
    contents = "".join(
        f'<li><a href="#{k}">{_e(t)}</a></li>'
        for k, t in (
            ("balance", tr("Trial balance")),
            ("audit", tr("Audit")),
            ("passbooks", tr("Member passbooks")),
            ("infaq", tr("Infaq fund")),
            ("shu", tr("SHU")),
            ("forecast", tr("Forecast")),
            ("slia", tr("SLIA impact assessment")),
        )
    )
    return (
        '<header class="cover">'
        f'<p class="kicker">{_e(tr("Report to the programme"))}</p>'
        f"<h1>{_e(p.name)}</h1>"
        f'<p class="sub">{_e(tr("The books as of {as_of}", as_of=p.as_of))} · '
        f"{_e(tr('made with kerang on {made}', made=p.made))}</p>"
        f"</header>{audit_line}"
        f'<div class="tiles">{tiles}</div>'
        '<div class="two">'
        f"<div><h3>{_e(tr('Harvests'))}</h3>{_table([tr('Item'), tr('Rupiah')], harvest)}</div>"
        f"<div><h3>{_e(tr('Savings and funds'))}</h3>"
        f"{_table([tr('Item'), tr('Rupiah')], funds)}</div>"
        "</div>"
        f"<nav><h3>{_e(tr('Contents'))}</h3><ol>{contents}</ol></nav>"
    )


def _balance(p: Pack) -> str:
    from ledger.report import ACCOUNT_LABELS

    rows, debit, credit = [], 0, 0
    for account, amount in p.balance.accounts.items():
        label = ACCOUNT_LABELS.get(account)
        name = f"<td>{_e(tr(label)) if label else ''} <span class='code'>{_e(account)}</span></td>"
        if amount >= 0:
            debit += amount
            rows.append([name, _rp(amount), "<td></td>"])
        else:
            credit -= amount
            rows.append([name, "<td></td>", _rp(-amount)])
    rows.append([_td(tr("Total"), "strong"), _rp(debit), _rp(credit)])
    verdict = tr("balanced") if p.balance.total == 0 else tr("OUT OF BALANCE")
    return _section(
        "balance",
        tr("Trial balance as of {as_of} (debits +, credits −)", as_of=p.as_of),
        _table([tr("Account"), tr("Debit"), tr("Credit")], rows, "total-last")
        + f"<p>{_e(tr('Debits − credits'))} = {_e(figures.rupiah(p.balance.total))}: "
        f"<strong>{_e(verdict)}</strong></p>",
    )


def _audit(p: Pack) -> str:
    from ledger.report import _check_detail, check_label

    a = p.audit
    rows = [
        [
            _td(check_label(c.name)),
            f'<td class="{"ok" if c.ok else "bad"}">{"✓" if c.ok else "✗"}</td>',
            _td(_check_detail(c)),
        ]
        for c in a.checks
    ]
    return _section(
        "audit",
        tr("Audit of {events} events", events=figures.count(a.events)),
        _table([tr("Check"), "", tr("Detail")], rows, "audit")
        + f'<p class="head">{_e(tr("head"))}: <code>{_e(a.head)}</code></p>'
        + f"<p>{_e(tr('The head is a digest of every stored event in order: the same head means the same books.'))}</p>",
        tr("Every balance in this report was rebuilt from the stored events alone and checked."),
    )


BOOK_SHORT = {
    "savings.pokok": "Pokok",
    "savings.wajib": "Wajib",
    "savings.sukarela": "Sukarela",
    "savings.harvest": "Harvest savings",
    "loan": "Loan owed",
    "income": "Income from harvests",
    "infaq": "Infaq given",
}


def _passbooks(p: Pack) -> str:
    from ledger.report import BOOK_LABELS, kind_label

    first = p.statements[0].passbook.first if p.statements else p.as_of
    overview_rows = []
    for ms in p.statements:
        st = ms.statement
        overview_rows.append(
            [
                f"<td><strong>{_e(st.member)}</strong> {_e(ms.name)}</td>",
                *(_rp(st.savings[k]) for k in ("pokok", "wajib", "sukarela", "harvest")),
                _rp(st.loan_outstanding),
                _rp(st.infaq_given),
            ]
        )
    overview = _table(
        [tr("Member"), "Pokok", "Wajib", "Sukarela", tr("Harvest"), tr("Loan"), "Infaq"],
        overview_rows,
        "compact",
    )
    books = []
    for ms in p.statements:
        pb = ms.passbook
        rows = []
        for b in pb.books:
            added = sum(line.amount for line in b.lines if line.amount > 0)
            taken = -sum(line.amount for line in b.lines if line.amount < 0)
            if not (b.lines or b.opening):
                continue
            rows.append(
                [
                    _td(tr(BOOK_SHORT[b.key])),
                    _rp(b.opening),
                    _rp(added),
                    _rp(taken),
                    _rp(b.closing),
                ]
            )
        detail = ""
        if ms.statement.member in p.lines_of:
            for b in pb.books:
                if not b.lines:
                    continue
                lines = [
                    [
                        _td(pb.first.isoformat(), "date"),
                        _td(tr("opening balance")),
                        "<td></td>",
                        _rp(b.opening),
                    ]
                ]
                for line in b.lines:
                    what = (
                        tr("correction: reverses {ref}", ref=line.reverses)
                        if line.reverses
                        else kind_label(line.kind)
                    )
                    note = (
                        f" <em>{_e(tr('reversed by {ref}', ref=line.reversed_by))}</em>"
                        if line.reversed_by
                        else ""
                    )
                    sign = "+" if line.amount > 0 else ""
                    lines.append(
                        [
                            _td(line.date.isoformat(), "date"),
                            f"<td>{_e(what)} <span class='code'>{_e(line.ref)}</span>{note}</td>",
                            f'<td class="num">{_e(sign + figures.rupiah(line.amount))}</td>',
                            _rp(line.balance),
                        ]
                    )
                detail += f"<h4>{_e(tr(BOOK_LABELS[b.key]))}</h4>" + _table(
                    [tr("Date"), tr("Description"), tr("Amount"), tr("Balance")], lines, "compact"
                )
        books.append(
            f'<div class="passbook"><h3>{_e(ms.statement.member)} — {_e(ms.name)}</h3>'
            + _table(
                [tr("Book"), tr("opening balance"), tr("in"), tr("out"), tr("closing balance")],
                rows,
                "compact",
            )
            + detail
            + "</div>"
        )
    lead = tr(
        "Balances on {as_of} and each member's passbook from {first}: what came in and went "
        "out of each book. 'kerang statement ID --all' prints every line.",
        as_of=p.as_of,
        first=first,
    )
    return _section(
        "passbooks",
        tr("Member passbooks"),
        overview + '<div class="passbooks">' + "".join(books) + "</div>",
        _e(lead),
    )


def _infaq(p: Pack) -> str:
    c = p.infaq
    rows = [[_td(tr("Saldo awal (opening)"), "strong"), _rp(c.opening)]]
    rows.append([_td(tr("Penerimaan (received)"), "strong"), _rp(c.received)])
    members = {m: x for m, x in c.by_member.items() if m}
    if members:
        rows.append(
            [
                _td(tr("  from {count} members", count=len(members)), "indent"),
                _rp(sum(members.values())),
            ]
        )
    if "" in c.by_member:
        rows.append([_td(tr("  from the public (non-members)"), "indent"), _rp(c.by_member[""])])
    rows.append([_td(tr("Penyaluran (disbursed)"), "strong"), _rp(-c.disbursed)])
    rows += [[_td(purpose, "indent"), _rp(-amount)] for purpose, amount in c.by_purpose.items()]
    rows.append([_td(tr("Saldo akhir (closing)"), "strong"), _rp(c.closing)])
    return _section(
        "infaq",
        tr("Laporan perubahan dana infaq {first} – {last} (PSAK 109)", first=c.first, last=c.last),
        _table([tr("Pos"), tr("Rupiah")], rows),
        _e(tr("The infaq fund is kept apart from commercial funds (PSAK 109).")),
    )


def _shu(p: Pack) -> str:
    r = p.shu
    if r is None:
        return _section("shu", tr("SHU"), f"<p>{_e(tr('No financial year has ended yet.'))}</p>")
    labels = {
        "reserve": "Cadangan (reserve)",
        "jasa_usaha": "Jasa usaha (members, by harvest income)",
        "jasa_modal": "Jasa modal (members, by pokok + wajib)",
        "education": "Dana pendidikan (education)",
        "social": "Dana sosial (social)",
    }
    funds = [
        [_td(tr(label)), _td(figures.points(r.bylaws[k]) + "%", "num"), _rp(r.funds[k])]
        for k, label in labels.items()
    ]
    funds.append([_td(tr("SHU"), "strong"), _td("100%", "num"), _rp(r.shu)])
    members = [
        [
            f"<td><strong>{_e(m.member)}</strong> {_e(m.name)}</td>",
            _rp(m.harvest_income),
            _rp(m.savings),
            _rp(m.jasa_usaha),
            _rp(m.jasa_modal),
            _rp(m.total),
        ]
        for m in r.members
    ]
    status = (
        tr("closed on {closed_on}", closed_on=r.closed_on)
        if r.status == "closed"
        else tr("not closed: preview")
    )
    notes = "".join(f"<p class='note'>{_e(n)}</p>" for n in r.notes)
    return _section(
        "shu",
        tr("SHU {year} ({status})", year=r.year, status=status),
        _table([tr("Part"), "%", tr("Rupiah")], funds)
        + notes
        + f"<h3>{_e(tr('Per member'))}</h3>"
        + _table(
            [
                tr("Member"),
                tr("Harvest income"),
                tr("Pokok + wajib"),
                tr("Jasa usaha"),
                tr("Jasa modal"),
                tr("Total"),
            ],
            members,
            "compact",
        ),
    )


def _forecast(p: Pack) -> str:
    f = p.forecast
    d = f.drivers
    start = f.start
    rows = []
    for i in range(f.years + 1):
        rows.append(
            [
                _td(tr("start") if i == 0 else str(i), "num"),
                _td(figures.count(f.bagan.p50[i]), "num"),
                _td(f"{figures.count(f.bagan.p5[i])} – {figures.count(f.bagan.p95[i])}", "num"),
                _td(figures.juta(f.fund.p50[i]), "num"),
                _td(figures.juta(f.household_income_monthly.p50[i]), "num"),
            ]
        )
    labels = {
        "capital": "outside capital",
        "cooperative": "cooperative's SHU",
        "partners": "partners' income",
        "savings": "savings fund",
    }
    built = ", ".join(
        f"{tr(labels.get(k, k))} {figures.count(round(v, 1))}" for k, v in d.built.items()
    )
    drivers = [
        tr(
            "Fleet: {start} bagan at the start, {end} at year {years} (mean of runs); "
            "more than today in {share} of runs.",
            start=d.start,
            end=figures.count(round(d.end, 1)),
            years=f.years,
            share=figures.percent(f.p_more_bagan),
        ),
        tr("  new bagan built, by who paid: {built}", built=built),
        tr("  retired bagan rebuilt: {rebuilt}", rebuilt=figures.count(round(d.rebuilt, 1))),
    ]
    top = [
        [
            f"<td><code>{_e(b.key)}</code></td>",
            _td(f"{figures.count(b.low)} … {figures.count(b.high)}", "num"),
            _td(
                f"{figures.count(round(b.bagan[0], 1))} … {figures.count(round(b.bagan[1], 1))}",
                "num",
            ),
            _td(f"{figures.juta(b.income[0])} … {figures.juta(b.income[1])}", "num"),
        ]
        for b in d.top
    ]
    source = (
        tr("the books as of {as_of}", as_of=start.as_of)
        if start.source == "ledger"
        else tr("the scenario")
    )
    lead = tr(
        "{runs} runs × {years} years from {where}: {bagan} bagan, savings fund {fund}. "
        "The fan shows the middle half of the runs (dark) and nine in ten (light); the line "
        "is the median.",
        runs=figures.count(f.runs),
        years=f.years,
        where=source,
        bagan=start.bagan,
        fund=figures.rupiah(start.fund),
    )
    notes = "".join(f"<li>{_e(n)}</li>" for n in (f.calibration.notes() if f.calibration else ()))
    return _section(
        "forecast",
        tr("Forecast"),
        _fan_svg(f)
        + _table(
            [
                tr("year"),
                tr("bagan (median)"),
                tr("bagan 5–95 %"),
                tr("fund, Rp jt"),
                tr("income, Rp jt/month"),
            ],
            rows,
            "compact",
        )
        + f"<h3>{_e(tr('Drivers'))}</h3><ul>"
        + "".join(f"<li>{_e(line.strip())}</li>" for line in drivers)
        + "</ul>"
        + (
            f"<h4>{_e(tr('Moves the forecast most (each 20 % down and up):'))}</h4>"
            + _table(
                [tr("parameter"), tr("value"), tr("bagan"), tr("income, Rp jt/month")],
                top,
                "compact",
            )
            if top
            else ""
        )
        + (f"<h4>{_e(tr('Calibrated from the books'))}</h4><ul>{notes}</ul>" if notes else ""),
        _e(lead),
    )


def _slia(p: Pack) -> str:
    from assessment.model import CAPITALS, capital_label

    a = p.slia
    rows = []
    for c in CAPITALS:
        s = a.capitals[c]
        rows.append(
            [
                _td(localise(capital_label(c))),
                _td(figures.count(len(s.indicators)), "num"),
                _td(figures.score(s.before), "num"),
                _td(figures.score(s.after), "num"),
                _td(figures.change(s.change), "num"),
            ]
        )
    rows.append(
        [
            _td(tr("overall change"), "strong"),
            "<td></td><td></td><td></td>",
            _td(figures.change(a.overall_change), "num"),
        ]
    )
    indicators = [
        [
            _td(localise(capital_label(c)) if n == 0 else ""),
            _td(i.name),
            _td(figures.score(i.before), "num"),
            _td(figures.score(i.after), "num"),
            _td(figures.change(i.change), "num"),
        ]
        for c in CAPITALS
        for n, i in enumerate(a.capitals[c].indicators)
    ]
    source = (
        tr(
            "No survey was given: these scores are the demo survey shipped with kerang "
            "({survey}), not a survey of this cooperative. Give yours with --survey FILE.csv.",
            survey=p.survey,
        )
        if p.survey_is_demo
        else tr("Scores from the survey {survey}.", survey=p.survey)
    )
    warn = "".join(f"<li>{_e(w.message)}</li>" for w in a.warnings)
    return _section(
        "slia",
        tr("SLIA impact assessment"),
        f'<p class="{"note" if p.survey_is_demo else ""}">{_e(source)}</p>'
        + _pentagon_svg(a)
        + _table(
            [tr("Capital"), tr("Indicators"), tr("Before"), tr("After"), tr("Change")],
            rows,
            "compact",
        )
        + f"<h3>{_e(tr('Indicators'))}</h3>"
        + _table(
            [tr("Capital"), tr("Indicator"), tr("Before"), tr("After"), tr("Change")],
            indicators,
            "compact",
        )
        + (f"<h3>{_e(tr('Warnings'))}</h3><ul>{warn}</ul>" if warn else ""),
        _e(
            tr(
                "Five capitals scored 0..{scale_max} before and after the programme "
                "(mean of their indicators).",
                scale_max=figures.count(a.scale_max),
            )
        ),
    )


# ------------------------------------------------------------------ charts (inline SVG)
def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    exp = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * exp:
            return step * exp
    return 10 * exp


def _fan_svg(f: Any) -> str:
    panels = [
        (tr("Standing bagan"), f.bagan, 1.0, figures.count),
        (tr("Harvest savings fund (Rp million)"), f.fund, 1e-6, lambda v: figures.number(v, 1)),
        (
            tr("Mussel income per partner household per month (Rp million)"),
            f.household_income_monthly,
            1e-6,
            lambda v: figures.number(v, 1),
        ),
    ]
    w, h, gap = 240, 210, 20
    left, top, bottom = 46, 40, 30
    parts = []
    for k, (title, b, scale, fmt) in enumerate(panels):
        x0 = k * (w + gap)
        hi = _nice_max(max(b.p95) * scale)
        n = len(b.p50) - 1 or 1
        pw, ph = w - left - 6, h - top - bottom

        def xy(i: int, v: float, x0=x0, hi=hi, n=n, pw=pw, ph=ph, scale=scale) -> str:
            return f"{x0 + left + pw * i / n:.1f},{top + ph * (1 - v * scale / hi):.1f}"

        def band(lo, up) -> str:
            pts = [xy(i, v) for i, v in enumerate(up)] + [
                xy(i, v) for i, v in reversed(list(enumerate(lo)))
            ]
            return " ".join(pts)

        grid = ""
        for t in range(5):
            v = hi * t / 4
            y = top + ph * (1 - t / 4)
            grid += (
                f'<line x1="{x0 + left}" y1="{y:.1f}" x2="{x0 + left + pw}" y2="{y:.1f}" '
                f'class="grid"/><text x="{x0 + left - 4}" y="{y + 3:.1f}" class="tick" '
                f'text-anchor="end">{_e(fmt(v))}</text>'
            )
        for i in range(0, n + 1, max(1, n // 5)):
            x = x0 + left + pw * i / n
            grid += (
                f'<text x="{x:.1f}" y="{top + ph + 14}" class="tick" '
                f'text-anchor="middle">{i}</text>'
            )
        median = " ".join(xy(i, v) for i, v in enumerate(b.p50))
        title_lines = _wrap(title, 34)
        titles = "".join(
            f'<text x="{x0 + w / 2}" y="{12 + 13 * j}" class="ptitle" '
            f'text-anchor="middle">{_e(t)}</text>'
            for j, t in enumerate(title_lines)
        )
        parts.append(
            f"{titles}{grid}"
            f'<polygon points="{band(b.p5, b.p95)}" class="outer"/>'
            f'<polygon points="{band(b.p25, b.p75)}" class="inner"/>'
            f'<polyline points="{median}" class="median"/>'
            f'<text x="{x0 + left + pw / 2}" y="{h - 2}" class="tick" '
            f'text-anchor="middle">{_e(tr("year"))}</text>'
        )
        if k == 0 and f.target is not None:
            y = top + ph * (1 - f.target / hi)
            parts.append(
                f'<line x1="{x0 + left}" y1="{y:.1f}" x2="{x0 + left + pw}" y2="{y:.1f}" '
                f'class="target"/><text x="{x0 + left + pw}" y="{y - 3:.1f}" class="tick" '
                f'text-anchor="end">{_e(tr("target {target}", target=f.target))}</text>'
            )
    width = 3 * w + 2 * gap
    legend_y = h + 16
    legend = (
        f'<rect x="40" y="{legend_y - 9}" width="18" height="10" class="outer"/>'
        f'<text x="62" y="{legend_y}" class="tick">5–95 %</text>'
        f'<rect x="130" y="{legend_y - 9}" width="18" height="10" class="inner"/>'
        f'<text x="152" y="{legend_y}" class="tick">25–75 %</text>'
        f'<line x1="220" y1="{legend_y - 4}" x2="238" y2="{legend_y - 4}" class="median"/>'
        f'<text x="242" y="{legend_y}" class="tick">{_e(tr("median"))}</text>'
    )
    caption = tr(
        "kerang forecast: {runs} runs, seed {seed}, {engine} engine",
        runs=figures.count(f.runs),
        seed=f.seed,
        engine=f.engine,
    )
    return (
        f'<figure><svg viewBox="0 0 {width} {h + 24}" role="img" '
        f'aria-label="{_e(caption)}" class="chart">{"".join(parts)}{legend}</svg>'
        f"<figcaption>{_e(caption)}</figcaption></figure>"
    )


def _wrap(text: str, width: int) -> list[str]:
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return [*lines, line] if line else lines


def _pentagon_svg(a: Any) -> str:
    from assessment.model import CAPITALS, capital_label

    size, r = 300, 100
    cx, cy = size / 2, size / 2 + 6
    top = a.scale_max or 5

    def point(k: int, v: float) -> tuple[float, float]:
        angle = -math.pi / 2 + 2 * math.pi * k / len(CAPITALS)
        return cx + r * v / top * math.cos(angle), cy + r * v / top * math.sin(angle)

    def poly(values: list[float]) -> str:
        return " ".join(f"{x:.1f},{y:.1f}" for x, y in (point(k, v) for k, v in enumerate(values)))

    grid = ""
    for level in range(1, int(top) + 1):
        grid += f'<polygon points="{poly([level] * len(CAPITALS))}" class="ring"/>'
    for k in range(len(CAPITALS)):
        x, y = point(k, top)
        grid += f'<line x1="{cx}" y1="{cy}" x2="{x:.1f}" y2="{y:.1f}" class="grid"/>'
    labels = ""
    for k, c in enumerate(CAPITALS):
        s = a.capitals[c]
        x, y = point(k, top * 1.22)
        anchor = "middle" if abs(x - cx) < 20 else ("start" if x > cx else "end")
        labels += (
            f'<text x="{x:.1f}" y="{y:.1f}" class="axis" text-anchor="{anchor}">'
            f"{_e(localise(capital_label(c)))}</text>"
            f'<text x="{x:.1f}" y="{y + 12:.1f}" class="tick" text-anchor="{anchor}">'
            f"{_e(figures.score(s.before))} → {_e(figures.score(s.after))}</text>"
        )
    before = [a.capitals[c].before or 0 for c in CAPITALS]
    after = [a.capitals[c].after or 0 for c in CAPITALS]
    title = tr("SLIA: five capitals before and after (0..{top})", top=figures.count(top))
    legend = (
        f'<line x1="20" y1="{size + 18}" x2="40" y2="{size + 18}" class="before"/>'
        f'<text x="44" y="{size + 22}" class="tick">{_e(tr("before"))}</text>'
        f'<line x1="110" y1="{size + 18}" x2="130" y2="{size + 18}" class="after"/>'
        f'<text x="134" y="{size + 22}" class="tick">{_e(tr("after"))}</text>'
    )
    return (
        f'<figure><svg viewBox="-50 0 {size + 100} {size + 30}" role="img" aria-label="{_e(title)}" '
        f'class="chart pentagon">{grid}'
        f'<polygon points="{poly(before)}" class="before"/>'
        f'<polygon points="{poly(after)}" class="after"/>{labels}{legend}</svg>'
        f"<figcaption>{_e(title)}</figcaption></figure>"
    )


CSS = """
:root { --ink:#1d2733; --muted:#5b6875; --line:#d5dbe1; --accent:#0d6e6e; --soft:#eef5f5; }
* { box-sizing: border-box; }
body { font: 10.5pt/1.45 "DejaVu Sans", "Liberation Sans", Arial, sans-serif; color: var(--ink);
  max-width: 190mm; margin: 0 auto; padding: 12mm 10mm; background: #fff; }
h1 { font-size: 22pt; margin: 2mm 0 1mm; color: var(--accent); }
h2 { font-size: 15pt; border-bottom: 2px solid var(--accent); padding-bottom: 1mm; margin: 0 0 3mm;
  color: var(--accent); }
h3 { font-size: 11.5pt; margin: 4mm 0 1.5mm; }
h4 { font-size: 10pt; margin: 3mm 0 1mm; color: var(--muted); }
p { margin: 1.5mm 0; }
.lead { color: var(--muted); }
.kicker { text-transform: uppercase; letter-spacing: .08em; color: var(--muted); margin: 0;
  font-size: 9pt; }
.sub { color: var(--muted); margin: 0 0 3mm; }
.cover { border-bottom: 1px solid var(--line); margin-bottom: 3mm; }
.verdict { padding: 2mm 3mm; border-radius: 2mm; font-size: 9.5pt; overflow-wrap: anywhere; }
.verdict.ok { background: #e8f5ec; border: 1px solid #9fd3ae; }
.verdict.bad { background: #fdecec; border: 1px solid #e6a1a1; }
.tiles { display: grid; grid-template-columns: repeat(3, 1fr); gap: 3mm; margin: 4mm 0; }
.tile { background: var(--soft); border-radius: 2mm; padding: 3mm; }
.tile .v { font-size: 14pt; font-weight: 700; white-space: nowrap; }
.tile .k { color: var(--muted); font-size: 9pt; }
.two { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 5mm;
  align-items: start; }
table { border-collapse: collapse; width: 100%; margin: 1mm 0 3mm; font-size: 9.5pt; }
th { text-align: left; font-weight: 600; color: var(--muted); border-bottom: 1.5px solid var(--ink);
  padding: 1mm 1.5mm; vertical-align: bottom; }
td { padding: .8mm 1.5mm; border-bottom: 1px solid var(--line); vertical-align: top; }
.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
td.date { white-space: nowrap; }
td.strong { font-weight: 700; }
td.indent { padding-left: 5mm; }
table.compact { font-size: 8.5pt; }
table.total-last tr:last-child td { font-weight: 700; border-top: 1.5px solid var(--ink); }
.code { color: var(--muted); font-family: "DejaVu Sans Mono", monospace; font-size: 8pt;
  white-space: nowrap; }
code { font-family: "DejaVu Sans Mono", monospace; font-size: 8.5pt; overflow-wrap: anywhere; }
td.ok { color: #1b7f3b; } td.bad { color: #b3261e; font-weight: 700; }
.note { background: #fff6e0; border-left: 3px solid #e0a400; padding: 1.5mm 3mm; }
nav ol { columns: 2; margin: 1mm 0; }
nav a { color: var(--accent); text-decoration: none; }
.passbook { break-inside: avoid; }
.passbook h3 { font-size: 10pt; margin: 3mm 0 .5mm; }
figure { margin: 2mm 0; }
figcaption { color: var(--muted); font-size: 8.5pt; text-align: center; }
svg.chart { width: 100%; height: auto; }
svg .grid { stroke: var(--line); stroke-width: .6; }
svg .ring { fill: none; stroke: var(--line); stroke-width: .6; }
svg .tick { font-size: 10px; fill: var(--muted); }
svg .ptitle { font-size: 11px; font-weight: 600; fill: var(--ink); }
svg .axis { font-size: 11px; font-weight: 600; fill: var(--ink); }
svg .outer { fill: #0d6e6e; fill-opacity: .18; stroke: none; }
svg .inner { fill: #0d6e6e; fill-opacity: .42; stroke: none; }
svg .median { fill: none; stroke: #0d4f4f; stroke-width: 1.6; }
svg .target { stroke: #b3261e; stroke-dasharray: 4 3; stroke-width: 1; }
svg .before { fill: #e0a400; fill-opacity: .12; stroke: #c78f00; stroke-width: 1.6;
  stroke-dasharray: 4 2; }
svg .after { fill: #1b7f3b; fill-opacity: .18; stroke: #1b7f3b; stroke-width: 1.8; }
svg.pentagon { display: block; max-width: 120mm; margin: 0 auto; }
footer { color: var(--muted); font-size: 8pt; border-top: 1px solid var(--line); margin-top: 6mm;
  padding-top: 2mm; }
section { margin-top: 8mm; }
@page { size: A4; margin: 14mm 12mm 16mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 9.5pt; }
  section { break-before: page; margin-top: 0; }
  h2, h3, h4 { break-after: avoid; }
  tr, figure, .tile, .passbook { break-inside: avoid; }
  thead { display: table-header-group; }
  nav a { color: var(--ink); }
}
"""


def html(p: Pack) -> str:
    """The whole report as one HTML document (no script, nothing fetched)."""
    body = "".join(
        (
            _cover(p),
            _balance(p),
            _audit(p),
            _passbooks(p),
            _infaq(p),
            _shu(p),
            _forecast(p),
            _slia(p),
        )
    )
    footer = tr(
        "{name} · the books as of {as_of} · made with kerang on {made}",
        name=p.name,
        as_of=p.as_of,
        made=p.made,
    )
    title = tr("{name}: report as of {as_of}", name=p.name, as_of=p.as_of)
    return (
        f'<!DOCTYPE html>\n<html lang="{_e(p.lang)}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title><style>{CSS}</style></head>"
        f"<body>{body}<footer>{_e(footer)}</footer></body></html>\n"
    )
