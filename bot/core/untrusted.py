"""Text that users control, made safe: valid Unicode at the edge."""

import re

_SURROGATE_RE = re.compile("[\ud800-\udfff]")


def valid_text(text: str | None) -> str | None:
    """Text that can be stored and sent: each lone surrogate (which UTF-8 cannot encode) becomes U+FFFD."""
    return _SURROGATE_RE.sub("\ufffd", text) if text else text
