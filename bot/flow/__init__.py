"""Orchestration: each module is one part of the screening flow, talking to db/ and to the wire.

Every state change is written to SQLite before Telegram is called; functions take their dependencies (`Deps`)
and plain values, never an Update.
"""
