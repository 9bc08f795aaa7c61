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
