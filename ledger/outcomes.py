"""What a recorded command did, said in a sentence.

The handlers (``ledger.services``) return an ``Outcome``: the op, its key (ref or id),
whether anything was recorded, and the figures that matter (``facts``). This module says
them: the command line prints the sentence (in the chosen language), the JSON document
and the Python API carry it in English as ``detail``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ledger.i18n import msg
from ledger.money import format_rupiah

if TYPE_CHECKING:
    from ledger.services import Outcome

Facts = dict[str, Any]


def _close(f: Facts) -> str:
    """``f`` is the close's record (the fields of ``YearClosed``)."""
    if f["shu"] <= 0:
        what = f"a loss of {format_rupiah(-f['shu'])}" if f["shu"] else "no SHU"
        return msg("{what}; nothing appropriated; {y} is locked", what=what, y=f["year"])
    members = sum(f["jasa_usaha"].values()) + sum(f["jasa_modal"].values())
    return msg(
        "SHU {shu}: reserve {reserve}, members {members}, education {education}, social {social}; {y} is locked",
        shu=format_rupiah(f["shu"]),
        reserve=format_rupiah(f["reserve"]),
        members=format_rupiah(members),
        education=format_rupiah(f["funds"]["education"]),
        social=format_rupiah(f["funds"]["social"]),
        y=f["year"],
    )


def _harvest(f: Facts) -> str:
    parts = ", ".join(f"{k} {format_rupiah(a)}" for k, a in f["shares"].items())
    return msg("net {net}: {parts}", net=format_rupiah(f["net"]), parts=parts)


SAY: dict[str, Callable[[Facts], str]] = {
    "init": lambda f: msg(
        "started on {started} with policy {policy}", started=f["date"], policy=f["policy"].text()
    ),
    "policy.set": lambda f: f["policy"].text(),
    "member.add": lambda f: msg("{name}, joined {day}", name=f["name"], day=f["date"]),
    "member.leave": lambda f: msg(
        "settled pokok {pokok}, wajib {wajib}",
        pokok=format_rupiah(f["pokok"]),
        wajib=format_rupiah(f["wajib"]),
    ),
    "bagan.add": lambda f: msg(
        "partners {names}; manager {manager}; added {day}",
        names=", ".join(sorted(f["partners"])),
        manager=f["manager"],
        day=f["date"],
    ),
    "member.update": lambda f: msg("{name} from {day}", name=f["name"], day=f["date"]),
    "bagan.partners": lambda f: msg(
        "partners {names} from {day}", names=", ".join(sorted(f["partners"])), day=f["from"]
    ),
    "bagan.retire": lambda f: msg("retired ({reason})", reason=f["reason"]),
    "bagan.rebuild": lambda f: msg(
        "{value} paid by {paid_by}", value=format_rupiah(f["cost"]), paid_by=f["paid_by"]
    ),
    "harvest": _harvest,
    "savings.deposit": lambda f: msg(
        "{k} {value} for {mid}", k=f["kind"], value=format_rupiah(f["amount"]), mid=f["member"]
    ),
    "infaq.receive": lambda f: format_rupiah(f["amount"]),
    "infaq.disburse": lambda f: format_rupiah(f["amount"]),
    "loan.disburse": lambda f: msg(
        "{value} for {mid}", value=format_rupiah(f["amount"]), mid=f["member"]
    ),
    "repair": lambda f: msg(
        "{value} charged to {names}",
        value=format_rupiah(f["amount"]),
        names=", ".join(f["charges"]),
    ),
    "peeling.pay": lambda f: msg(
        "{value} to {member}", value=format_rupiah(f["amount"]), member=f["member"]
    ),
    "correct": lambda f: msg("reverses {target}", target=f["reverses"]),
    "story.add": lambda f: f["title"],
    "cooperative.income": lambda f: msg(
        "{value} ({why})", value=format_rupiah(f["amount"]), why=f["purpose"]
    ),
    "close": _close,
    "reopen": lambda f: msg("the close of {y} is undone: {why}", y=f["year"], why=f["reason"]),
    "shu.settle": lambda f: msg(
        "{value} of {y}'s SHU to {count} members ({to})",
        value=format_rupiah(sum(f["amounts"].values())),
        y=f["year"],
        count=len(f["amounts"]),
        to=f["to"],
    ),
}
SAY["savings.withdraw"] = SAY["savings.deposit"]
SAY["loan.repay"] = SAY["loan.disburse"]
SAY["cooperative.expense"] = SAY["cooperative.income"]


def detail(outcome: Outcome) -> str:
    """The sentence of what a recorded command did ("" when nothing was recorded)."""
    if not outcome.recorded:
        return ""
    return SAY[outcome.op](outcome.facts)
