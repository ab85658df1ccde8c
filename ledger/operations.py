"""The contract's operations by name: the same table serves the CLI and import."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import attrs

from ledger.app import Batch, Outcome
from ledger.errors import InvalidInput
from ledger.i18n import msg
from ledger.shu import FUNDS, resolve_bylaws
from ledger.split import SHARES


@attrs.frozen
class Operation:
    required: tuple[str, ...]
    optional: tuple[str, ...]
    run: Callable[[Batch, dict[str, Any]], Outcome]


def _policy_set(b: Batch, f: dict[str, Any]) -> Outcome:
    return b.set_policy(f["from"], {k: f[k] for k in SHARES})


OPERATIONS: dict[str, Operation] = {
    "init": Operation(
        ("name",),
        ("policy", "date"),
        lambda b, f: b.init(f["name"], f.get("policy"), f.get("date")),
    ),
    "policy.set": Operation(("from", *SHARES), (), _policy_set),
    "member.add": Operation(
        ("id", "name"), ("date",), lambda b, f: b.add_member(f["id"], f["name"], f.get("date"))
    ),
    "member.leave": Operation(("id", "date"), (), lambda b, f: b.leave_member(f["id"], f["date"])),
    "member.update": Operation(
        ("id", "name", "date"), (), lambda b, f: b.rename_member(f["id"], f["name"], f["date"])
    ),
    "bagan.partners": Operation(
        ("id", "partners", "from"),
        (),
        lambda b, f: b.change_partners(f["id"], f["partners"], f["from"]),
    ),
    "bagan.add": Operation(
        ("id", "partners", "manager"),
        ("date", "cost"),
        lambda b, f: b.add_bagan(
            f["id"], f["partners"], f["manager"], f.get("date"), f.get("cost")
        ),
    ),
    "harvest": Operation(
        ("ref", "date", "bagan"),
        ("kg", "price", "revenue", "costs", "buyer"),
        lambda b, f: b.harvest(
            f["ref"],
            f["date"],
            f["bagan"],
            f.get("kg"),
            f.get("price"),
            f.get("revenue"),
            f.get("costs"),
            f.get("buyer"),
        ),
    ),
    **{
        f"savings.{d}": Operation(
            ("ref", "date", "member", "kind", "amount"),
            (),
            lambda b, f, d=d: b.savings(
                d, f["ref"], f["date"], f["member"], f["kind"], f["amount"]
            ),
        )
        for d in ("deposit", "withdraw")
    },
    "infaq.receive": Operation(
        ("ref", "date", "amount"),
        ("member",),
        lambda b, f: b.infaq_receive(f["ref"], f["date"], f["amount"], f.get("member")),
    ),
    "infaq.disburse": Operation(
        ("ref", "date", "amount", "purpose"),
        (),
        lambda b, f: b.infaq_disburse(f["ref"], f["date"], f["amount"], f["purpose"]),
    ),
    **{
        f"loan.{d}": Operation(
            ("ref", "date", "member", "amount"),
            (),
            lambda b, f, d=d: b.loan(d, f["ref"], f["date"], f["member"], f["amount"]),
        )
        for d in ("disburse", "repay")
    },
    "repair": Operation(
        ("ref", "date", "bagan", "amount"),
        (),
        lambda b, f: b.repair(f["ref"], f["date"], f["bagan"], f["amount"]),
    ),
    "correct": Operation(
        ("ref", "date", "reverses", "reason"),
        (),
        lambda b, f: b.correct(f["ref"], f["date"], f["reverses"], f["reason"]),
    ),
    "story.add": Operation(
        ("member", "date", "title", "text"),
        ("ref",),
        lambda b, f: b.story(f["member"], f["date"], f["title"], f["text"], f.get("ref")),
    ),
}


def _close(b: Batch, f: dict[str, Any]) -> Outcome:
    points = resolve_bylaws(f.get("bylaws"), {k: f.get(k) for k in FUNDS})
    return b.close_year(f["year"], f.get("date"), points, f.get("round"))


OPERATIONS.update(
    {
        **{
            f"cooperative.{d}": Operation(
                ("ref", "date", "amount", "purpose"),
                (),
                lambda b, f, d=d: b.cooperative_movement(
                    d, f["ref"], f["date"], f["amount"], f["purpose"]
                ),
            )
            for d in ("income", "expense")
        },
        # year-end close; ``round`` (which close or reopen of the year this is) is
        # written by the export so that re-importing it records nothing twice
        "close": Operation(("year",), ("date", "bylaws", *FUNDS, "round"), _close),
        "reopen": Operation(
            ("year", "reason"),
            ("date", "round"),
            lambda b, f: b.reopen_year(f["year"], f["reason"], f.get("date"), f.get("round")),
        ),
    }
)


def apply(batch: Batch, op: object, fields: Mapping[str, Any]) -> Outcome:
    """Run one named operation; refuse unknown ops, unknown and missing fields."""
    if not isinstance(op, str) or op not in OPERATIONS:
        raise InvalidInput(
            "op",
            msg("op {op!r} is unknown; use one of {names}.", op=op, names=", ".join(OPERATIONS)),
        )
    spec = OPERATIONS[op]
    given = {k: v for k, v in fields.items() if v is not None and v != ""}
    unknown = sorted(set(given) - set(spec.required) - set(spec.optional))
    if unknown:
        raise InvalidInput(
            unknown[0], msg("field {unknown!r} is not used by {op}.", unknown=unknown[0], op=op)
        )
    for name in spec.required:
        if name not in given:
            raise InvalidInput(name, msg("{op} needs --{name}.", op=op, name=name))
    return spec.run(batch, given)
