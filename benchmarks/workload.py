"""A synthetic cooperative's history as import lines (for benchmarks)."""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path

MEMBERS = 50
BAGAN = 90


def lines(count: int, seed: int = 1) -> list[str]:
    """``count`` import lines: the register, then a dated mix of transactions."""
    rng = random.Random(seed)
    start = dt.date(2015, 1, 1)
    out = [{"op": "init", "name": "Koperasi Benchmark", "date": start.isoformat()}]
    members = [f"M{i:03d}" for i in range(1, MEMBERS + 1)]
    out += [
        {"op": "member.add", "id": m, "name": f"Ibu {m}", "date": start.isoformat()}
        for m in members
    ]
    partners = members[:36]
    for i in range(1, BAGAN + 1):
        team = sorted(rng.sample(partners, rng.choice([1, 2, 2, 3])))
        out.append(
            {
                "op": "bagan.add",
                "id": f"B{i:03d}",
                "partners": team,
                "manager": f"Pak {i}",
                "date": start.isoformat(),
                "cost": 12_000_000,
            }
        )
    n = len(out)
    day = start
    # 40 lines a day, more on a large ledger so that its dates stay before today
    per_day = max(40, -(-count // 3000))
    while len(out) < count:
        n += 1
        if n % per_day == 0:
            day += dt.timedelta(days=1)
        r = rng.random()
        ref = f"T{n}"
        if r < 0.3:
            line = {
                "op": "harvest",
                "ref": ref,
                "date": day.isoformat(),
                "bagan": f"B{rng.randint(1, BAGAN):03d}",
                "kg": rng.randint(500, 6000),
                "price": rng.randint(7000, 15000),
                "costs": rng.randint(0, 300_000),
            }
        elif r < 0.8:
            line = {
                "op": "savings.deposit",
                "ref": ref,
                "date": day.isoformat(),
                "member": rng.choice(members),
                "kind": rng.choice(["wajib", "sukarela"]),
                "amount": rng.randint(1, 100) * 1000,
            }
        elif r < 0.9:
            line = {
                "op": "infaq.receive",
                "ref": ref,
                "date": day.isoformat(),
                "amount": rng.randint(1, 50) * 1000,
                "member": rng.choice(members),
            }
        else:
            line = {
                "op": "loan.disburse",
                "ref": ref,
                "date": day.isoformat(),
                "member": rng.choice(members),
                "amount": rng.randint(1, 20) * 100_000,
            }
        out.append(line)
    return [json.dumps(x) for x in out[:count]]


def write(path: Path, count: int, seed: int = 1) -> Path:
    path.write_text("\n".join(lines(count, seed)) + "\n")
    return path
