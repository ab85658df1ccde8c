"""The financial capital measured from the replayed ledger.

Only the ledger's read API is used (``ledger.read_books``, handed in as a
function of the date): the books as of the end of each period
give the harvests, money movements and statements needed. The figures are
plain arithmetic on :class:`ledger.views.Books`, so they can be checked with
books built by hand.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Callable

from assessment.model import (
    Issue,
    LedgerAssessment,
    LedgerIndicator,
    Measure,
    Period,
    StoryView,
)
from assessment.rubric import Rubric, WageTable, load_rubric, load_wages
from ledger.errors import InvalidInput
from ledger.i18n import msg
from ledger.money import format_rupiah
from ledger.views import Books, MemberView


def parse_period(text: str | None, field: str) -> Period:
    """``2015-01-01..2015-12-31``, both days included."""
    match = re.fullmatch(r"\s*(\d{4}-\d{2}-\d{2})\s*\.\.\s*(\d{4}-\d{2}-\d{2})\s*", text or "")
    if not match:
        raise InvalidInput(
            field,
            msg(
                "--{field} must be a period FROM..TO such as 2015-01-01..2015-12-31, not {text!r}.",
                field=field,
                text=text,
            ),
        )
    try:
        start, end = (dt.date.fromisoformat(d) for d in match.groups())
    except ValueError:
        raise InvalidInput(
            field,
            msg("--{field} {text!r} names a day that does not exist.", field=field, text=text),
        ) from None
    if start > end:
        raise InvalidInput(
            field, msg("--{field} {text!r} ends before it starts.", field=field, text=text)
        )
    return Period(start, end)


def month_shares(period: Period) -> list[tuple[int, int, float]]:
    """(year, month, share of that month inside the period) for each month touched."""
    shares = []
    year, month = period.start.year, period.start.month
    while (year, month) <= (period.end.year, period.end.month):
        days = calendar.monthrange(year, month)[1]
        first = max(period.start, dt.date(year, month, 1))
        last = min(period.end, dt.date(year, month, days))
        shares.append((year, month, ((last - first).days + 1) / days))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return shares


def members_in(books: Books, period: Period) -> list[MemberView]:
    """Everyone who was a member at some time in the period."""
    return [
        m
        for m in books.members
        if m.joined <= period.end and (m.left is None or m.left > period.start)
    ]


def _ratio(part: float, whole: float) -> float | None:
    return part / whole if whole else None


def _rp(amount: float) -> str:
    return format_rupiah(round(amount))


def _harvests(count: int) -> str:
    if count == 1:
        return msg("{count} harvest", count=count)
    return msg("{count} harvests", count=count)


def _members(count: int) -> str:
    if count == 1:
        return msg("{count} member", count=count)
    return msg("{count} members", count=count)


def _loans(count: int) -> str:
    if count == 1:
        return msg("{count} loan", count=count)
    return msg("{count} loans", count=count)


def _buyers(count: int) -> str:
    if count == 1:
        return msg("{count} distinct buyer", count=count)
    return msg("{count} distinct buyers", count=count)


def _no_members(period: Period) -> str:
    return msg("no members in {period}", period=period.text())


Figure = tuple[float | None, str]


def household_income(
    books: Books, period: Period, wages: WageTable, warn: Callable[[str], None]
) -> Figure:
    """Income per partner household per month against the minimum wage: the
    ledger's one definition (``Books.household_income``: partners' share plus
    the share of managers of their household) and the peeling wages the
    cooperative's peeling house paid them."""
    income = books.household_income(period.start, period.end)
    harvests = [h for h in books.harvests if h.date in period]
    shares = month_shares(period)
    months = sum(s for _, _, s in shares)
    for year in sorted({y for y, _, _ in shares}):
        wage, used = wages.for_year(year)
        if used != year:
            warn(
                msg(
                    "the minimum wage table has no {year}; {used}'s {wage} is used for the "
                    "household income level (--wages overrides the table).",
                    year=year,
                    used=used,
                    wage=format_rupiah(wage),
                )
            )
    umk = sum(wages.for_year(y)[0] * s for y, _, s in shares) / months
    if not income.households:
        return None, msg("no partner households in {period}", period=period.text())
    total = income.mussel + income.peeling_wages
    per_month = total / income.households / months
    ratio = per_month / umk
    detail = msg(
        "({partners} partners' + {managers} managers' share of {harvests} + {peeling} "
        "peeling wages) ÷ {households} households ÷ {months:g} months = {per_month}/month; "
        "UMK {umk} → {ratio:.2f} × UMK",
        partners=_rp(income.partners_share),
        managers=_rp(income.managers_share),
        harvests=_harvests(len(harvests)),
        peeling=_rp(income.peeling_wages),
        households=income.households,
        months=months,
        per_month=_rp(per_month),
        umk=_rp(umk),
        ratio=ratio,
    )
    if income.peeling_wages_others:
        detail = msg(
            "{detail}; other members earned {others} peeling",
            detail=detail,
            others=_rp(income.peeling_wages_others),
        )
    return ratio, detail


def savings(books: Books, period: Period, wages: WageTable, warn: Callable[[str], None]) -> Figure:
    members = members_in(books, period)
    total = sum(
        sum(books.statements[m.id].savings.values()) for m in members if m.id in books.statements
    )
    if not members:
        return None, _no_members(period)
    each = total / len(members)
    return each, msg(
        "{total} saved by {members} at {day} = {each} per member",
        total=_rp(total),
        members=_members(len(members)),
        day=books.as_of.isoformat(),
        each=_rp(each),
    )


def cash_turnover(
    books: Books, period: Period, wages: WageTable, warn: Callable[[str], None]
) -> Figure:
    months = [(y, m) for y, m, _ in month_shares(period)]
    selling = {(h.date.year, h.date.month) for h in books.harvests if h.date in period}
    share = len(selling) / len(months)
    return (
        share,
        msg(
            "harvest sales in {selling} of {months} months = {share:.2f}",
            selling=len(selling),
            months=len(months),
            share=share,
        ),
    )


def access_to_capital(
    books: Books, period: Period, wages: WageTable, warn: Callable[[str], None]
) -> Figure:
    members = members_in(books, period)
    loans = [mv for mv in books.movements if mv.kind == "loan.disburse" and mv.date in period]
    borrowers = {mv.member for mv in loans if mv.member is not None}
    if not members:
        return None, _no_members(period)
    share = len(borrowers) / len(members)
    return share, msg(
        "{borrowers} of {members} members borrowed ({amount} in {loans}) = {share:.2f}",
        borrowers=len(borrowers),
        members=len(members),
        amount=_rp(sum(mv.amount for mv in loans)),
        loans=_loans(len(loans)),
        share=share,
    )


def business_network(
    books: Books, period: Period, wages: WageTable, warn: Callable[[str], None]
) -> Figure:
    harvests = [h for h in books.harvests if h.date in period]
    buyers = {" ".join(h.buyer.split()).casefold() for h in harvests if h.buyer and h.buyer.strip()}
    unnamed = sum(1 for h in harvests if not (h.buyer and h.buyer.strip()))
    detail = msg(
        "{buyers} of {harvests}", buyers=_buyers(len(buyers)), harvests=_harvests(len(harvests))
    )
    if unnamed:
        detail = msg(
            "{buyers} of {harvests} ({unnamed} without a buyer recorded)",
            buyers=_buyers(len(buyers)),
            harvests=_harvests(len(harvests)),
            unnamed=unnamed,
        )
    return float(len(buyers)), detail


MEASURES: dict[str, Callable[..., Figure]] = {
    "household_income": household_income,
    "savings": savings,
    "cash_turnover": cash_turnover,
    "access_to_capital": access_to_capital,
    "business_network": business_network,
}


def ledger_indicators(
    before_books: Books,
    after_books: Books,
    *,
    before: Period,
    after: Period,
    rubric: Rubric | None = None,
    wages: WageTable | None = None,
    scale_max: float = 5,
) -> LedgerAssessment:
    """Score the financial indicators in both periods.

    Each ``*_books`` should be the books as of its period's end. Scores are
    stretched from the rubric's scale to ``scale_max``.
    """
    rubric = rubric or load_rubric()
    wages = wages or load_wages()
    messages: list[str] = []

    def warn(message: str) -> None:
        if message not in messages:
            messages.append(message)

    stretch = scale_max / rubric.scale
    indicators = []
    for key, measure in MEASURES.items():
        entry = rubric.entries[key]
        measures = []
        for books, period in ((before_books, before), (after_books, after)):
            figure, detail = measure(books, period, wages, warn)
            score = entry.score(figure)
            measures.append(Measure(figure, None if score is None else score * stretch, detail))
        indicators.append(
            LedgerIndicator(
                key=key,
                name=entry.name,
                unit=entry.unit,
                before=measures[0],
                after=measures[1],
                survey_words=entry.survey,
            )
        )
    started = before_books.started
    year = (before.start - started).days // 365 + 1 if before.start >= started else None
    return LedgerAssessment(
        before_period=before,
        after_period=after,
        rubric=rubric.source,
        indicators=tuple(indicators),
        warnings=tuple(Issue("warning", "ledger", m) for m in messages),
        programme_year=year,
    )


def read_ledger(
    books: Callable[[dt.date | None], Books],
    before: Period,
    after: Period,
    *,
    rubric: Rubric | None = None,
    wages: WageTable | None = None,
    scale_max: float = 5,
) -> tuple[LedgerAssessment, tuple[StoryView, ...]]:
    """Measure both periods from ``books(as_of)`` (the ledger's read API);
    also its stories."""
    scores = ledger_indicators(
        books(before.end),
        books(after.end),
        before=before,
        after=after,
        rubric=rubric,
        wages=wages,
        scale_max=scale_max,
    )
    return scores, read_stories(books)


def read_stories(books: Callable[[dt.date | None], Books]) -> tuple[StoryView, ...]:
    """Every Most Significant Change story in the ledger, in date order."""
    return stories_of(books(None))


def stories_of(books: Books) -> tuple[StoryView, ...]:
    stories = sorted(books.stories, key=lambda s: (s.date, s.member, s.title))
    return tuple(StoryView(s.member, s.date, s.title, s.text) for s in stories)
