"""HTTP requests to the Bot API, retried with backoff when the network or Telegram's servers fail."""

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import httpx
from telegram._utils.defaultvalue import DefaultValue
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter, TimedOut
from telegram.request import HTTPXRequest, RequestData

from bot.telegram.stopping import CutShort, CutShortInFlight, Stopping

log = logging.getLogger(__name__)
_AT_MOST_ONCE: ContextVar[bool] = ContextVar("doorman_at_most_once", default=False)
_JSON_HEADERS = {"User-Agent": HTTPXRequest.USER_AGENT, "Content-Type": "application/json"}


@contextmanager
def at_most_once() -> Iterator[None]:
    """Within this block, Bot API calls are not retried: for sends that must never arrive twice."""
    token = _AT_MOST_ONCE.set(True)
    try:
        yield
    finally:
        _AT_MOST_ONCE.reset(token)


class UnreadableReply(TimedOut):
    """The Bot API's answer is not JSON (e.g. a body cut short). Like a timeout, the outcome is unknown: the call
    may have taken effect, so it is retried, except inside `at_most_once()`."""


class RetryingRequest(HTTPXRequest):
    """HTTPXRequest that repeats a call after a network error, a timeout, an unreadable answer or a 5xx, up to
    `retries` times.

    Telegram gives no idempotency key: a timeout after Telegram processed a send means the retry sends it
    twice. A duplicate question or card is a far smaller harm than a lost one, so sends are retried too.
    Sends that must never arrive twice (the weekly summary) run inside `at_most_once()`.
    RetryAfter (429) is left to the rate limiter (bot/telegram/ratelimit.py), which pauses every send for as
    long as Telegram asks.
    Once `stopping` has begun, nothing is retried and a backoff in progress ends at once (CutShort).
    """

    def __init__(self, *, retries: int = 3, backoff: float = 0.5, stopping: Stopping | None = None, **kwargs):
        super().__init__(**kwargs)
        self.retries, self.backoff = retries, backoff
        self.stopping = stopping or Stopping()

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         read_timeout=HTTPXRequest.DEFAULT_NONE, write_timeout=HTTPXRequest.DEFAULT_NONE,
                         connect_timeout=HTTPXRequest.DEFAULT_NONE, pool_timeout=HTTPXRequest.DEFAULT_NONE,
                         ) -> tuple[int, bytes]:
        """Send the parameters as one JSON body, as the Bot API accepts them; uploads go as PTB sends them (a
        multipart form). PTB's form encoding quotes every byte of a text in Python: for a card of a thousand
        characters that costs ten times the JSON encoding, and the Bot API's side decodes it again."""
        if self._client.is_closed:
            raise RuntimeError("This HTTPXRequest is not initialized!")
        if request_data is None or request_data.contains_files:
            return await super().do_request(url, method, request_data, read_timeout, write_timeout,
                                            connect_timeout, pool_timeout)
        try:
            body = json.dumps(request_data.parameters, ensure_ascii=False).encode()
        except UnicodeEncodeError:  # a lone surrogate in a user's text has no UTF-8 form; JSON's \u escape has
            body = json.dumps(request_data.parameters).encode()
        timeouts = self._client.timeout
        timeout = httpx.Timeout(
            connect=timeouts.connect if isinstance(connect_timeout, DefaultValue) else connect_timeout,
            read=timeouts.read if isinstance(read_timeout, DefaultValue) else read_timeout,
            write=timeouts.write if isinstance(write_timeout, DefaultValue) else write_timeout,
            pool=timeouts.pool if isinstance(pool_timeout, DefaultValue) else pool_timeout)
        try:
            response = await self._client.request(method, url, content=body, timeout=timeout, headers=_JSON_HEADERS)
        except httpx.TimeoutException as exc:
            # As PTB words it: a pool timeout means the request never left.
            if isinstance(exc, httpx.PoolTimeout):
                raise TimedOut("Pool timeout: All connections in the connection pool are occupied. Request was "
                               "*not* sent to Telegram.") from exc
            raise TimedOut from exc
        except httpx.HTTPError as exc:
            raise NetworkError(f"httpx.{exc.__class__.__name__}: {exc}") from exc
        return response.status_code, response.content

    @staticmethod
    def parse_json_payload(payload: bytes) -> dict:
        """Parse an answer; a body that is not JSON raises UnreadableReply (PTB raises a bare TelegramError)."""
        try:
            return json.loads(payload.decode("utf-8", "replace"))
        except ValueError as exc:
            raise UnreadableReply(f"the Bot API answered {len(payload)} bytes that are not JSON") from exc

    async def post(self, url: str, request_data=None, **timeouts):
        """POST to the Bot API, retrying transient failures with exponential backoff."""
        method = url.rsplit("/", 1)[-1]
        for attempt in range(self.retries + 1):
            try:
                return await super().post(url, request_data, **timeouts)
            except (RetryAfter, BadRequest, Forbidden, InvalidToken):
                raise
            except NetworkError as exc:  # TimedOut and UnreadableReply are NetworkErrors; so are 5xx
                # PTB wraps non-HTTP failures (e.g. a closed event loop at shutdown) the same way: not transient.
                unknown = str(exc).startswith("Unknown error in HTTP implementation")
                if attempt == self.retries or _AT_MOST_ONCE.get() or unknown:
                    raise
                delay = self.backoff * 2**attempt
                if not self.stopping.started:
                    log.warning("%s failed (%s); retry %d/%d in %.1f s", method, exc, attempt + 1, self.retries,
                                delay)
                    if not await self.stopping.sleep(delay):
                        continue
                # Given up because of the stop, not because Telegram failed for good: reported calmly. A timeout
                # stays a timeout (the call may have taken effect); a refusal stays a refusal.
                cut = CutShortInFlight if isinstance(exc, TimedOut) else CutShort
                raise cut(f"{exc.message}; not retried: the bot is stopping") from exc
        raise AssertionError("unreachable")
