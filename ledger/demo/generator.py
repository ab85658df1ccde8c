"""The Serang demo ledger: a seeded, plausible history of Koperasi Sinar Abadi.

``demo_lines(seed)`` is pure: it returns the import lines (dicts, in recording
order) of a cooperative like the one in the programme report (DOMAIN.md):
50 members of whom 36 are partners of 90 bagan, harvests from 2015 to March
2019, pokok/wajib/sukarela savings, infaq, qardh loans, repairs and a few
corrections. ``ledger.demo.build_ledger(db, seed)`` imports them into a ledger.

Calibration, to the report's own figures:

* Income: yields (mean 1,100–1,250 kg shell-on per harvest, gamma spread 0.3,
  an occasional storm loss) and farm-gate prices (Rp 8,000–10,000/kg rising by
  year, ±8 %) on a 5–7 month cycle make the partners' 60 % share come to about
  Rp 2.5 million a month per partner household in 2016–2018 (the report: mussels
  add Rp 2–3 million a month).
* Harvest savings: routine repairs after each harvest (bamboo poles and rope at
  the year's prices) are paid from the partners' harvest savings, but never below
  a reserve of Rp 850,000 per partner, so at the cut-off the fund holds at least
  36 × 850,000 = Rp 30.6 million. On 2019-01-31, after everything else of that
  day, storm repairs of the west-monsoon damage take the fund down to exactly
  ``HARVEST_SAVINGS_TARGET`` (Rp 29,311,200), spread over bagan in turn, each
  repair within every partner's balance. (Should a seed ever leave the fund
  short, a partner's top-up deposit of harvest savings closes the gap instead.)
* Infaq: every partner gives 1 % of her share at every harvest, the other
  members a small monthly infaq; the fund pays santunan (orphans, the poor, the
  musholla, Ramadan) each month up to September 2018 and then saves for the
  January santunan, which on 2019-01-31 disburses exactly what brings the fund
  to ``INFAQ_TARGET`` (Rp 2,292,175). (Should the fund be short, an anonymous
  infaq box receipt closes the gap instead.) Neither is ever negative.

The generator keeps its own running balances (harvest savings, sukarela, loans,
infaq) by the ledger's exact arithmetic (``split_net``, ``divide_equally``,
``gross_of``), processes the days in order and never takes a balance below zero,
so every line is accepted. The same seed gives the same lines.
"""

from __future__ import annotations

import calendar
import datetime as dt
import random
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from ledger.money import format_rupiah, gross_of
from ledger.split import DEFAULT_POLICY, divide_equally, split_net

DEFAULT_SEED = 2015
START = dt.date(2015, 1, 1)
CUTOFF = dt.date(2019, 1, 31)  # the report's figures are as of January 2019
END = dt.date(2019, 3, 31)  # harvests go on into early 2019
BEFORE = "2015-01-01..2015-12-31"  # the SLIA periods measured from the demo ledger
AFTER = "2018-01-01..2018-12-31"
STATEMENT_MEMBER = "M01"  # the statement `kerang demo` prints (a partner)
TARGET_BAGAN = 120  # the forecast's target: how likely are 120 bagan?
HARVEST_SAVINGS_TARGET = 29_311_200
INFAQ_TARGET = 2_292_175

MEMBERS = 50
PARTNERS = 36
BAGAN = 90
RESERVE = 850_000  # harvest savings kept per partner; 36 × 850,000 > the target
POKOK = 100_000
WAJIB = 10_000
INFAQ_SHARE = 100  # a partner gives 1/100 of her share of each harvest as infaq
PEELING_FROM = dt.date(2015, 7, 1)  # the peeling house opens with the first harvests
PEELING_MARGIN = 12  # % the peeling house's sales exceed its wages (assumed)

NAME = "Koperasi Sinar Abadi"

WOMEN = [
    "Siti Aminah", "Ani Suryani", "Rohimah", "Nurhayati", "Yati Haryati", "Sarinah",
    "Jubaedah", "Masitoh", "Halimah", "Khodijah", "Rukayah", "Samsiah", "Maesaroh",
    "Fatimah", "Aisyah", "Komariah", "Nafisah", "Suhaeti", "Romlah", "Mulyati",
    "Saodah", "Juhariah", "Maryam", "Uminah", "Hasanah", "Rosidah", "Eti Rohaeti",
    "Muslihah", "Sukaesih", "Nuraeni", "Hafsah", "Rusmiati", "Kholisoh", "Saripah",
    "Ulfah", "Asmanah", "Zulaikha", "Yuningsih", "Mariam", "Atikah", "Salamah",
    "Rodiah", "Ernawati", "Hamidah", "Jamilah", "Lilis", "Nengsih", "Sumiati",
    "Wartini", "Titin",
]  # fmt: skip
MEN = [
    "Budi", "Joko", "Dedi", "Sanusi", "Rohman", "Jaenudin", "Sarmin", "Mahmud", "Asep",
    "Karta", "Suhendi", "Ujang", "Marzuki", "Sahroni", "Juhri", "Ahmad", "Romli",
    "Sukri", "Maman", "Darsa", "Edi", "Haerudin", "Samsudin", "Tohir", "Wahyu",
    "Yusuf", "Hasan", "Komarudin", "Sarip", "Iwan",
]  # fmt: skip
BUYERS = [  # the cooperative sells to whichever buyer pays most; more buyers over the years
    (2015, "Pengepul Haji Romli"),
    (2015, "UD Karangantu Jaya"),
    (2016, "CV Laut Biru Serang"),
    (2017, "UD Sumber Rezeki"),
    (2017, "PT Mina Banten"),
    (2018, "CV Kerang Hijau Cilegon"),
]
EID = {  # Idul Fitri: sukarela is drawn before it, the Ramadan santunan is paid
    2015: dt.date(2015, 7, 17),
    2016: dt.date(2016, 7, 6),
    2017: dt.date(2017, 6, 25),
    2018: dt.date(2018, 6, 15),
}
SANTUNAN = [
    "santunan anak yatim",
    "bantuan warga dhuafa",
    "perbaikan musholla",
    "bantuan biaya berobat warga",
    "beasiswa anak nelayan",
]
STORIES = [  # Most Significant Change stories, as the SLIA interviews collect them
    {
        "ref": "MSC-001",
        "member": "M07",
        "date": dt.date(2017, 8, 14),
        "title": "Anak bisa lanjut SMA",
        "text": "Dari bagi hasil kerang saya bisa membayar sekolah anak ke SMA; dulu dari "
        "rajungan saja tidak cukup.",
    },
    {
        "ref": "MSC-002",
        "member": "M12",
        "date": dt.date(2018, 3, 5),
        "title": "Tidak lagi ke bank keliling",
        "text": "Pinjaman koperasi tanpa bunga, jadi saya tidak lagi meminjam ke bank "
        "keliling yang menagih setiap hari.",
    },
    {
        "ref": "MSC-003",
        "member": "M23",
        "date": dt.date(2018, 11, 20),
        "title": "Tabungan untuk perbaikan bagan",
        "text": "Waktu bagan rusak kena angin barat, perbaikannya dibayar dari tabungan "
        "panen; panen berikutnya tetap jalan.",
    },
]
YIELD_KG = {2015: 1100, 2016: 1150, 2017: 1200, 2018: 1250, 2019: 1250}
PRICE = {2015: 8000, 2016: 8500, 2017: 9000, 2018: 9500, 2019: 10000}
POLE_PRICE = {2015: 55_000, 2016: 58_000, 2017: 60_000, 2018: 63_000, 2019: 65_000}
ROPE_PRICE = {2015: 14_000, 2016: 14_500, 2017: 15_000, 2018: 15_500, 2019: 16_000}


def demo_name(seed: int) -> str:
    """The cooperative's name in the demo ledger: it tells which seed built it."""
    return f"{NAME} (demo, seed {seed})"


def add_months(day: dt.date, months: int, on: int | None = None) -> dt.date:
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    return dt.date(year, month, min(on or day.day, calendar.monthrange(year, month)[1]))


def _months(first: dt.date, last: dt.date) -> list[dt.date]:
    out, d = [], first.replace(day=1)
    while d <= last:
        out.append(d)
        d = add_months(d, 1, 1)
    return out


class _Generator:
    """Runs the days in order; ``agenda`` holds what happens on a day."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.peel_rng = random.Random(seed * 7919 + 1)
        self.peelers = {f"M{i:02d}" for i in range(PARTNERS - 5, MEMBERS + 1)}  # 20 women peel
        self.seed = seed
        self.lines: list[dict[str, Any]] = []
        self.agenda: dict[dt.date, list[tuple[int, int, Callable[[], None]]]] = defaultdict(list)
        self.seq = 0
        self.today = START
        self.counters: dict[str, int] = defaultdict(int)
        # running balances, as the ledger keeps them
        self.harvest: dict[str, int] = defaultdict(int)
        self.sukarela: dict[str, int] = defaultdict(int)
        self.loans: dict[str, int] = defaultdict(int)
        self.infaq = 0
        self.held: dict[tuple[str, str], int] = defaultdict(int)  # credits due to be reversed
        self.members: list[str] = []
        self.joined: dict[str, dt.date] = {}
        self.bagan: dict[str, tuple[list[str], dt.date]] = {}  # id -> (partners, added)
        self.corrections: list[str] = []  # which kinds of correction are still to make

    # ---------------------------------------------------------------- plumbing
    def at(self, day: dt.date, fn: Callable[[], None], priority: int = 5) -> None:
        if day < self.today:
            raise ValueError(f"{day} is already past")  # it would never happen
        if day <= END:
            self.seq += 1
            self.agenda[day].append((priority, self.seq, fn))

    def emit(self, op: str, **fields: Any) -> None:
        self.lines.append({"op": op, **fields})

    def ref(self, prefix: str, width: int = 4) -> str:
        self.counters[prefix] += 1
        return f"{prefix}-{self.counters[prefix]:0{width}d}"

    def correct(self, day: dt.date, reverses: str, reason: str) -> None:
        ref = self.ref("KOREKSI", 3)
        self.emit("correct", ref=ref, date=day.isoformat(), reverses=reverses, reason=reason)

    def available(self, account: str, member: str) -> int:
        balance = {"harvest": self.harvest, "sukarela": self.sukarela}[account][member]
        return balance - self.held[(account, member)]

    # ---------------------------------------------------------------- the story
    def run(self) -> list[dict[str, Any]]:
        rng = self.rng
        self.emit("init", name=demo_name(self.seed), date=START.isoformat())
        ids = [f"M{i:02d}" for i in range(1, MEMBERS + 1)]
        women = list(WOMEN)
        rng.shuffle(women)
        for i, mid in enumerate(ids):
            # the 36 partners founded the cooperative; the others joined during 2015
            day = START if i < PARTNERS else dt.date(2015, rng.randint(2, 9), 1)
            self.at(day, lambda m=mid, n=women[i], d=day: self.join(m, n, d), priority=0)
        self.partner_groups(ids[:PARTNERS])
        for month in _months(START, END):
            self.at(month, lambda m=month: self.month(m), priority=1)
            self.at(month.replace(day=28), lambda m=month: self.peeling(m), priority=7)
        for story in STORIES:
            self.at(
                story["date"],
                lambda s=story: self.emit("story.add", **{**s, "date": s["date"].isoformat()}),
            )
        self.at(CUTOFF, self.calibrate, priority=9)
        self.corrections = ["sukarela", "infaq", "harvest", "repair", "wajib"]

        while self.today <= END:
            for _, _, fn in sorted(self.agenda.pop(self.today, [])):
                fn()
            self.today += dt.timedelta(days=1)
        return self.lines

    def join(self, mid: str, name: str, day: dt.date) -> None:
        self.members.append(mid)
        self.joined[mid] = day
        self.emit("member.add", id=mid, name=f"Ibu {name}", date=day.isoformat())
        self.emit(
            "savings.deposit",
            ref=f"POKOK-{mid}",
            date=day.isoformat(),
            member=mid,
            kind="pokok",
            amount=POKOK,
        )

    def partner_groups(self, partners: list[str]) -> None:
        """Pairs and a few trios of partners; each group shares its bagan equally.

        12 pairs × 5 bagan and 4 trios with 8, 8, 7, 7 bagan: 90 bagan, about
        2.5 bagan per partner. Built in three waves of 30 in 2015.
        """
        rng = self.rng
        order = list(partners)
        rng.shuffle(order)
        sizes = [2] * 12 + [3] * 4
        counts = [5] * 12 + [8, 8, 7, 7]
        groups, at = [], 0
        for size, count in zip(sizes, counts, strict=True):
            groups.append((sorted(order[at : at + size]), count))
            at += size
        men = list(MEN)
        rng.shuffle(men)
        slots = []
        for g, (group, count) in enumerate(groups):
            # a pair's bagan have one manager, a trio's two (husbands or relatives)
            managers = [f"Pak {men[g]}", f"Pak {men[16 + g % 12]}"]
            for j in range(count):
                # the first manager is the first partner's husband, a second one
                # (a trio's) the second partner's relative: both shares reach
                # the same household (the report), recorded as --manager-member
                k = j % 2 if count > 5 else 0
                slots.append((group, (managers[k], group[k])))
        rng.shuffle(slots)
        waves = [dt.date(2015, 2, 10), dt.date(2015, 5, 12), dt.date(2015, 8, 11)]
        for n, (group, (manager, household)) in enumerate(slots):
            bid = f"B{n + 1:02d}"
            added = waves[n // 30] + dt.timedelta(days=rng.randint(0, 20))
            cost = rng.randint(210, 270) * 50_000  # ~Rp 12 million: bamboo, rope, labour
            self.at(
                added,
                lambda b=bid, g=group, m=manager, h=household, d=added, c=cost: self.add_bagan(
                    b, g, m, d, c, h
                ),
                priority=2,
            )

    def add_bagan(
        self, bid: str, partners: list[str], manager: str, day: dt.date, cost: int, household: str
    ):
        self.bagan[bid] = (partners, day)
        self.emit(
            "bagan.add",
            id=bid,
            partners=partners,
            manager=manager,
            date=day.isoformat(),
            cost=cost,
            manager_member=household,
        )
        first = add_months(day, self.rng.choice([5, 6, 6, 7]), self.rng.randint(1, 28))
        self.at(first, lambda: self.harvest_of(bid, first))

    # ---------------------------------------------------------------- harvests
    def harvest_of(self, bid: str, day: dt.date) -> None:
        rng = self.rng
        partners, _ = self.bagan[bid]
        cv = 0.3
        kg = rng.gammavariate(1 / cv**2, YIELD_KG[day.year] * cv**2)
        if rng.random() < 0.08:  # storm or a bad spat fall: part of the ropes lost
            kg *= rng.uniform(0.3, 0.7)
        kg = Decimal(max(150.0, round(kg, 1))).quantize(Decimal("0.1"))
        season = 1.0 + 0.05 * (1 if day.month in (12, 1, 2) else 0)  # west monsoon: scarce
        price = int(round(PRICE[day.year] * season * rng.uniform(0.92, 1.08), -2))
        buyers = [name for year, name in BUYERS if year <= day.year]
        buyer = rng.choice(buyers)
        gross = gross_of(kg, price)
        costs = int(round(gross * rng.uniform(0.04, 0.07), -3))  # boat, fuel, crew on the day
        ref = f"NOTA-{bid}-{day:%Y%m%d}"
        fields = {
            "ref": ref,
            "date": day.isoformat(),
            "bagan": bid,
            "kg": str(kg),
            "price": price,
            "costs": costs,
            "buyer": buyer,
        }
        if "harvest" in self.corrections and day.year == 2016 and day.month >= 9:
            self.corrections.remove("harvest")
            # the clerk typed the kg with a zero too many; the books are checked next morning
            wrong = {**fields, "ref": ref + "-X", "kg": str(kg * 10)}
            self.emit("harvest", **wrong)
            split = split_net(gross_of(kg * 10, price) - costs, DEFAULT_POLICY)
            credits = divide_equally(split.savings, partners)
            for p, amount in credits.items():
                self.harvest[p] += amount
                self.held[("harvest", p)] += amount

            def fix(d: dt.date = day + dt.timedelta(days=1)) -> None:
                self.correct(d, ref + "-X", f"kg {kg * 10} typed for {kg}; entered again as {ref}")
                for p, amount in credits.items():
                    self.harvest[p] -= amount
                    self.held[("harvest", p)] -= amount
                self.record_harvest(bid, partners, {**fields, "date": d.isoformat()}, gross, d)

            self.at(day + dt.timedelta(days=1), fix, priority=0)
        else:
            self.record_harvest(bid, partners, fields, gross, day)
        cycle = rng.choice([5, 6, 6, 6, 7])
        following = add_months(day, cycle, rng.randint(1, 28))
        self.at(following, lambda: self.harvest_of(bid, following))
        later = day + dt.timedelta(days=rng.randint(5, 20))
        self.at(later, lambda: self.repair(bid, later))

    def record_harvest(self, bid, partners, fields, gross, day) -> None:
        rng = self.rng
        self.emit("harvest", **fields)
        split = split_net(gross - fields["costs"], DEFAULT_POLICY)
        for p, amount in divide_equally(split.savings, partners).items():
            self.harvest[p] += amount
        for p, share in divide_equally(split.members, partners).items():
            gift = share // INFAQ_SHARE
            self.emit(
                "infaq.receive",
                ref=f"INFAQ-{fields['ref']}-{p}",
                date=day.isoformat(),
                amount=gift,
                member=p,
            )
            self.infaq += gift
            if rng.random() < 0.3:  # part of the share put by as sukarela
                amount = max(20_000, int(round(share * rng.uniform(0.05, 0.15), -4)))
                later = day + dt.timedelta(days=rng.randint(0, 3))
                self.at(later, lambda m=p, a=amount, d=later: self.sukarela_in(m, a, d))

    def repair(self, bid: str, day: dt.date) -> None:
        """Routine repair after a harvest: bamboo poles and rope, above the reserve."""
        rng = self.rng
        partners, _ = self.bagan[bid]
        cost = rng.randint(8, 20) * POLE_PRICE[day.year] + rng.randint(5, 20) * ROPE_PRICE[day.year]
        room = min(self.available("harvest", p) for p in partners) - RESERVE
        amount = min(cost, len(partners) * room) // 5_000 * 5_000
        if amount < 50_000:
            return
        ref = f"PERBAIKAN-{bid}-{day:%Y%m%d}"
        if "repair" in self.corrections and day.year == 2017 and amount > 200_000:
            self.corrections.remove("repair")
            wrong = amount - 90_000  # the receipt misread; corrected and entered again
            self.emit("repair", ref=ref + "-X", date=day.isoformat(), bagan=bid, amount=wrong)
            self.correct(day, ref + "-X", f"receipt misread as {wrong}; entered again as {ref}")
        self.emit("repair", ref=ref, date=day.isoformat(), bagan=bid, amount=amount)
        for p, charge in divide_equally(amount, partners).items():
            self.harvest[p] -= charge

    # ---------------------------------------------------------------- each month
    def peeling(self, first: dt.date) -> None:
        """The peeling house's wages for the month: its own random stream, so
        the rest of the demo is the same with or without it."""
        rng = self.peel_rng
        if first < PEELING_FROM:
            return
        peelers = [m for m in self.members if m in self.peelers]
        day = first.replace(day=28)
        wages: list[tuple[str, int, int]] = []
        for mid in peelers:
            # 3-4 days a week while the house starts, 5-7 days from 2016 (the report)
            days = rng.randint(13, 17) if first.year == 2015 else rng.randint(21, 28)
            wage = 40_000 if first.year == 2015 else rng.choice([40_000, 45_000, 50_000])
            wages.append((mid, days, days * wage))
        if not wages:
            return
        # The house pays its peelers out of the month's sales of peeled meat, so the
        # sales come in first: the cooperative never pays out cash it does not hold.
        paid = sum(amount for _, _, amount in wages)
        self.emit(
            "cooperative.income",
            ref=f"KUPASAN-{first:%Y%m}",
            date=day.isoformat(),
            amount=-(-paid * (100 + PEELING_MARGIN) // 100_000) * 1_000,
            purpose="peeling house sales (kerang kupas)",
        )
        for mid, days, amount in wages:
            self.emit(
                "peeling.pay",
                ref=f"UPAH-KUPAS-{first:%Y%m}-{mid}",
                date=day.isoformat(),
                member=mid,
                amount=amount,
                days=days,
            )

    def month(self, first: dt.date) -> None:
        rng = self.rng
        tag = f"{first:%Y%m}"
        for mid in list(self.members):
            day = first.replace(day=rng.randint(10, 20))
            self.at(day, lambda m=mid, d=day: self.wajib(m, d, tag))
            if int(mid[1:]) > PARTNERS:  # members without a bagan give infaq monthly
                gift = rng.choice([2_000, 5_000, 5_000, 10_000])
                self.at(day, lambda m=mid, d=day, g=gift: self.infaq_in(m, d, g, tag))
                if rng.random() < 0.12:
                    amount = rng.randint(2, 12) * 25_000
                    self.at(day, lambda m=mid, a=amount, d=day: self.sukarela_in(m, a, d))
            eid = EID.get(first.year)
            before_eid = eid is not None and (eid - first).days in range(0, 40)
            if rng.random() < (0.5 if before_eid else 0.04):
                out = (eid - dt.timedelta(days=rng.randint(3, 10))) if before_eid else day
                out = max(out, first)
                self.at(out, lambda m=mid, d=out: self.sukarela_out(m, d))
            if first >= dt.date(2015, 4, 1) and self.loans[mid] == 0:
                p = 0.015 if first.year == 2015 else 0.035
                if rng.random() < p:
                    self.at(day, lambda m=mid, d=day: self.loan(m, d))
        # santunan from the infaq fund; from October 2018 it saves for the January one
        if not (dt.date(2018, 10, 1) <= first <= CUTOFF):
            day = first.replace(day=rng.randint(20, 28))
            self.at(day, lambda d=day: self.santunan(d), priority=8)

    def wajib(self, mid: str, day: dt.date, tag: str) -> None:
        ref = f"WAJIB-{tag}-{mid}"
        fields = {"date": day.isoformat(), "kind": "wajib", "amount": WAJIB}
        if "wajib" in self.corrections and day >= dt.date(2017, 3, 1) and mid == "M02":
            self.corrections.remove("wajib")
            self.emit("savings.deposit", ref=ref + "-X", member="M20", **fields)
            self.correct(day, ref + "-X", f"entered for M20 instead of {mid}; entered again")
        self.emit("savings.deposit", ref=ref, member=mid, **fields)

    def infaq_in(self, mid: str, day: dt.date, amount: int, tag: str) -> None:
        ref = f"INFAQ-{tag}-{mid}"
        if "infaq" in self.corrections and day.year == 2016:
            self.corrections.remove("infaq")
            typo = amount * 10
            self.emit(
                "infaq.receive", ref=ref + "-X", date=day.isoformat(), amount=typo, member=mid
            )
            self.infaq += typo
            self.held[("infaq", "")] += typo

            def fix(d: dt.date = day + dt.timedelta(days=1)) -> None:
                self.correct(
                    d,
                    ref + "-X",
                    f"{format_rupiah(typo)} typed for {format_rupiah(amount)}; entered again",
                )
                self.infaq -= typo
                self.held[("infaq", "")] -= typo
                self.emit("infaq.receive", ref=ref, date=d.isoformat(), amount=amount, member=mid)
                self.infaq += amount

            self.at(day + dt.timedelta(days=1), fix, priority=0)
            return
        self.emit("infaq.receive", ref=ref, date=day.isoformat(), amount=amount, member=mid)
        self.infaq += amount

    def sukarela_in(self, mid: str, amount: int, day: dt.date) -> None:
        ref = self.ref("SUKARELA", 5)
        fields = {"date": day.isoformat(), "member": mid, "kind": "sukarela", "amount": amount}
        self.emit("savings.deposit", ref=ref, **fields)
        self.sukarela[mid] += amount
        if "sukarela" in self.corrections and day.year == 2016:
            self.corrections.remove("sukarela")
            again = ref + "-2"
            self.emit("savings.deposit", ref=again, **fields)  # the same slip entered twice
            self.sukarela[mid] += amount
            self.held[("sukarela", mid)] += amount

            def fix(d: dt.date = day + dt.timedelta(days=1)) -> None:
                self.correct(d, again, f"slip {ref} entered twice")
                self.sukarela[mid] -= amount
                self.held[("sukarela", mid)] -= amount

            self.at(day + dt.timedelta(days=1), fix, priority=0)

    def sukarela_out(self, mid: str, day: dt.date) -> None:
        have = self.available("sukarela", mid)
        amount = int(have * self.rng.uniform(0.2, 0.8)) // 10_000 * 10_000
        if amount < 20_000:
            return
        self.emit(
            "savings.withdraw",
            ref=self.ref("TARIK", 5),
            date=day.isoformat(),
            member=mid,
            kind="sukarela",
            amount=amount,
        )
        self.sukarela[mid] -= amount

    def loan(self, mid: str, day: dt.date) -> None:
        rng = self.rng
        amount = rng.randint(5, 30) * 100_000
        ref = self.ref("PINJAM")
        self.emit("loan.disburse", ref=ref, date=day.isoformat(), member=mid, amount=amount)
        self.loans[mid] += amount
        n = rng.randint(4, 10)
        each = -(-amount // n // 10_000) * 10_000
        on = rng.randint(24, 28)
        for k in range(1, n + 1):
            due = add_months(day, k, on)
            self.at(
                due,
                lambda m=mid, r=f"ANGSUR{ref[6:]}-{k:02d}", e=each, d=due: self.repay(m, r, e, d),
            )

    def repay(self, mid: str, ref: str, each: int, day: dt.date) -> None:
        amount = min(each, self.loans[mid])
        if amount <= 0:
            return
        self.emit("loan.repay", ref=ref, date=day.isoformat(), member=mid, amount=amount)
        self.loans[mid] -= amount

    def santunan(self, day: dt.date) -> None:
        rng = self.rng
        have = self.infaq - self.held[("infaq", "")]
        ramadan = EID.get(day.year) is not None and 0 <= (EID[day.year] - day).days < 31
        share = rng.uniform(0.8, 0.95) if ramadan else rng.uniform(0.5, 0.9)
        amount = int(have * share) // 10_000 * 10_000
        if amount < 100_000:
            return
        purpose = "santunan anak yatim Ramadan" if ramadan else rng.choice(SANTUNAN)
        self.emit(
            "infaq.disburse",
            ref=f"SANTUNAN-{day:%Y%m}",
            date=day.isoformat(),
            amount=amount,
            purpose=purpose,
        )
        self.infaq -= amount

    # ---------------------------------------------------------------- calibration
    def calibrate(self) -> None:
        """At the end of 2019-01-31: land both funds exactly on the report's figures."""
        rng = self.rng
        day = CUTOFF.isoformat()
        if any(self.held.values()):
            raise AssertionError("no correction may be pending at the cut-off")
        excess = sum(self.harvest.values()) - HARVEST_SAVINGS_TARGET
        order = list(self.bagan)
        rng.shuffle(order)
        for capped in (True, False):  # storm repairs of a usual size first, then whatever
            for bid in order:
                if excess <= 0:
                    break
                partners, _ = self.bagan[bid]
                room = len(partners) * min(self.harvest[p] for p in partners)
                size = rng.randint(8, 30) * 50_000 if capped else room
                amount = min(excess, room, size)
                if amount <= 0:
                    continue
                suffix = "" if capped else "-2"
                self.emit(
                    "repair",
                    ref=f"PERBAIKAN-BADAI-{bid}{suffix}",
                    date=day,
                    bagan=bid,
                    amount=amount,
                )
                for p, charge in divide_equally(amount, partners).items():
                    self.harvest[p] -= charge
                excess -= amount
        if excess < 0:  # short: a partner tops up her harvest savings
            self.emit(
                "savings.deposit",
                ref="SETOR-PANEN-201901",
                date=day,
                member="M01",
                kind="harvest",
                amount=-excess,
            )
            self.harvest["M01"] -= excess
        gap = self.infaq - INFAQ_TARGET
        if gap > 0:
            self.emit(
                "infaq.disburse",
                ref="SANTUNAN-201901",
                date=day,
                amount=gap,
                purpose="santunan anak yatim awal tahun",
            )
        elif gap < 0:
            self.emit("infaq.receive", ref="KOTAK-INFAQ-201901", date=day, amount=-gap)
        self.infaq -= gap
        if (sum(self.harvest.values()), self.infaq) != (HARVEST_SAVINGS_TARGET, INFAQ_TARGET):
            raise AssertionError("the demo missed the report's figures")


def demo_lines(seed: int = DEFAULT_SEED) -> list[dict[str, Any]]:
    """The demo ledger's import lines, in recording order (pure; same seed, same lines)."""
    return _Generator(seed).run()
