"""Events recorded today must replay after refactors.

``stored-events-v1.jsonl`` holds the raw rows of a ledger recorded by this
version. If a class is renamed or moved, these tests fail until the old topic
is registered (``eventsourcing.utils.register_topic``) or upcast.
"""

from __future__ import annotations

import json
from pathlib import Path

from backends import new_db, raw, sql
from eventsourcing.utils import resolve_topic

from ledger import queries
from ledger.app import open_ledger
from ledger.replay import replayed

FIXTURE = Path(__file__).parent / "fixtures" / "stored-events-v1.jsonl"

PINNED_TOPICS = {
    "ledger.domain:Cooperative.Started",
    "ledger.domain:Cooperative.PolicySet",
    "ledger.domain:Cooperative.MemberAdded",
    "ledger.domain:Cooperative.MemberLeft",
    "ledger.domain:Cooperative.BaganAdded",
    "ledger.domain:Harvest.Recorded",
    "ledger.domain:SavingsDeposit.Recorded",
    "ledger.domain:SavingsWithdrawal.Recorded",
    "ledger.domain:InfaqReceipt.Recorded",
    "ledger.domain:InfaqDisbursement.Recorded",
    "ledger.domain:LoanDisbursement.Recorded",
    "ledger.domain:LoanRepayment.Recorded",
    "ledger.domain:Repair.Recorded",
    "ledger.domain:Correction.Recorded",
    "ledger.domain:Story.Recorded",
    "ledger.domain:Transaction.Reversed",
    "ledger.domain:CooperativeIncome.Recorded",
    "ledger.domain:CooperativeExpense.Recorded",
    "ledger.domain:Cooperative.YearClosed",
    "ledger.domain:Cooperative.YearReopened",
}


def test_every_pinned_topic_resolves() -> None:
    for topic in sorted(PINNED_TOPICS):
        assert resolve_topic(topic) is not None, topic


def test_events_recorded_by_version_1_replay(tmp_path: Path) -> None:
    db = new_db(tmp_path, "old")
    app = open_ledger(db, create=True)  # creates the tables
    rows = [json.loads(line) for line in FIXTURE.read_text().splitlines()]
    assert {r["topic"] for r in rows} <= PINNED_TOPICS
    with raw(db) as c:
        for r in rows:
            c.execute(
                sql(
                    db,
                    "INSERT INTO stored_events (originator_id, originator_version, topic, state) VALUES (?,?,?,?)",
                ),
                (r["originator_id"], r["originator_version"], r["topic"], r["state"].encode()),
            )
    state = replayed(app)
    assert len(state.refs) == 116
    assert sum(amount for *_, amount in state.postings) == 0
    # the register and a transaction rebuild from these events alone
    coop = app.cooperative()
    assert coop.name == "Koperasi Sinar Abadi (demo)" and sorted(coop.bagan) == [
        "B01",
        "B02",
        "B03",
    ]
    harvest = app.transaction("NOTA-201506-B01")
    assert harvest.net == harvest.gross - harvest.costs == sum(harvest.shares.values())
    assert app.transaction("SUKARELA-002").reversed_by == "KOREKSI-001"
    assert (
        queries.cooperative(app).policy_on(coop.started).text()
        == "manager=30,members=60,savings=8,cooperative=2"
    )
