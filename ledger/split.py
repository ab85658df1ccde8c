"""The harvest arithmetic of the contract: exact to the rupiah.

One implementation, used by the ledger, its auditor and the forecast.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import attrs

from ledger.errors import InvalidInput, PolicyError
from ledger.i18n import msg
from ledger.money import format_percent, parse_percent

SHARES: tuple[str, ...] = ("manager", "members", "savings", "cooperative")
WHOLE = 10_000  # basis points in 100 %


@attrs.frozen
class Policy:
    """Percentages of net proceeds, in basis points; they add up to 100 %."""

    manager: int
    members: int
    savings: int
    cooperative: int

    def __attrs_post_init__(self) -> None:
        for name in SHARES:
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise PolicyError(
                    name,
                    msg("policy share {name} must be a whole number of basis points.", name=name),
                )
        total = sum(self.points())
        if total != WHOLE:
            raise PolicyError(
                "policy",
                msg(
                    "policy shares must add up to 100, not {total} ({policy}).",
                    total=format_percent(total),
                    policy=self.text(),
                ),
            )

    def points(self) -> tuple[int, int, int, int]:
        return (self.manager, self.members, self.savings, self.cooperative)

    def as_dict(self) -> dict[str, int]:
        return dict(zip(SHARES, self.points(), strict=True))

    def text(self) -> str:
        return ",".join(
            f"{n}={format_percent(p)}" for n, p in zip(SHARES, self.points(), strict=True)
        )

    @classmethod
    def from_percentages(cls, values: Mapping[str, object]) -> Policy:
        unknown = sorted(set(values) - set(SHARES))
        if unknown:
            raise InvalidInput(
                unknown[0],
                msg(
                    "policy share {unknown!r} is unknown; use {names}.",
                    unknown=unknown[0],
                    names=", ".join(SHARES),
                ),
            )
        missing = [n for n in SHARES if n not in values]
        if missing:
            raise InvalidInput(
                missing[0], msg("policy share {missing} is missing.", missing=missing[0])
            )
        return cls(**{n: parse_percent(values[n], n) for n in SHARES})

    @classmethod
    def parse(cls, text: str) -> Policy:
        """``manager=30,members=60,savings=8,cooperative=2``."""
        return cls.from_percentages(policy_terms(text))


def policy_terms(text: str) -> dict[str, str]:
    """The ``name=percent`` terms of a policy text, unchecked."""
    values: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, eq, value = part.partition("=")
        if not eq:
            raise InvalidInput(
                "policy", msg("policy part {part!r} must look like name=percent.", part=part)
            )
        name = name.strip()
        if name in values:
            raise InvalidInput(name, msg("policy share {name} is given twice.", name=name))
        values[name] = value.strip()
    return values


DEFAULT_POLICY = Policy(manager=3000, members=6000, savings=800, cooperative=200)


@attrs.frozen
class Split:
    """A net amount divided over the four shares."""

    manager: int
    members: int
    savings: int
    cooperative: int

    @property
    def total(self) -> int:
        return self.manager + self.members + self.savings + self.cooperative

    def as_dict(self) -> dict[str, int]:
        shares = (self.manager, self.members, self.savings, self.cooperative)
        return dict(zip(SHARES, shares, strict=True))


def largest_remainder(amount: int, weights: Sequence[int]) -> list[int]:
    """Divide ``amount`` in proportion to integer ``weights``, exactly.

    Each part gets floor(amount * w / W); the rupiah left over go one each to
    the parts with the largest fractional parts, ties to the earlier part.
    """
    if amount < 0:
        raise ValueError("amount must not be negative")
    total = sum(weights)
    if total <= 0:
        raise ValueError("weights must add up to more than zero")
    parts, remainders = [], []
    for w in weights:
        q, r = divmod(amount * w, total)
        parts.append(q)
        remainders.append(r)
    left = amount - sum(parts)
    # sorted() is stable: equal remainders keep the given order
    for i in sorted(range(len(weights)), key=lambda i: -remainders[i])[:left]:
        parts[i] += 1
    return parts


def split_net(net: int, policy: Policy) -> Split:
    """Rule 2: split ``net`` over ``policy`` by largest remainder."""
    return Split(*largest_remainder(net, policy.points()))


def divide_equally(amount: int, partners: Iterable[str]) -> dict[str, int]:
    """Rule 3: floor(amount / k) each, the remainder one rupiah each in
    ascending ID order. Returns the parts keyed by partner, in that order."""
    ordered = sorted(partners)
    if not ordered:
        raise ValueError("at least one partner is needed")
    if len(set(ordered)) != len(ordered):
        raise ValueError("partners must be distinct")
    base, left = divmod(amount, len(ordered))
    return {p: base + (1 if i < left else 0) for i, p in enumerate(ordered)}
