"""Open the database file and bring its schema up to date; the small connection wrapper every db/ module uses.

The bot talks to SQLite through the standard library only (statements and parameters, rows as dicts): the
sqlite-utils library is loaded just to apply migrations, and for `db["table"]` in tests and the command line.
"""

import contextlib
import itertools
import logging
import re
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from db.checkpoints import Checkpointer
from db.migrations import apply_migrations

log = logging.getLogger(__name__)

HEADER = b"SQLite format 3\x00"


class DatabaseFileError(Exception):
    """The database file exists but is not a usable SQLite database; it was not modified."""


def check_database_file(path: str | Path) -> None:
    """Refuse a file that is not an SQLite database (or that SQLite cannot read) before anything writes to it."""
    path = Path(path)
    if str(path) == ":memory:" or not path.exists() or path.stat().st_size == 0:
        return
    if path.is_dir():
        raise DatabaseFileError(f"{path} is a folder, not a database file")
    with path.open("rb") as f:
        if f.read(len(HEADER)) != HEADER:
            raise DatabaseFileError(f"{path} is not an SQLite database")
    try:
        probe = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            probe.execute("select count(*) from sqlite_master").fetchone()
        finally:
            probe.close()
    except sqlite3.DatabaseError as exc:
        raise DatabaseFileError(f"{path} cannot be read ({exc})") from None


WRITES = ("insert", "update", "delete", "replace")
# Reads remembered per unit of work: small results only (a list of rows is copied out on every hit).
READS_KEPT, ROWS_KEPT = 256, 32
# The tables a read reads and the table a write writes, from the statement's text (doorman's own statements).
READ_TABLES_RE = re.compile(r"\b(?:from|join)\s+([A-Za-z_]\w*)", re.IGNORECASE)
WRITE_TABLE_RE = re.compile(r"^\s*(?:insert(?:\s+or\s+\w+)?\s+into|replace\s+into|update(?:\s+or\s+\w+)?|"
                            r"delete\s+from)\s+([A-Za-z_]\w*)", re.IGNORECASE)
ANY_TABLE = "*"


class Database:
    """One SQLite connection. By default every statement commits on its own unless inside transaction().

    With `unit_of_work` on (the running bot), the first write opens a transaction that stays open until commit():
    the bot commits before every Bot API call and after every update, so each update's writes cost one commit
    instead of one per statement (an autocommit write costs ~50 µs, one inside a transaction ~3 µs), and nothing
    reaches Telegram before the rows that led to it are committed.

    Inside the unit of work's transaction, `query` and `one` also remember their results: an update reads the same
    person, request and answers several times. While the transaction holds the write lock no other connection can
    commit, so what is remembered stays true until this connection changes a row. A write through this class
    forgets the reads of the table it writes; any other change (`total_changes` moves: sqlite-utils, executemany)
    forgets them all, and so does a rollback. Across a commit they are kept: the next transaction's first read forgets
    them if another connection committed meanwhile (`PRAGMA data_version`). Reads outside a transaction are never
    remembered, nor answered from memory.
    """

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.unit_of_work = False
        self._reads: dict[tuple, tuple[list[str], list[tuple], frozenset[str]]] = {}
        self._reads_changes = -1  # conn.total_changes when the remembered reads were last known true
        self._version = None  # PRAGMA data_version when they were last known true
        self._checked = False  # whether they were checked against it in the open transaction
        self._tables: dict[str, frozenset[str]] = {}  # the tables each read statement reads
        self._precise: bool | None = None  # may a write forget the reads of its own table only?
        self._checkpointer: Checkpointer | None = None

    def begin(self) -> None:
        """Open the unit of work's transaction now rather than at the first write (no-op outside a unit of work, or
        when it is open): the reads that follow are remembered until the next commit."""
        if self.unit_of_work and not self.conn.in_transaction:
            self.conn.execute("begin immediate")
            self._checked = False  # what is remembered is checked at the transaction's first read, if it has one

    def end_update(self) -> None:
        """The update is done: commit, and forget what it read."""
        self.commit()
        self._reads.clear()

    def commit(self) -> None:
        """Commit the open unit of work, if any."""
        if self.conn.in_transaction:
            self.conn.execute("commit")
            if self._checkpointer is not None:
                self._checkpointer.committed()

    def checkpoint_aside(self) -> None:
        """Leave WAL checkpoints to a thread with its own connection (db/checkpoints.py), not to this connection's
        commits; only for a database file in WAL mode, and once."""
        if self._checkpointer is not None or database_file(self) is None:
            return
        if self.conn.execute("pragma journal_mode").fetchone()[0] != "wal":
            return
        try:
            self._checkpointer = Checkpointer(database_file(self))
        except sqlite3.Error as exc:
            log.warning("checkpoints stay in the commits: a second connection failed (%s)", exc)
            return
        self.conn.execute("pragma wal_autocheckpoint = 0")

    def _read(self, sql: str, params: Sequence | dict) -> tuple[list[str], list[tuple], sqlite3.Cursor | None]:
        """Column names and first rows of a query, and the cursor holding the rest (None when all are read).
        Within a unit of work a small result is remembered until a commit or a change of any row."""
        if not (self.unit_of_work and self.conn.in_transaction) or isinstance(params, dict):
            # Outside a transaction another process may commit between two reads: nothing is remembered.
            cursor = self.conn.execute(sql, params)
            return [d[0] for d in cursor.description], [], cursor
        if not self._checked:
            self._checked = True
            version = self.conn.execute("pragma data_version").fetchone()[0]
            if version != self._version:  # another connection committed since: what we remember may be old
                self._reads.clear()
                self._version = version
        changes = self.conn.total_changes
        if changes != self._reads_changes:
            self._reads.clear()
            self._reads_changes = changes
        key = (sql, *params)
        found = self._reads.get(key)
        if found is not None:
            return found[0], found[1], None
        cursor = self.conn.execute(sql, params)
        names, rows = [d[0] for d in cursor.description], cursor.fetchmany(ROWS_KEPT + 1)
        if len(rows) > ROWS_KEPT:
            return names, rows, cursor
        if len(self._reads) >= READS_KEPT:
            self._reads.clear()
        tables = self._tables.get(sql)
        if tables is None:
            tables = self._tables[sql] = frozenset(t.lower() for t in READ_TABLES_RE.findall(sql)) or {ANY_TABLE}
        self._reads[key] = (names, rows, tables)
        return names, rows, None

    def _write(self, sql: str, params: Sequence | dict, table: str | None) -> sqlite3.Cursor:
        """Run a statement that writes to `table` (None: unknown), in the unit of work's transaction if on, and
        forget the remembered reads it may change."""
        if self.unit_of_work:
            self.begin()
        unseen = self.conn.total_changes != self._reads_changes  # a change made past this class
        cursor = self.conn.execute(sql, params)
        if self._reads:
            if unseen or table is None or not self._writes_stay_in_their_table():
                self._reads.clear()
            else:
                table = table.lower()
                for key in [k for k, (_, _, tables) in self._reads.items() if table in tables or ANY_TABLE in tables]:
                    del self._reads[key]
        self._reads_changes = self.conn.total_changes
        return cursor

    def _writes_stay_in_their_table(self) -> bool:
        """True when writing a table changes no other (no triggers, no foreign key actions): asked once."""
        if self._precise is None:
            triggers = self.conn.execute("select count(*) from sqlite_master where type = 'trigger'").fetchone()[0]
            actions = self.conn.execute(
                "select count(*) from sqlite_master m, pragma_foreign_key_list(m.name) f where m.type = 'table'"
                " and (upper(f.on_delete) not in ('NO ACTION', 'RESTRICT')"
                " or upper(f.on_update) not in ('NO ACTION', 'RESTRICT'))").fetchone()[0]
            self._precise = triggers == 0 and actions == 0
        return self._precise

    def execute(self, sql: str, params: Sequence | dict = ()) -> sqlite3.Cursor:
        """Run one statement."""
        if self.unit_of_work and sql.lstrip()[:7].lower().startswith(WRITES):
            found = WRITE_TABLE_RE.match(sql)
            return self._write(sql, params, found.group(1) if found else None)
        return self.conn.execute(sql, params)

    def query(self, sql: str, params: Sequence | dict = ()) -> Iterator[dict]:
        """Rows of a query as dicts."""
        names, rows, rest = self._read(sql, params)
        found = [dict(zip(names, row, strict=True)) for row in rows]
        if rest is None:
            return iter(found)
        return itertools.chain(found, (dict(zip(names, row, strict=True)) for row in rest))

    def one(self, sql: str, params: Sequence | dict = ()) -> dict | None:
        """The first row of a query as a dict, or None."""
        names, rows, rest = self._read(sql, params)
        row = rows[0] if rows else rest.fetchone() if rest is not None else None
        return dict(zip(names, row, strict=True)) if row is not None else None

    def insert(self, table: str, row: dict[str, Any]) -> int:
        """Insert a row; its rowid."""
        names = list(row)
        cursor = self._write(f"insert into {table} ({', '.join(names)}) values"
                             f" ({', '.join('?' for _ in names)})", [row[n] for n in names], table)
        return cursor.lastrowid

    def upsert(self, table: str, row: dict[str, Any], keys: Sequence[str]) -> None:
        """Insert a row, or update the one with the same `keys` (the columns it names only)."""
        names = list(row)
        updates = ", ".join(f"{n} = excluded.{n}" for n in names if n not in keys)
        self._write(f"insert into {table} ({', '.join(names)}) values ({', '.join('?' for _ in names)})"
                    f" on conflict ({', '.join(keys)}) do update set {updates}", [row[n] for n in names], table)

    def update(self, table: str, key: str, value: Any, fields: dict[str, Any]) -> None:
        """Set `fields` on the row whose `key` column is `value`."""
        self._write(f"update {table} set {', '.join(f'{n} = ?' for n in fields)} where {key} = ?",
                    [*fields.values(), value], table)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """Run the block's statements as one transaction (no await inside: the connection is shared); inside an
        open unit of work, as a savepoint of it."""
        self.begin()
        if self.conn.in_transaction:
            self.conn.execute("savepoint block")
            try:
                yield
            except BaseException:
                self._reads.clear()
                self.conn.execute("rollback to block")
                self.conn.execute("release block")
                raise
            self.conn.execute("release block")
            return
        self.conn.execute("begin immediate")
        try:
            yield
        except BaseException:
            self._reads.clear()
            self.conn.execute("rollback")
            raise
        if self.unit_of_work:
            return  # committed with the rest of the update
        self.conn.execute("commit")

    def close(self) -> None:
        """Commit what is open, then close the connection (the last one to close checkpoints the WAL)."""
        if self.conn.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                self.conn.execute("commit")
        if self._checkpointer is not None:
            self._checkpointer.stop()
            self._checkpointer = None
        self.conn.close()

    def __getitem__(self, table: str):
        """A sqlite-utils Table on the same connection: for tests and the command line, never the bot."""
        import sqlite_utils

        return sqlite_utils.Database(self.conn)[table]


def connect(path: str | Path, *, read_only: bool = False) -> Database:
    """A connection in autocommit mode (read-only: opened so that nothing can write through it)."""
    if read_only:
        return Database(sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None))
    return Database(sqlite3.connect(str(path), isolation_level=None))


def open_db(path: str | Path) -> Database:
    """Open (creating if needed) the SQLite file at `path`, in WAL mode, with every migration applied; raise
    DatabaseFileError, leaving the file alone, when it is not a usable SQLite database."""
    check_database_file(path)
    db = connect(path)
    if str(path) != ":memory:":
        db.execute("PRAGMA journal_mode = WAL")
        # With WAL, NORMAL syncs at checkpoints instead of every commit: a killed process loses nothing,
        # only a power loss can drop the last commits (bench/updates.py: ~0.7 ms saved per update).
        db.execute("PRAGMA synchronous = NORMAL")
    db.execute("PRAGMA foreign_keys = ON")
    # Wait briefly for a lock, not seconds: a blocked write blocks the event loop. Longer locks (a backup, a
    # sqlite-utils session) make the update fail and bot/telegram/concurrency.py runs it again, later.
    db.execute("PRAGMA busy_timeout = 250")
    apply_migrations(db.conn)
    return db


def database_file(db: Database) -> Path | None:
    """The file behind a connection (None for an in-memory database)."""
    for _, name, filename in db.execute("pragma database_list").fetchall():
        if name == "main" and filename:
            return Path(filename)
    return None


def open_read_only(path: Path) -> Database:
    """A second, read-only connection to a database file, for heavy reads in another thread (WAL lets it read
    while the bot writes)."""
    return connect(path, read_only=True)
