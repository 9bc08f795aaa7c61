"""The pure side of signals: the account-age estimate, marks in names and bios, pasted answers, the card's words
and the adjustment of the suggestion (unknown never counts against anyone)."""

from datetime import UTC, datetime

import pytest

from bot.core.account_age import ANCHORS, age_band, estimated_creation
from bot.core.assess import Assessment
from bot.core.assess.profile import Profile, ProfileModel, sign_words, text_marks
from bot.core.signals import SHOWN_WORDS, Signals, pasted_answers, signal_words, warning_signs, with_signals

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
ACCEPT = Assessment(tie="strong", generic=False, pitch=False, creepy=False, vague=False, action="accept",
                    reason="strong tie", summary="met at PyCon")
# A hand-made profile model, to test how its verdict is applied (the shipped one is tested in test_train.py).
RULE = ProfileModel({"outputs": {"decline": {"bias": -4.0, "weights": {"cas_listed": 8.0}},
                                 "lower": {"bias": -3.0, "weights": {"signs>=3": 4.0, "no_photo": 0.5}}}})


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
    assert with_signals(ACCEPT, unknown, NOW, RULE) == ACCEPT
    failed = Signals(user_id=5001, has_username=True, profile="gathered", cas="failed")
    assert signal_words(failed, NOW) == ["photo unknown", "CAS check failed"]
    assert warning_signs(failed, NOW) == {}
    assert with_signals(ACCEPT, failed, NOW, RULE) == ACCEPT


def test_the_profile_model_lowers_the_suggestion_and_says_which_signs_did():
    two = Signals(user_id=5001, has_username=False, has_photo=False, profile="gathered")
    assert with_signals(ACCEPT, two, NOW, RULE) == ACCEPT
    three = Signals(user_id=9_500_000_000, has_username=False, has_photo=False, profile="gathered")
    assert warning_signs(three, NOW) == {"no_photo": "no photo", "no_username": "no username",
                                         "age:new": "account probably < 1 month"}
    lowered = with_signals(ACCEPT, three, NOW, RULE)
    assert (lowered.action, lowered.reason) == (
        "ask", "good answers, doubtful account: no photo, no username, account probably < 1 month"), \
        "the count of signs weighed: all are named, the heaviest first"
    listed = Signals(user_id=5001, has_username=True, cas="listed")
    adjusted = with_signals(ACCEPT, listed, NOW, RULE)
    assert (adjusted.action, adjusted.reason, adjusted.evidence[0].text) == (
        "decline", "the profile: listed in CAS", "listed in CAS")
    assert with_signals(ACCEPT, listed, NOW, None) == ACCEPT, "a model trained without profiles changes nothing"


def test_a_profile_never_raises_a_suggestion():
    decline = Assessment(tie="none", generic=True, pitch=False, creepy=False, vague=False, action="decline",
                         reason="template", summary="")
    lowers_every_accept = ProfileModel({"outputs": {"decline": {"bias": -9.0, "weights": {}},
                                                    "lower": {"bias": 9.0, "weights": {}}}})
    quiet = Signals(user_id=5001, has_photo=False)
    assert with_signals(decline, quiet, NOW, lowers_every_accept) == decline
    ask = Assessment(**{**ACCEPT.__dict__, "action": "ask"})
    assert with_signals(ask, quiet, NOW, lowers_every_accept) == ask, "lower only turns an accept into an ask"


def test_the_line_is_bounded():
    busy = Signals(user_id=9_500_000_000, has_username=False, has_photo=False, premium=True, profile="gathered",
                   name="http://a.com @abcd 🤑🤑🤑", bio="http://b.com @efgh 🤑🤑🤑", pasted=2, edited=3,
                   places_in_day=4, earlier=("declined", "blocked", "expired"), cas="listed")
    assert len(signal_words(busy, NOW)) == SHOWN_WORDS


def shipped_second_look(tie: str, action: str, **profile) -> str:
    """The shipped model's suggestion for answers read as `tie`/`action` and a profile."""
    from bot.core.assess.second_look import reconsider
    from bot.prompt_files import read_assessor

    answers = Assessment(tie=tie, generic=False, pitch=False, creepy=False, vague=False, action=action,
                         reason="", summary="")
    return reconsider(answers, sign_words(Profile(**profile)), read_assessor(None).model.profile).action


@pytest.mark.parametrize("tie,action,profile,expected", [
    ("strong", "accept", {}, "accept"),
    ("strong", "accept", {"photo": False}, "accept"),
    ("strong", "accept", {"username": False}, "accept"),
    ("strong", "accept", {"age": "new"}, "accept"),
    ("strong", "accept", {"edited": 1}, "accept"),
    ("strong", "accept", {"earlier": ("expired",)}, "accept"),
    ("strong", "accept", {"photo": False, "username": False, "age": "new", "pasted": 1}, "ask"),
    ("strong", "accept", {"earlier": ("declined",)}, "ask"),
    ("strong", "accept", {"cas": "listed"}, "decline"),
    ("weak", "accept", {"earlier": ("blocked",)}, "decline"),
    ("weak", "ask", {"bio": "Daily crypto signals t.me/pumpgroup"}, "decline"),
    ("weak", "ask", {"photo": False, "age": "young"}, "ask"),
    ("strong", "accept", {"premium": True, "photo": True, "username": True}, "accept"),
])
def test_the_shipped_model_learned_the_corpus_conventions(tie, action, profile, expected):
    """prompts/assess/README.md, "A profile": one or two quiet signs change nothing, a throwaway account lowers an
    accept, CAS or an earlier block declines, a selling bio declines what the answers left at ask."""
    assert shipped_second_look(tie, action, **profile) == expected
