"""The pure side of signals: the account-age estimate, marks in names and bios, pasted answers, the card's words
and the adjustment of the suggestion (unknown never counts against anyone)."""

from datetime import UTC, datetime

from bot.core.account_age import ANCHORS, age_band, estimated_creation
from bot.core.assess import Assessment
from bot.core.signals import SHOWN_WORDS, Signals, pasted_answers, signal_words, text_marks, with_signals

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
ACCEPT = Assessment(tie="strong", generic=False, pitch=False, creepy=False, vague=False, action="accept",
                    reason="strong tie", summary="met at PyCon")


def test_the_anchor_table_ascends_and_the_estimate_is_monotonic():
    assert [a[0] for a in ANCHORS] == sorted(a[0] for a in ANCHORS)
    assert [a[1] for a in ANCHORS] == sorted(a[1] for a in ANCHORS)
    days = [estimated_creation(i) for i in range(ANCHORS[0][0], 10_000_000_000, 97_000_001)]
    assert days == sorted(days)


def test_age_bands():
    assert age_band(5001, NOW) is None and age_band(123_456_789, NOW) is None
    assert age_band(8_900_000_000, NOW) == "< 1 year"
    assert age_band(9_500_000_000, NOW) == "< 1 month"


def test_text_marks():
    assert text_marks("Ada Lovelace") == [] and text_marks(None) == []
    assert text_marks("deals at shop.xyz 🤑🤑🤑 ask @dealer") == ["link", "@mention", "many emoji"]
    assert text_marks("ada@example") == [], "an e-mail-ish word is not a mention"


def test_pasted_answers_judge_typed_long_answers_by_pace():
    opened = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    rows = [{"created_at": "2026-11-23T09:00:05+00:00", "text": "Met in person", "choice": "met", "edited": 0},
            {"created_at": "2026-11-23T09:00:08+00:00", "text": "x" * 300, "choice": None, "edited": 0},
            {"created_at": "2026-11-23T09:05:00+00:00", "text": "y" * 300, "choice": None, "edited": 0},
            {"created_at": "2026-11-23T09:05:01+00:00", "text": "z" * 300, "choice": None, "edited": 1}]
    assert pasted_answers(opened, rows) == 1


def test_unknown_signals_say_little_and_change_nothing():
    unknown = Signals(user_id=5001)
    assert signal_words(unknown, NOW) == []
    assert with_signals(ACCEPT, unknown, NOW) == ACCEPT
    failed = Signals(user_id=5001, has_username=True, profile="gathered", cas="failed")
    assert signal_words(failed, NOW) == ["photo unknown", "CAS check failed"]
    assert with_signals(ACCEPT, failed, NOW) == ACCEPT


def test_two_signs_keep_accept_three_make_ask_and_cas_makes_decline():
    two = Signals(user_id=5001, has_username=False, has_photo=False, profile="gathered")
    assert with_signals(ACCEPT, two, NOW) == ACCEPT
    three = Signals(user_id=9_500_000_000, has_username=False, has_photo=False, profile="gathered")
    assert with_signals(ACCEPT, three, NOW).action == "ask"
    listed = Signals(user_id=5001, has_username=True, cas="listed")
    adjusted = with_signals(ACCEPT, listed, NOW)
    assert (adjusted.action, adjusted.evidence[0].text) == ("decline", "listed in CAS")


def test_the_line_is_bounded():
    busy = Signals(user_id=9_500_000_000, has_username=False, has_photo=False, premium=True, profile="gathered",
                   name="http://a.com @abcd 🤑🤑🤑", bio="http://b.com @efgh 🤑🤑🤑", pasted=2, edited=3,
                   places_in_day=4, earlier=("declined", "blocked", "expired"), cas="listed")
    assert len(signal_words(busy, NOW)) == SHOWN_WORDS
