"""Migrations: a blank database ends with the expected schema; opening again applies nothing twice."""

import subprocess
import sys

from db import open_db
from db.migrations import MIGRATIONS, pending


def applied(db) -> list[str]:
    return [row["name"] for row in db.query("select name from _sqlite_migrations order by rowid")]


def test_blank_database_gets_every_table_and_column(tmp_path):
    db = open_db(tmp_path / "blank.db")
    tables = {row["name"] for row in db.query("select name from sqlite_master where type = 'table'")}
    assert tables >= {"people", "requests", "answers", "events", "processed_updates", "assessments"}
    assert set(db["requests"].columns_dict) >= {
        "id", "kind", "user_id", "status", "source", "opening_note", "reply_chat_id", "business_connection_id",
        "target_chat_id", "unreachable", "created_at", "answered_at", "card_chat_id", "card_message_id",
        "decided_at", "decided_by", "decided_by_name", "decision_note"}
    assert db["answers"].pks == ["request_id", "question_key"]
    assert {"username", "invite_link"} <= set(db["chats"].columns_dict)
    assert set(db["late_messages"].columns_dict) == {"id", "request_id", "text", "created_at"}
    assert db.execute("pragma journal_mode").fetchone()[0] == "wal"
    names = applied(db)
    assert names == sorted(names) == [m.__name__ for m in MIGRATIONS] and all(n.startswith("m0") for n in names)


def test_reopening_applies_nothing_twice(tmp_path):
    path = tmp_path / "again.db"
    first = open_db(path)
    count = len(applied(first))
    first.close()
    again = open_db(path)
    assert len(applied(again)) == count and pending(again.conn) == []


def test_an_up_to_date_database_opens_without_loading_sqlite_utils(tmp_path):
    """sqlite-utils costs ~14 MB of memory: only a pending migration may load it."""
    path = tmp_path / "ready.db"
    open_db(path).close()
    code = ("import sys; from db import open_db; open_db(sys.argv[1]); "
            "print('sqlite_utils' in sys.modules)")
    loaded = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "False"


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
