"""Migrations: a blank database ends with the expected schema; opening again applies nothing twice."""

from db import open_db
from db.migrations import migrations


def test_blank_database_gets_every_table_and_column(tmp_path):
    db = open_db(tmp_path / "blank.db")
    assert set(db.table_names()) >= {"people", "requests", "answers", "events", "processed_updates"}
    assert set(db["requests"].columns_dict) >= {
        "id", "kind", "user_id", "status", "source", "opening_note", "reply_chat_id", "business_connection_id",
        "target_chat_id", "unreachable", "created_at", "answered_at", "card_chat_id", "card_message_id",
        "decided_at", "decided_by", "decided_by_name", "decision_note"}
    assert db["answers"].pks == ["request_id", "question_key"]
    assert db.execute("pragma journal_mode").fetchone()[0] == "wal"
    names = [m.name for m in migrations.applied(db)]
    assert names == sorted(names) and all(n.startswith("m0") for n in names)


def test_reopening_applies_nothing_twice(tmp_path):
    path = tmp_path / "again.db"
    first = open_db(path)
    applied = len(migrations.applied(first))
    first.close()
    assert len(migrations.applied(open_db(path))) == applied


def test_only_the_newest_handled_update_ids_are_kept(tmp_path):
    from datetime import UTC, datetime

    from db.events import is_update_processed, mark_update_processed, prune_processed_updates

    db = open_db(tmp_path / "prune.db")
    now = datetime(2026, 11, 23, tzinfo=UTC)
    for update_id in range(1000, 1300):
        mark_update_processed(db, update_id, now)
    assert prune_processed_updates(db, keep=100) == 199
    assert not is_update_processed(db, 1198) and is_update_processed(db, 1199) and is_update_processed(db, 1299)
    assert prune_processed_updates(db, keep=100) == 0
