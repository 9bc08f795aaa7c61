"""Command-line tools beside the bot: assess (and, as they come, train, export, forget)."""
