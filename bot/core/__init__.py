"""The pure core: questionnaire, vocabulary, assessment, card and summary shaping, weekly maths, callback data.

Nothing here talks to Telegram, SQLite, files or the clock: callers pass plain values (and `now`) in.
tests/test_layers.py enforces it.
"""
