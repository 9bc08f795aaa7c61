"""The wire to Telegram: sending and editing, keyboards, retries, rate limits, concurrency, reading updates."""
