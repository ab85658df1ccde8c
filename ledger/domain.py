"""The cooperative's aggregates and the business facts they record.

Command methods check the rules and raise a named refusal; the ``@event``
methods only state the fact (they re-run on every replay, so a rule tightened
later never stops old events from replaying).

Event topics are ``ledger.domain:<Aggregate>.<Event>``; ``tests/test_topics.py``
pins them so that a rename is caught before it strands recorded events (after a
rename, ``eventsourcing.utils.register_topic(old, New)`` keeps them readable).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from ledger.commands import line_fields, line_names
from ledger.errors import (
    AlreadyInitialised,
    AlreadyReversed,
    DateError,
    DuplicateId,
    InsufficientFunds,
    InvalidInput,
    MemberInactive,
    NothingOwed,
    PeriodClosed,
    PolicyError,
    Refused,
    SavingsLocked,
    UnknownBagan,
    UnknownMember,
)
from ledger.i18n import FieldName, msg
from ledger.money import checked_gross
from ledger.split import Policy, Split, divide_equally, split_net
from ledger.views import SAVINGS_KINDS as SAVINGS_KINDS  # the kinds of savings

NAMESPACE = uuid5(NAMESPACE_URL, "https://kerang.invalid/ledger")


_REF_NAMES = hashlib.sha1(NAMESPACE.bytes + b"ref:")  # uuid5's hash, its prefix taken once


def transaction_id(ref: str) -> UUID:
    """One aggregate per ref: the event store itself keeps refs unique. It is
    ``uuid5(NAMESPACE, "ref:" + ref)``, hashed from a copy of the prefix's state."""
    names = _REF_NAMES.copy()
    names.update(ref.encode("utf-8"))
    return UUID(bytes=names.digest()[:16], version=5)


def since_added(
    day: dt.date,
    bagan_id: str,
    info: dict[str, Any],
    field: str = "date",
    error: type[Refused] = InvalidInput,
) -> None:
    """Nothing of a bagan is dated before it was added."""
    if day < info["added"]:
        raise error(
            field,
            msg(
                "{field} {day} is before bagan {bagan_id} was added ({added}).",
                field=FieldName(field),
                day=day,
                bagan_id=bagan_id,
                added=info["added"],
            ),
        )


def since_joined(
    day: dt.date, member_id: str, member: dict[str, Any], error: type[Refused]
) -> None:
    """Nothing of a member is dated before she joined."""
    if day < member["joined"]:
        raise error(
            "date",
            msg(
                "{field} {day} is before member {member_id} joined ({joined}).",
                field=FieldName("date"),
                day=day,
                member_id=member_id,
                joined=member["joined"],
            ),
        )


class Cooperative(Aggregate):
    """The cooperative's register: its policies, members and bagan."""

    @staticmethod
    def create_id() -> UUID:
        return uuid5(NAMESPACE, "cooperative")

    @event("Started")
    def __init__(self, name: str, started: dt.date, policy: dict[str, int]) -> None:
        self.name = name
        self.started = started
        self.policies: list[list[Any]] = [[started, policy]]
        self.members: dict[str, dict[str, Any]] = {}
        self.bagan: dict[str, dict[str, Any]] = {}

    # ----------------------------------------------------------- queries
    def policy_on(self, day: dt.date) -> Policy:
        """The policy in force on ``day``: the latest one effective on or before."""
        current = None
        for effective, points in self.policies:
            if effective <= day:
                current = points
        if current is None:
            raise DateError(
                "date",
                "{field} {day} is before the ledger started ({started}).",
                day=day,
                started=self.started,
            )
        return Policy(**current)

    def member(self, member_id: str, field: str = "member") -> dict[str, Any]:
        try:
            return self.members[member_id]
        except KeyError:
            raise UnknownMember(
                field, "{field} {member_id!r} is not a member.", member_id=member_id
            ) from None

    def active_member(self, member_id: str, day: dt.date, field: str = "member") -> dict[str, Any]:
        m = self.member(member_id, field)
        since_joined(day, member_id, m, MemberInactive)
        if m["left"] is not None:  # settled and closed, whatever the date
            raise MemberInactive(
                field,
                msg(
                    "member {member_id} left the cooperative on {left}.",
                    member_id=member_id,
                    left=m["left"],
                ),
            )
        return m

    def check_withdrawal(self, member_id: str, kind: str, day: dt.date) -> None:
        """Pokok and wajib savings stay while the member is active (settled on leaving)."""
        m = self.member(member_id)
        if kind in ("pokok", "wajib") and (m["left"] is None or day < m["left"]):
            raise SavingsLocked(
                "kind",
                msg(
                    "{k} savings are not withdrawn while member {mid} is active; they are settled by 'kerang member leave'.",
                    k=kind,
                    mid=member_id,
                ),
            )

    def harvestable(self, bagan_id: str, day: dt.date) -> dict[str, Any]:
        """The bagan harvested on ``day``: registered, added on or before it, and
        not retired by then."""
        info = self.a_bagan(bagan_id)
        if info.get("retired") is not None and day >= info["retired"]:
            raise InvalidInput(
                "bagan",
                msg(
                    "bagan {bagan_id} was retired on {retired} ({reason}); no harvest of it "
                    "on {day}.",
                    bagan_id=bagan_id,
                    retired=info["retired"],
                    reason=info["retire_reason"],
                    day=day,
                ),
            )
        since_added(day, bagan_id, info)
        return info

    def a_bagan(self, bagan_id: str) -> dict[str, Any]:
        try:
            return self.bagan[bagan_id]
        except KeyError:
            raise UnknownBagan(
                "bagan", "{field} {bagan_id!r} is not a registered bagan.", bagan_id=bagan_id
            ) from None

    def check_date(self, day: dt.date, field: str = "date") -> None:
        """Every dated command passes here: not before the start, not in a closed year."""
        if day < self.started:
            raise DateError(
                field,
                "{field} {day} is before the ledger started ({started}).",
                day=day,
                started=self.started,
            )
        closed = self.closed.get(day.year)
        if closed is not None:
            raise PeriodClosed(
                field,
                "{field} {day} is in {year}, which was closed on {closed}; record 'kerang reopen {year} --reason ...' first.",
                day=day,
                year=day.year,
                closed=closed,
            )

    # ------------------------------------------------------- year-end close
    # A year's closes and reopens, oldest first: {"2020": [close, reopen, close, ...]}.
    # Kept under string keys (snapshots are JSON) and created on first use, so
    # snapshots taken before closes existed still restore.
    @property
    def years(self) -> dict[str, list[dict[str, Any]]]:
        return self.__dict__.setdefault("year_log", {})

    @property
    def closed(self) -> dict[int, dt.date]:
        """Closed years and the day each was closed on."""
        return {
            int(y): log[-1]["day"]
            for y, log in self.years.items()
            if log and log[-1]["action"] == "close"
        }

    def closes(self, year: int) -> list[dict[str, Any]]:
        """The year's closes (the SHU of each), oldest first."""
        return [a for a in self.years.get(str(year), []) if a["action"] == "close"]

    def check_close(self, year: int, day: dt.date, round_: int | None, content: dict) -> bool:
        """May ``year`` be closed on ``day``? False when exactly this close is recorded.

        ``round_`` is the close's number for the year (1 for the first, 2 after one
        reopen, ...); an import line carries it so that a re-run knows what it has.
        Years are closed in order (the year before first, unless the ledger
        started after it), on a day after the year ended and not before its last
        reopen.
        """
        log = self.years.get(str(year), [])
        closes = [a for a in log if a["action"] == "close"]
        if round_ is not None and round_ <= len(closes):
            done = closes[round_ - 1]
            if {k: done[k] for k in content} == content and done["day"] == day:
                return False
            raise PeriodClosed(
                "year",
                msg(
                    "close {round_} of {year} was recorded with other details on {day}.",
                    round_=round_,
                    year=year,
                    day=done["day"],
                ),
            )
        if year in self.closed:
            done = closes[-1]
            if round_ is None and {k: done[k] for k in content} == content and done["day"] == day:
                return False
            raise PeriodClosed(
                "year",
                msg(
                    "{year} was already closed on {day}; reopen it first.",
                    year=year,
                    day=done["day"],
                ),
            )
        if round_ is not None and round_ != len(closes) + 1:
            raise InvalidInput(
                "round",
                msg(
                    "close {round_} of {year} cannot follow {count} earlier closes.",
                    round_=round_,
                    year=year,
                    count=len(closes),
                ),
            )
        if year < self.started.year:
            raise DateError(
                "year",
                msg(
                    "{year} is before the ledger started ({started}).",
                    year=year,
                    started=self.started,
                ),
            )
        if day <= dt.date(year, 12, 31):
            raise DateError(
                "date",
                "{field} {day} is not after the end of {year}; a year is closed after it ends.",
                day=day,
                year=year,
            )
        if year - 1 >= self.started.year and year - 1 not in self.closed:
            raise PeriodClosed(
                "year",
                msg(
                    "close {value} before {year}: years close in order.", value=year - 1, year=year
                ),
            )
        if log and day < log[-1]["day"]:
            raise DateError(
                "date",
                "{field} {day} is before {year} was reopened ({day2}).",
                day=day,
                year=year,
                day2=log[-1]["day"],
            )
        self.check_date(day)
        return True

    def check_after_close(self, year: int, day: dt.date) -> None:
        """What is done to a closed year (reopening it, settling its SHU) is dated on
        or after its close, and not in a closed period."""
        if day < self.closed[year]:
            raise DateError(
                "date",
                "{field} {day} is before {year} was closed ({closed}).",
                day=day,
                year=year,
                closed=self.closed[year],
            )
        self.check_date(day)

    def check_reopen(self, year: int, day: dt.date, round_: int | None, reason: str) -> bool:
        """May ``year`` be reopened? False when exactly this reopen is recorded."""
        log = self.years.get(str(year), [])
        reopens = [a for a in log if a["action"] == "reopen"]
        if round_ is not None and round_ <= len(reopens):
            done = reopens[round_ - 1]
            if (done["day"], done["reason"]) == (day, reason):
                return False
            raise PeriodClosed(
                "year",
                msg(
                    "reopen {round_} of {year} was recorded with other details.",
                    round_=round_,
                    year=year,
                ),
            )
        if year not in self.closed:
            if (
                round_ is None
                and reopens
                and (reopens[-1]["day"], reopens[-1]["reason"])
                == (
                    day,
                    reason,
                )
            ):
                return False
            raise PeriodClosed(
                "year", msg("{year} is not closed; only a closed year is reopened.", year=year)
            )
        if round_ is not None and round_ != len(reopens) + 1:
            raise InvalidInput(
                "round",
                msg(
                    "reopen {round_} of {year} cannot follow {count} earlier reopens.",
                    round_=round_,
                    year=year,
                    count=len(reopens),
                ),
            )
        settled = self.settlements(year)
        if settled:
            raise PeriodClosed(
                "year",
                msg(
                    "{year} cannot be reopened: its SHU was settled to members by {ref}.",
                    year=year,
                    ref=", ".join(s["ref"] for s in settled),
                ),
            )
        later = sorted(y for y in self.closed if y > year)
        if later:
            raise PeriodClosed(
                "year", msg("reopen {later} first: years reopen in reverse order.", later=later[-1])
            )
        self.check_after_close(year, day)
        return True

    def close_year(self, **close: Any) -> None:
        """Record a checked close (see ``ledger.shu`` for the figures it carries)."""
        self._year_closed(**close)

    @event("YearClosed")
    def _year_closed(
        self,
        year: int,
        day: dt.date,
        round: int,  # noqa: A002 - the field's public name
        bylaws: dict[str, int],
        closing: dict[str, int],
        shu: int,
        funds: dict[str, int],
        usaha_base: dict[str, int],
        modal_base: dict[str, int],
        jasa_usaha: dict[str, int],
        jasa_modal: dict[str, int],
        reserve: int,
    ) -> None:
        self.years.setdefault(str(year), []).append(
            {
                "action": "close",
                "day": day,
                "round": round,
                "bylaws": bylaws,
                "closing": closing,
                "shu": shu,
                "funds": funds,
                "usaha_base": usaha_base,
                "modal_base": modal_base,
                "jasa_usaha": jasa_usaha,
                "jasa_modal": jasa_modal,
                "reserve": reserve,
            }
        )

    def reopen_year(self, year: int, day: dt.date, round_: int, reason: str) -> None:
        self._year_reopened(year=year, day=day, round=round_, reason=reason)

    @event("YearReopened")
    def _year_reopened(
        self,
        year: int,
        day: dt.date,
        round: int,  # noqa: A002
        reason: str,
    ) -> None:
        self.years.setdefault(str(year), []).append(
            {"action": "reopen", "day": day, "round": round, "reason": reason}
        )

    # ------------------------------------------------- SHU owed to members
    # The settlements of a year's SHU: {"2020": [{"ref", "day", "amounts"}, ...]},
    # under string keys and created on first use (as ``years``).
    @property
    def shu_settled(self) -> dict[str, list[dict[str, Any]]]:
        return self.__dict__.setdefault("shu_settlements", {})

    def settlements(self, year: int) -> list[dict[str, Any]]:
        return self.shu_settled.get(str(year), [])

    def shu_owed(self, year: int) -> dict[str, int]:
        """What the year's standing close still owes each member (jasa usaha + jasa
        modal less what was settled), members owed nothing left out."""
        if year not in self.closed:
            return {}
        close = self.closes(year)[-1]
        owed: dict[str, int] = {}
        for m in set(close["jasa_usaha"]) | set(close["jasa_modal"]):
            owed[m] = close["jasa_usaha"].get(m, 0) + close["jasa_modal"].get(m, 0)
        for s in self.settlements(year):
            for m, a in s["amounts"].items():
                owed[m] = owed.get(m, 0) - a
        return {m: a for m, a in sorted(owed.items()) if a > 0}

    def shu_to_settle(
        self, year: int, day: dt.date, member: str | None, everyone: bool, to: str
    ) -> dict[str, int]:
        """What a settlement of ``year``'s SHU moves, member by member; refused when
        the year is not closed, the day is before its close, or nothing is owed."""
        if to not in SHU_SETTLEMENTS:
            raise InvalidInput("to", "{field} must be cash or sukarela, not {to!r}.", to=to)
        if (member is None) == (not everyone):
            raise InvalidInput(
                "member", "shu settle needs either {field} or {all}.", all=FieldName("all")
            )
        if year not in self.closed:
            raise PeriodClosed(
                "year",
                msg("{year} is not closed; only a closed year's SHU is settled.", year=year),
            )
        self.check_after_close(year, day)
        owed = self.shu_owed(year)
        if member is not None:
            self.member(member)
            if member not in owed:
                done = [s["ref"] for s in self.settlements(year) if member in s["amounts"]]
                why = (
                    msg("it was settled by {refs}", refs=", ".join(done))
                    if done
                    else msg("the close gave the member no SHU")
                )
                raise NothingOwed(
                    "member",
                    msg(
                        "{year} owes member {member} no SHU: {why}.",
                        year=year,
                        member=member,
                        why=why,
                    ),
                )
            owed = {member: owed[member]}
        elif not owed:
            raise NothingOwed("all", msg("{year} owes no member any SHU.", year=year))
        if to == "sukarela":  # savings are kept only for members who have not left
            for m in owed:
                self.active_member(m, day)
        return owed

    def settle_shu(self, ref: str, year: int, day: dt.date, amounts: dict[str, int]) -> None:
        self._shu_settled(ref=ref, year=year, day=day, amounts=amounts)

    @event("ShuSettled")
    def _shu_settled(self, ref: str, year: int, day: dt.date, amounts: dict[str, int]) -> None:
        self.shu_settled.setdefault(str(year), []).append(
            {"ref": ref, "day": day, "amounts": dict(amounts)}
        )

    # ---------------------------------------------------------- commands
    def set_policy(self, effective: dt.date, policy: Policy, last_harvest: dt.date | None) -> bool:
        """Record a policy from ``effective`` on; False if exactly this is recorded."""
        for existing, points in self.policies:
            if existing == effective:
                if points == policy.as_dict():
                    return False
                raise PolicyError(
                    "from",
                    msg(
                        "a different policy already applies from {effective} ({policy}).",
                        effective=effective,
                        policy=Policy(**points).text(),
                    ),
                )
        self.check_date(effective, "from")
        if last_harvest is not None and effective <= last_harvest:
            raise PolicyError(
                "from",
                "{field} {effective} would change harvests already recorded on or after it (the last on {last_harvest}); a policy never applies retroactively.",
                effective=effective,
                last_harvest=last_harvest,
            )
        self._policy_set(effective=effective, policy=policy.as_dict())
        return True

    @event("PolicySet")
    def _policy_set(self, effective: dt.date, policy: dict[str, int]) -> None:
        self.policies.append([effective, policy])
        self.policies.sort(key=lambda p: p[0])

    def add_member(self, member_id: str, name: str, joined: dt.date) -> bool:
        known = self.members.get(member_id)
        if known is not None:
            first = known.get("names", [[joined, known["name"]]])[0][1]  # before any rename
            if first == name and known["joined"] == joined:
                return False
            raise DuplicateId(
                "id",
                msg(
                    "member {member_id} already exists ({name}, joined {joined}).",
                    member_id=member_id,
                    name=known["name"],
                    joined=known["joined"],
                ),
            )
        self.check_date(joined)
        self._member_added(member_id=member_id, name=name, joined=joined)
        return True

    @event("MemberAdded")
    def _member_added(self, member_id: str, name: str, joined: dt.date) -> None:
        self.members[member_id] = {"name": name, "joined": joined, "left": None}

    def leave(
        self,
        member_id: str,
        day: dt.date,
        pokok: int,
        wajib: int,
        loan: int,
        last: dt.date | None = None,
    ) -> bool:
        """Settle pokok and wajib savings and end the membership; ``last`` is the date
        of the member's latest recorded movement (none may come after leaving)."""
        m = self.member(member_id, "id")
        if m["left"] != day:  # not a repeat: the period lock first
            self.check_date(day)
        if last is not None and day < last and m["left"] is None:
            raise DateError(
                "date",
                "{field} {day} is before member {mid}'s last recorded transaction ({last}).",
                day=day,
                mid=member_id,
                last=last,
            )
        if m["left"] is not None:
            if m["left"] == day:
                return False
            raise MemberInactive(
                "id",
                msg(
                    "member {member_id} already left on {left}.",
                    member_id=member_id,
                    left=m["left"],
                ),
            )
        since_joined(day, member_id, m, DateError)  # the date itself was checked above
        partner_of = [b for b, info in self.bagan.items() if member_id in info["partners"]]
        if partner_of:
            raise MemberInactive(
                "id",
                msg(
                    "member {member_id} is a partner of bagan {names} and cannot leave.",
                    member_id=member_id,
                    names=", ".join(sorted(partner_of)),
                ),
            )
        if loan > 0:
            raise MemberInactive(
                "id",
                msg(
                    "member {member_id} still owes a loan of {loan} rupiah; record the repayment first.",
                    member_id=member_id,
                    loan=loan,
                ),
            )
        self._member_left(member_id=member_id, left=day, pokok=pokok, wajib=wajib)
        return True

    @event("MemberLeft")
    def _member_left(self, member_id: str, left: dt.date, pokok: int, wajib: int) -> None:
        self.members[member_id]["left"] = left

    def add_bagan(
        self,
        bagan_id: str,
        partners: list[str],
        manager: str,
        added: dt.date,
        cost: int,
        manager_member: str | None = None,
        paid_by: str = "grant",
    ) -> bool:
        if not partners:
            raise InvalidInput("partners", "{field} must name at least one member.")
        if len(set(partners)) != len(partners):
            raise InvalidInput(
                "partners", "{field} names a member twice ({names}).", names=",".join(partners)
            )
        known = self.bagan.get(bagan_id)
        if known is not None:
            first = known.get("history", [[added, known["partners"]]])[0][1]  # before changes
            same = (first, known["manager"], known["added"], known["cost"]) == (
                sorted(partners),
                manager,
                added,
                cost,
            )
            same = same and (known.get("manager_member"), known.get("paid_by", "grant")) == (
                manager_member,
                paid_by,
            )
            if same:
                return False
            raise DuplicateId(
                "id", msg("bagan {bagan_id} already exists with other details.", bagan_id=bagan_id)
            )
        self.check_date(added)
        for p in partners:
            self.active_member(p, added, "partners")
        if manager_member is not None:
            self.active_member(manager_member, added, "manager_member")
        payer(paid_by)
        if paid_by != "grant" and not cost:
            raise InvalidInput(
                "cost",
                "{paid_by_field} {paid_by} needs the bagan's {field}.",
                paid_by_field=FieldName("paid_by"),
                paid_by=paid_by,
            )
        self._bagan_added(
            bagan_id=bagan_id, partners=sorted(partners), manager=manager, added=added, cost=cost
        )
        if manager_member is not None:
            self._manager_linked(bagan_id=bagan_id, member=manager_member, day=added)
        if paid_by != "grant":
            self._bagan_financed(
                bagan_id=bagan_id,
                day=added,
                paid_by=paid_by,
                cost=cost,
                charges=financing_charges(paid_by, cost, sorted(partners)),
            )
        return True

    @event("BaganAdded")
    def _bagan_added(
        self, bagan_id: str, partners: list[str], manager: str, added: dt.date, cost: int
    ) -> None:
        self.bagan[bagan_id] = {
            "partners": partners,
            "manager": manager,
            "added": added,
            "cost": cost,
        }

    @event("ManagerLinked")
    def _manager_linked(self, bagan_id: str, member: str, day: dt.date) -> None:
        """The bagan's manager belongs to this member's household (her husband or family)."""
        self.bagan[bagan_id]["manager_member"] = member

    @event("BaganFinanced")
    def _bagan_financed(
        self, bagan_id: str, day: dt.date, paid_by: str, cost: int, charges: dict[str, int]
    ) -> None:
        """The new bagan was paid from the cooperative's or the members' own money."""
        self.bagan[bagan_id]["paid_by"] = paid_by

    def retire_bagan(self, bagan_id: str, day: dt.date, reason: str, note: str | None) -> bool:
        """A bagan worn out, destroyed or sold: no harvest of it from ``day`` on."""
        info = self.a_bagan(bagan_id)
        if reason not in RETIRE_REASONS:
            raise InvalidInput(
                "reason",
                "{field} must be one of {names}, not {reason!r}.",
                names=", ".join(RETIRE_REASONS),
                reason=reason,
            )
        if [day, reason] in info.get("life", []):
            return False  # this retirement is recorded already (and perhaps rebuilt since)
        if info.get("retired") is not None:
            if (info["retired"], info["retire_reason"], info.get("retire_note")) == (
                day,
                reason,
                note,
            ):
                return False
            raise InvalidInput(
                "id",
                msg(
                    "bagan {bagan_id} was retired already on {day}.",
                    bagan_id=bagan_id,
                    day=info["retired"],
                ),
            )
        self.check_date(day)
        since_added(day, bagan_id, info)
        self._bagan_retired(bagan_id=bagan_id, day=day, reason=reason, note=note)
        return True

    @event("BaganRetired")
    def _bagan_retired(self, bagan_id: str, day: dt.date, reason: str, note: str | None) -> None:
        info = self.bagan[bagan_id]
        info["retired"], info["retire_reason"], info["retire_note"] = day, reason, note
        info.setdefault("life", []).append([day, reason])

    def rebuild_bagan(self, bagan_id: str, day: dt.date, cost: int, paid_by: str) -> bool:
        """A bagan rebuilt or renewed on its site; a retired one stands again."""
        info = self.a_bagan(bagan_id)
        payer(paid_by)
        if [day, cost, paid_by] in info.get("rebuilds", []):
            return False
        self.check_date(day)
        since_added(day, bagan_id, info)
        self._bagan_rebuilt(
            bagan_id=bagan_id,
            day=day,
            cost=cost,
            paid_by=paid_by,
            charges=financing_charges(paid_by, cost, self.partners_on(bagan_id, day)),
        )
        return True

    @event("BaganRebuilt")
    def _bagan_rebuilt(
        self, bagan_id: str, day: dt.date, cost: int, paid_by: str, charges: dict[str, int]
    ) -> None:
        info = self.bagan[bagan_id]
        info.setdefault("rebuilds", []).append([day, cost, paid_by])
        info["retired"] = info["retire_reason"] = info["retire_note"] = None
        info.setdefault("life", []).append([day, None])

    # ----------------------------------------------------------- register corrections
    def rename_member(self, member_id: str, name: str, day: dt.date) -> bool:
        """Correct a member's name from ``day`` on; False if exactly this is recorded."""
        m = self.member(member_id, "id")
        names = m.get("names", [[m["joined"], m["name"]]])
        if [day, name] in names:
            return False
        self.check_date(day)
        since_joined(day, member_id, m, DateError)
        self._member_renamed(member_id=member_id, name=name, day=day)
        return True

    @event("MemberRenamed")
    def _member_renamed(self, member_id: str, name: str, day: dt.date) -> None:
        m = self.members[member_id]
        names = m.setdefault("names", [[m["joined"], m["name"]]])
        names.append([day, name])
        names.sort(key=lambda n: n[0])  # the latest date's name is the name
        m["name"] = names[-1][1]

    def partners_on(self, bagan_id: str, day: dt.date) -> list[str]:
        """The bagan's partners for a harvest or repair dated ``day``."""
        info = self.a_bagan(bagan_id)
        current = info["partners"]
        for effective, partners in info.get("history", []):
            if effective <= day:
                current = partners
        return current

    def change_partners(
        self, bagan_id: str, partners: list[str], effective: dt.date, last_use: dt.date | None
    ) -> bool:
        """New partners for harvests and repairs from ``effective`` on (never retroactive:
        ``last_use`` is the bagan's latest harvest or repair already recorded)."""
        info = self.a_bagan(bagan_id)
        if not partners:
            raise InvalidInput("partners", "{field} must name at least one member.")
        if len(set(partners)) != len(partners):
            raise InvalidInput(
                "partners", "{field} names a member twice ({names}).", names=",".join(partners)
            )
        history = info.get("history", [[info["added"], info["partners"]]])
        if [effective, sorted(partners)] in history:
            return False
        for day, names in history:
            if day == effective:
                raise InvalidInput(
                    "from",
                    msg(
                        "bagan {bagan_id} already has partners {names} from {day}.",
                        bagan_id=bagan_id,
                        names=", ".join(names),
                        day=day,
                    ),
                )
        self.check_date(effective, "from")
        since_added(effective, bagan_id, info, "from", DateError)
        if last_use is not None and effective <= last_use:
            raise InvalidInput(
                "from",
                "{field} {day}: bagan {bagan_id} has harvests or repairs recorded on or after it (the last on {last}); a partner change never applies retroactively.",
                day=effective,
                bagan_id=bagan_id,
                last=last_use,
            )
        for p in partners:
            self.active_member(p, effective, "partners")
        self._partners_changed(bagan_id=bagan_id, partners=sorted(partners), effective=effective)
        return True

    @event("PartnersChanged")
    def _partners_changed(self, bagan_id: str, partners: list[str], effective: dt.date) -> None:
        info = self.bagan[bagan_id]
        history = info.setdefault("history", [[info["added"], info["partners"]]])
        history.append([effective, partners])
        history.sort(key=lambda h: h[0])
        info["partners"] = history[-1][1]  # the current partners (leaving checks these)


# who can pay for a bagan: the programme's grant, the cooperative's own money,
# the partners' harvest savings, or outside capital
PAYERS = ("grant", "cooperative", "savings", "capital")
RETIRE_REASONS = ("worn", "storm", "sold", "other")


def payer(paid_by: str) -> str:
    if paid_by not in PAYERS:
        raise InvalidInput(
            "paid_by",
            "{field} must be one of {names}, not {paid_by!r}.",
            names=", ".join(PAYERS),
            paid_by=paid_by,
        )
    return paid_by


def financing_charges(paid_by: str, cost: int, partners: list[str]) -> dict[str, int]:
    """What each partner's harvest savings pay when the savings pay (as a repair)."""
    return divide_equally(cost, partners) if paid_by == "savings" else {}


def sale(kg: Decimal | None, price: int | None, revenue: int | None, costs: int) -> tuple[int, int]:
    """A harvest's gross and net proceeds: kg x price rounded half-up (or the revenue
    given), less costs that may not exceed it."""
    if revenue is not None:
        if kg is not None or price is not None:
            raise InvalidInput(
                "revenue",
                "give either {kg} and {price} or {field}, not both.",
                kg=FieldName("kg"),
                price=FieldName("price"),
            )
        gross = revenue
    else:
        if kg is None or price is None:
            missing = "kg" if kg is None else "price"
            raise InvalidInput(
                missing,
                "{field} is required (or give {revenue} instead).",
                revenue=FieldName("revenue"),
            )
        gross = checked_gross(kg, price)
    if costs > gross:
        raise InvalidInput(
            "costs",
            "{field} {cost} are more than the gross proceeds ({gross}).",
            cost=costs,
            gross=gross,
        )
    return gross, gross - costs


def start_cooperative(
    name: str, started: dt.date, policy: Policy, existing: Cooperative | None
) -> Cooperative | None:
    """``kerang init``: None when exactly this cooperative is already started."""
    if existing is not None:
        if (
            existing.name == name
            and existing.started == started
            and existing.policies[0][1] == policy.as_dict()
        ):
            return None
        raise AlreadyInitialised(
            "name",
            msg(
                "this ledger was already started as {name!r} on {started}.",
                name=existing.name,
                started=existing.started,
            ),
        )
    return Cooperative(name=name, started=started, policy=policy.as_dict())


class Transaction(Aggregate):
    """A money transaction, identified by the caller's ref (a receipt number)."""

    kind = "transaction"
    # plain class attributes, not annotations: eventsourcing makes annotations fields
    reversed_by = None
    reversed_on = None

    @staticmethod
    def create_id(ref: str) -> UUID:
        return transaction_id(ref)

    # the import line's fields after op, ref and date, from the command's declaration
    # (ledger/commands.py); plain attributes: annotations would become event fields
    line_fields = ()
    _line_names = {}  # noqa: RUF012 - attribute -> its column, where they differ

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "kind" in cls.__dict__:
            cls.line_fields = line_fields(cls.kind)
            cls._line_names = line_names(cls.kind)

    # whether its postings take money out of a guarded balance (checked before recording)
    takes_money = True

    @classmethod
    def fields_of(cls, values: Mapping[str, Any]) -> dict[str, Any]:
        """This kind's own fields from a command's values (named by their columns)."""
        fields = {"ref": values["ref"], "date": values["date"]}
        for name in cls.line_fields:
            fields[name] = values.get(cls._line_names.get(name, name))
        return fields

    @classmethod
    def on(cls, register: Cooperative, **fields: Any) -> Transaction:
        """A new transaction of this kind, refused unless the register's rules allow it;
        the figures the rules work out (a split, a repair's charges) go into its event."""
        return cls(**fields, **cls.checked(register, **fields))

    # who the transaction's member must be on its date: "active" (joined, not left),
    # "known" (any member: one who left may still repay), or None (no member field)
    member_rule = None  # a plain attribute: an annotation would become an event field

    @classmethod
    def checked(cls, register: Cooperative, date: dt.date, **fields: Any) -> dict[str, Any]:
        """Check this kind's rules against the register (every kind: a date the ledger
        takes; its member by ``member_rule``); return the figures they work out."""
        register.check_date(date)
        member = fields.get("member")
        if cls.member_rule == "active":
            register.active_member(member, date)
        elif cls.member_rule == "known" and member:  # infaq may come from outside
            register.member(member)
        return {}

    def facts(self) -> dict[str, Any]:
        """What it records, by column: the figures the sentence of its outcome says."""
        return {self._line_names.get(n, n): getattr(self, n, None) for n in self.line_fields}

    def command(self) -> dict[str, Any]:
        """The normalised command that recorded this (the import/export line)."""
        return self.line(self.ref, self.date, **{f: getattr(self, f) for f in self.line_fields})

    @classmethod
    def line(cls, ref: str, date: dt.date, **values: Any) -> dict[str, Any]:
        """The normalised command of a transaction of this kind (for a ref's comparison)."""
        line: dict[str, Any] = {"op": cls.kind, "ref": ref, "date": date.isoformat()}
        for name in cls.line_fields:
            value = values.get(name)
            if value is not None:
                line[cls._line_names.get(name, name)] = (
                    str(value) if isinstance(value, Decimal) else value
                )
        return line

    def reverse(self, by_ref: str, day: dt.date, reason: str) -> None:
        self.check_reversible(day)
        self._reversed(by_ref=by_ref, day=day, reason=reason)

    def check_reversible(self, day: dt.date) -> None:
        if isinstance(self, ShuSettlement):  # the register counts it settled: refuse
            raise InvalidInput(
                "reverses",
                msg(
                    "ref {ref} settled SHU and cannot be reversed; record the opposite "
                    "movement (a savings withdrawal or deposit) instead.",
                    ref=self.ref,
                ),
            )
        if isinstance(self, Correction | Story):
            raise InvalidInput(
                "reverses",
                msg(
                    "ref {ref} is a {kind}, not a transaction that can be reversed.",
                    ref=self.ref,
                    kind=self.kind,
                ),
            )
        if self.reversed_by is not None:
            raise AlreadyReversed(
                "reverses",
                msg(
                    "ref {ref} was already reversed by {reversed_by} on {reversed_on}.",
                    ref=self.ref,
                    reversed_by=self.reversed_by,
                    reversed_on=self.reversed_on,
                ),
            )
        if day < self.date:
            raise DateError(
                "date",
                "{field} {day} is before the transaction it reverses ({date}).",
                day=day,
                date=self.date,
            )

    @event("Reversed")
    def _reversed(self, by_ref: str, day: dt.date, reason: str) -> None:
        self.reversed_by = by_ref
        self.reversed_on = day


class Harvest(Transaction):
    """A harvest sale and its exact split."""

    kind = "harvest"

    @event("Recorded")
    def __init__(
        self,
        ref: str,
        date: dt.date,
        bagan: str,
        kg: Decimal | None,
        price: int | None,
        revenue: int | None,
        costs: int,
        buyer: str | None,
        gross: int,
        net: int,
        policy: dict[str, int],
        shares: dict[str, int],
        manager: str,
        income: dict[str, int],
        savings: dict[str, int],
        notes: str | None = None,
    ) -> None:
        self.notes = notes  # kept with the line (keterangan); old events lack it
        self.ref, self.date, self.bagan = ref, date, bagan
        self.kg, self.price, self.revenue, self.costs, self.buyer = kg, price, revenue, costs, buyer
        self.gross, self.net, self.policy, self.shares = gross, net, policy, shares
        self.manager, self.income, self.savings = manager, income, savings

    takes_money = False  # it only credits

    @classmethod
    def checked(cls, register: Cooperative, date: dt.date, **f: Any) -> dict[str, Any]:
        """A sale of a bagan harvestable that day, split by the policy then in force
        and divided equally among the bagan's partners of that day."""
        gross, net = sale(f["kg"], f["price"], f["revenue"], f["costs"])
        register.check_date(date)
        bagan = f["bagan"]
        info = register.harvestable(bagan, date)
        policy = register.policy_on(date)
        split = split_net(net, policy)
        partners = register.partners_on(bagan, date)
        return {
            "gross": gross,
            "net": net,
            "policy": policy.as_dict(),
            "shares": split.as_dict(),
            "manager": info["manager"],
            "income": divide_equally(split.members, partners),
            "savings": divide_equally(split.savings, partners),
        }

    def facts(self) -> dict[str, Any]:
        return {**super().facts(), "net": self.net, "shares": self.shares}

    @property
    def split(self) -> Split:
        return Split(**self.shares)


class _SavingsMovement(Transaction):
    """A deposit to or withdrawal from a member's savings (each kind its own event
    topic, ``SavingsDeposit.Recorded`` and ``SavingsWithdrawal.Recorded``)."""

    @event("Recorded")
    def __init__(
        self,
        ref: str,
        date: dt.date,
        member: str,
        savings_kind: str,
        amount: int,
        notes: str | None = None,
    ) -> None:
        self.notes = notes  # kept with the line (keterangan); old events lack it
        self.ref, self.date, self.member = ref, date, member
        self.savings_kind, self.amount = savings_kind, amount


class SavingsDeposit(_SavingsMovement):
    kind = "savings.deposit"
    member_rule = "active"


class SavingsWithdrawal(_SavingsMovement):
    kind = "savings.withdraw"

    @classmethod
    def checked(cls, register: Cooperative, date: dt.date, **f: Any) -> dict[str, Any]:
        register.check_date(date)
        register.check_withdrawal(f["member"], f["savings_kind"], date)
        return {}


class InfaqReceipt(Transaction):
    kind = "infaq.receive"
    member_rule = "known"

    @event("Recorded")
    def __init__(
        self, ref: str, date: dt.date, amount: int, member: str | None, notes: str | None = None
    ) -> None:
        self.notes = notes  # kept with the line (keterangan); old events lack it
        self.ref, self.date, self.amount, self.member = ref, date, amount, member


class InfaqDisbursement(Transaction):
    kind = "infaq.disburse"

    @event("Recorded")
    def __init__(
        self, ref: str, date: dt.date, amount: int, purpose: str, notes: str | None = None
    ) -> None:
        self.notes = notes  # kept with the line (keterangan); old events lack it
        self.ref, self.date, self.amount, self.purpose = ref, date, amount, purpose


class _LoanMovement(Transaction):
    """A loan paid out to a member or repaid by them (each kind its own event topic)."""

    @event("Recorded")
    def __init__(
        self, ref: str, date: dt.date, member: str, amount: int, notes: str | None = None
    ) -> None:
        self.notes = notes  # kept with the line (keterangan); old events lack it
        self.ref, self.date, self.member, self.amount = ref, date, member, amount


class LoanDisbursement(_LoanMovement):
    kind = "loan.disburse"
    member_rule = "active"


class LoanRepayment(_LoanMovement):
    kind = "loan.repay"
    member_rule = "known"  # a member who left may still repay


class Repair(Transaction):
    """A bagan repair paid from its partners' harvest savings."""

    kind = "repair"

    @classmethod
    def checked(
        cls, register: Cooperative, date: dt.date, bagan: str, amount: int, **f: Any
    ) -> dict:
        """Charged to the bagan's partners of that day, divided equally."""
        register.check_date(date)
        since_added(date, bagan, register.a_bagan(bagan))
        return {"charges": divide_equally(amount, register.partners_on(bagan, date))}

    def facts(self) -> dict[str, Any]:
        return {**super().facts(), "charges": self.charges}

    @event("Recorded")
    def __init__(
        self,
        ref: str,
        date: dt.date,
        bagan: str,
        amount: int,
        charges: dict[str, int],
        notes: str | None = None,
    ) -> None:
        self.notes = notes  # kept with the line (keterangan); old events lack it
        self.ref, self.date, self.bagan, self.amount, self.charges = (
            ref,
            date,
            bagan,
            amount,
            charges,
        )


class Correction(Transaction):
    """Reverses every effect of an earlier transaction (the effects are posted
    by that transaction's own ``Reversed`` event)."""

    kind = "correct"

    @staticmethod
    def check_target(ref: str, target: str) -> None:
        """A correction reverses another transaction, never itself."""
        if target == ref:
            raise InvalidInput("reverses", "{field} must name another transaction's ref.")

    @event("Recorded")
    def __init__(
        self, ref: str, date: dt.date, reverses: str, reason: str, notes: str | None = None
    ) -> None:
        self.notes = notes  # kept with the line (keterangan); old events lack it
        self.ref, self.date, self.reverses, self.reason = ref, date, reverses, reason


class _CooperativeMovement(Transaction):
    """The cooperative's own income or expense outside the harvests (part of its SHU;
    each kind its own event topic)."""

    takes_money = False  # the cooperative's cash is not a guarded balance

    @event("Recorded")
    def __init__(
        self, ref: str, date: dt.date, amount: int, purpose: str, notes: str | None = None
    ) -> None:
        self.notes = notes  # kept with the line (keterangan); old events lack it
        self.ref, self.date, self.amount, self.purpose = ref, date, amount, purpose


class CooperativeIncome(_CooperativeMovement):
    kind = "cooperative.income"


class CooperativeExpense(_CooperativeMovement):
    kind = "cooperative.expense"


class PeelingPay(Transaction):
    """Wages the cooperative's peeling house (rumah kupas) paid a member: her own income."""

    kind = "peeling.pay"
    member_rule = "active"

    @event("Recorded")
    def __init__(
        self,
        ref: str,
        date: dt.date,
        member: str,
        amount: int,
        days: int | None,
        notes: str | None = None,
    ) -> None:
        self.notes = notes  # kept with the line (keterangan); old events lack it
        self.ref, self.date, self.member, self.amount, self.days = ref, date, member, amount, days


class ShuSettlement(Transaction):
    """The SHU a closed year owed members, paid in cash or credited to their sukarela
    savings; ``amounts`` is what each member received."""

    kind = "shu.settle"

    @event("Recorded")
    def __init__(
        self,
        ref: str,
        date: dt.date,
        year: int,
        member: str | None,
        all_members: bool | None,
        to: str,
        amounts: dict[str, int],
        notes: str | None = None,
    ) -> None:
        self.notes = notes  # kept with the line (keterangan); old events lack it
        self.ref, self.date, self.year, self.member = ref, date, year, member
        self.all_members, self.to, self.amounts = all_members, to, amounts


# where settled SHU goes: paid out, or into the member's sukarela savings
SHU_SETTLEMENTS = ("cash", "sukarela")


class Story(Transaction):
    """A Most Significant Change story told by a member."""

    kind = "story.add"
    member_rule = "known"

    @event("Recorded")
    def __init__(self, ref: str, date: dt.date, member: str, title: str, text: str) -> None:
        self.ref, self.date, self.member, self.title, self.text = ref, date, member, title, text


TRANSACTION_CLASSES: dict[str, type[Transaction]] = {
    cls.kind: cls
    for cls in (
        Harvest,
        SavingsDeposit,
        SavingsWithdrawal,
        InfaqReceipt,
        InfaqDisbursement,
        LoanDisbursement,
        LoanRepayment,
        Repair,
        Correction,
        Story,
        CooperativeIncome,
        CooperativeExpense,
        PeelingPay,
        ShuSettlement,
    )
}


# ------------------------------------------------------------------ balances
def check_funds(
    postings: list[Any], day: dt.date, available: Callable[[str, str | None, dt.date], int]
) -> None:
    """No guarded balance (savings, a loan, the infaq fund) may fall below zero on or
    after ``day``: the rule that spans every transaction that takes money out.
    ``available(account, member, day)`` is the lowest balance from ``day`` on."""
    from ledger.accounts import GUARDED, INFAQ_FUND

    taken: dict[tuple[str, str], int] = {}
    for p in postings:
        if p.account in GUARDED:
            key = (p.account, p.member)
            taken[key] = taken.get(key, 0) - GUARDED[p.account] * p.amount
    for (account, member), amount in sorted(taken.items()):
        if amount <= 0:
            continue
        have = available(account, None if account == INFAQ_FUND else member, day)
        if amount > have:
            raise _shortfall(account, member, amount, have, day)


def _shortfall(
    account: str, member: str, amount: int, have: int, day: dt.date
) -> InsufficientFunds:
    """The refusal of ``amount`` taken from a balance that has only ``have``."""
    from ledger.accounts import INFAQ_FUND, LOANS
    from ledger.money import format_rupiah

    need, avail = format_rupiah(amount), format_rupiah(max(have, 0))
    if account == INFAQ_FUND:
        return InsufficientFunds(
            "amount",
            "{field} {need} is more than the infaq fund holds from {day} on ({avail}).",
            need=need,
            day=day,
            avail=avail,
        )
    if account == LOANS:
        return InsufficientFunds(
            "amount",
            "{field} {need} is more than member {member}'s outstanding loan from {day} on ({avail}).",
            need=need,
            member=member,
            day=day,
            avail=avail,
        )
    return InsufficientFunds(
        "amount",
        "{field} {need} would take member {member}'s {kind} savings below zero "
        "(available from {day} on: {avail}).",
        need=need,
        member=member,
        kind=account.rsplit(":", 1)[-1].lower(),
        day=day,
        avail=avail,
    )
