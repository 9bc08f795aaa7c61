"""The Combot Anti-Spam list (CAS_CHECK): is this user id a known spammer? Only the id is sent.

CAS answers {"ok": true, "result": {...}} for a listed id and {"ok": false, "description": "Record not found."}
otherwise. Anything else — a timeout, an error page, a refused connection — is "could not tell", never "listed".
"""

import logging

import httpx

log = logging.getLogger(__name__)
TIMEOUT = 2.0  # seconds: the lookup runs before the first question, which must not wait long


class CasClient:
    """Looks user ids up in CAS over HTTP (CAS_URL)."""

    def __init__(self, url: str, timeout: float = TIMEOUT) -> None:
        self.url, self.timeout = url, timeout

    async def listed(self, user_id: int) -> bool | None:
        """True when CAS lists the user, False when it does not, None when the lookup failed."""
        try:
            async with httpx.AsyncClient(timeout=self.timeout) as client:
                reply = await client.get(self.url, params={"user_id": user_id})
            body = reply.json()
        except (httpx.HTTPError, ValueError) as exc:
            log.info("CAS lookup of %s failed: %r", user_id, exc)
            return None
        if reply.status_code != 200 or not isinstance(body, dict) or not isinstance(body.get("ok"), bool):
            log.info("CAS lookup of %s gave HTTP %s", user_id, reply.status_code)
            return None
        return body["ok"]
