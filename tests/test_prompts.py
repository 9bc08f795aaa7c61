"""Every file in prompts/ is rendered by a test, is valid Telegram HTML, and an owner may override any of it."""

import re
from pathlib import Path

import pytest

from bot.prompt_files import PromptFiles, package_prompts_dir
from fakegram.html_check import parse_html

USER_TEXT = "<script>x</script> & </b>"
PERSON = {"first_name": USER_TEXT, "contact_line": "Mail me & more", "kind": "direct", "chat_title": None,
          "owner_name": USER_TEXT, "owner_username": USER_TEXT, "choices": ["Met in person", "Other"]}
CARD = {
    "followups": [{"question": USER_TEXT, "answer": USER_TEXT, "origin": "owner"},
                  {"question": "q", "answer": None, "origin": "auto"}], "snoozed_until": "2026-11-26 09:00",
    "id": 7, "bio": None, "no_answer": False, "chat_problem": None, "taken_over": True,
    "maybe_duplicate": True,
    "kind_label": "Direct request", "target_chat": None, "user_id": 42, "name": USER_TEXT,
    "username": "ada", "language": "en", "asked_in": "German", "source": "pycon25", "opening_note": USER_TEXT,
    "answers": [{"question": "How they found you", "text": USER_TEXT, "edited": True}], "time_taken": "3 min",
    "created_at": "2026-11-23 09:00", "unreachable": "bot was blocked by the user", "decision_note": "note",
    "history": [{"id": 3, "created_at": "2026-10-01 10:00", "status": "declined"}], "outcome": "Accepted",
    "outcome_icon": "✅", "decided_by": USER_TEXT, "decided_at": "2026-11-23 10:00", "undo_seconds": None,
    "added_later": [{"at": "2026-11-24 10:00", "text": USER_TEXT}],
    "signals": ["no photo", "account probably < 1 month", USER_TEXT],
}
SAMPLES = {
    "requester/greeting.html.j2": [PERSON, {**PERSON, "kind": "join", "chat_title": USER_TEXT}],
    "requester/ask_how.html.j2": [PERSON, {**PERSON, "kind": "join", "chat_title": USER_TEXT}],
    "requester/ask_more.html.j2": {**PERSON, "choice": "Met in person"},
    "requester/ask_why.html.j2": PERSON,
    "requester/too_short.html.j2": {},
    "requester/text_only.html.j2": {},
    "requester/thanks.html.j2": {},
    "requester/already_pending.html.j2": PERSON,
    "requester/accepted.html.j2": [PERSON, {**PERSON, "kind": "join", "chat_title": USER_TEXT, "chat_link": None},
                                   {**PERSON, "kind": "join", "chat_title": None,
                                    "chat_link": "https://t.me/rust_embedded"}],
    "requester/added_later.html.j2": PERSON,
    "requester/declined.html.j2": PERSON,
    "owner/help.html.j2": [{"review_chat": True, "undo_seconds": 30}, {"review_chat": False, "undo_seconds": 0}],
    "requester/not_reviewer.html.j2": {},
    "requester/not_reviewer_alert.txt.j2": {},
    "owner/already_decided_alert.txt.j2": {"status": "Accepted"},
    "owner/decided_alert.txt.j2": [{"status": "Accepted"}, {"status": "Ignored", "undo_seconds": 30}],
    "owner/undo_alert.txt.j2": [{"undone": True, "id": 7, "status": ""},
                                {"undone": False, "id": 7, "status": "Approved"},
                                {"undone": False, "id": 7, "status": ""}],
    "owner/pending.html.j2": [{"total": 12, "snoozed_total": 0, "snoozed": [], "requests": [
        {"id": 1, "name": USER_TEXT, "username": "u", "kind": "direct", "source": "x", "age": "3 d",
         "why": USER_TEXT}]},
        {"total": 0, "requests": [], "snoozed_total": 12, "snoozed": [
            {"id": 2, "name": USER_TEXT, "username": USER_TEXT, "kind": "join", "until": "Thu 3 Dec"}]}],
    "owner/card_snoozed.html.j2": {"id": 7, "name": USER_TEXT, "until": "Thu 3 Dec"},
    "owner/followup_reply.html.j2": {"id": 7, "name": USER_TEXT, "question": USER_TEXT, "answer": USER_TEXT},
    "owner/card.html.j2": [{**CARD, "suggestion": {
        "summary": USER_TEXT, "action": "ask", "reason": "template note, weak tie (same city)", "tie": "weak",
        "tags": ["template_note", "weak_tie"], "evidence": [{"tag": "template note", "phrase": USER_TEXT}],
        "mismatch": USER_TEXT, "assessor": "model 1a2b3c"}},
        {**CARD, "suggestion": None, "outcome": None, "answers": [], "no_answer": True, "bio": USER_TEXT,
         "target_chat": USER_TEXT, "chat_problem": "not an admin", "signals": []},
        {**CARD, "suggestion": None, "outcome": "Ignored", "outcome_icon": "🔕", "undo_seconds": 30}],
    "owner/business_status.html.j2": [{"enabled": e, "can_reply": c} for e in (True, False) for c in (True, False)],
    "business/requester/greeting.html.j2": [PERSON, {**PERSON, "owner_name": ""}],
    "business/requester/ask_how.html.j2": [PERSON, {**PERSON, "owner_name": "", "choices": []}],
    "business/requester/ask_why.html.j2": PERSON,
    "business/requester/thanks.html.j2": [PERSON, {**PERSON, "owner_name": ""}],
    "business/requester/accepted.html.j2": [PERSON, {**PERSON, "owner_name": ""}],
    "business/requester/declined.html.j2": [PERSON, {**PERSON, "owner_name": ""}],
    "owner/person_unknown.html.j2": [{"command": "allow", "handle": ""}, {"command": "allow", "handle": USER_TEXT}],
    "owner/standing_changed.html.j2": [{"name": USER_TEXT, "standing": s, "decided": d}
                                       for s in ("allowed", "blocked", "unknown") for d in (0, 2)],
    "owner/people.html.j2": [{"people": [], "total": 0, "page": 1, "pages": 1, "standing": None},
                             {"people": [{"name": USER_TEXT, "username": "u", "user_id": 4, "standing": "blocked"}],
                              "total": 30, "page": 2, "pages": 2, "standing": "blocked"}],
    "owner/history.html.j2": [{"name": USER_TEXT, "username": "u", "user_id": 4, "standing": "allowed", "requests": [
        {"id": 1, "kind": "join", "status": "accepted", "source": USER_TEXT, "created_at": "x", "decided_at": "y",
         "decided_by": USER_TEXT}]}, {"name": "n", "username": None, "user_id": 4, "standing": "unknown",
                                      "requests": []}],
    "owner/raid_batch.html.j2": [
        {"total": 37, "counts": {"decline": 12, "ask": 20, "accept": 5}, "more": 7, "declined_by": None,
         "not_asked": 1,
         "requests": [{"id": 4, "name": USER_TEXT, "kind": "join", "action": "decline", "status": "pending",
                       "not_asked": False, "bio": None, "signs": ["link in name", "no photo"]},
                      {"id": 5, "name": USER_TEXT, "kind": "join", "action": "", "status": "pending",
                       "not_asked": True, "bio": USER_TEXT, "signs": []}]},
        {"total": 1, "counts": {"decline": 1, "ask": 0, "accept": 0}, "more": 0, "declined_by": USER_TEXT,
         "declined": 1, "not_asked": 0, "requests": [{"id": 4, "name": "n", "kind": "join", "action": "decline",
                                                      "status": "declined", "not_asked": False, "bio": None,
                                                      "signs": []}]}],
    "owner/ask_prompt.html.j2": {"id": 3, "name": USER_TEXT},
    "owner/card_moved.html.j2": {"id": 3},
    "owner/card_erased.html.j2": [{"id": 3, "kind_label": USER_TEXT, "outcome": "Accepted", "withdrawn": w}
                                  for w in (True, False)],
    "owner/export.html.j2": [{"usage": True}, {"usage": False, "requests": 0},
                             {"usage": False, "requests": 3, "format": "csv", "too_large": False, "packed": False},
                             {"usage": False, "requests": 3, "format": "csv", "too_large": False, "packed": True},
                             {"usage": False, "requests": 3, "too_large": True, "megabytes": 50}],
    "owner/forget.html.j2": [{"step": "confirm", "name": USER_TEXT, "username": USER_TEXT, "user_id": 4,
                              "requests": r, "standing": s} for r in (1, 2) for s in ("unknown", "blocked")]
                            + [{"step": "done", "user_id": 4, "requests": 2, "withdrawn": w} for w in (0, 1)]
                            + [{"step": "cancelled"}],
    "requester/forgotten.html.j2": [{"requests": r, "withdrawn": w} for r, w in ((0, 0), (2, 0), (1, 1))],
    "owner/unknown_command.html.j2": {"command": USER_TEXT, "commands": [("pending", USER_TEXT)]},
    "owner/known_message.html.j2": {"user_id": 5, "name": USER_TEXT, "username": "u", "text": USER_TEXT},
    "owner/question_sent.html.j2": [{"sent": True, "id": 3}, {"sent": False, "id": 3}],
    "owner/reminder.html.j2": {"total": 14, "days": 3, "requests": [
        {"id": 1, "name": USER_TEXT, "kind": "join", "source": USER_TEXT, "age": "4 d"}]},
    "owner/snoozed_alert.txt.j2": [{"days": 1}, {"days": 3}],
    "owner/stale_button_alert.txt.j2": {},
    "requester/stale_button_alert.txt.j2": {},
    "requester/expired.html.j2": PERSON,
    "requester/followup_where_met.html.j2": PERSON,
    "requester/followup_who_introduced.html.j2": PERSON,
    "requester/followup_which_work.html.j2": PERSON,
    "requester/followup_how_found.html.j2": PERSON,
    "requester/followup_what_for.html.j2": PERSON,
    "requester/followup_received.html.j2": PERSON,
    "requester/owner_question.html.j2": [{**PERSON, "question": USER_TEXT},
                                         {**PERSON, "kind": "business", "question": USER_TEXT}],
    "owner/chat_status.html.j2": [{"state": s, "title": USER_TEXT, "pending": 2}
                                  for s in ("screening", "missing_right", "removed")],
    "owner/chats.html.j2": [{"chats": []}, {"chats": [
        {"title": USER_TEXT, "chat_id": -100, "ok": False, "problem": "not admin", "pending": 1, "asking": 2}]}],
    "owner/links.html.j2": [
        {"error": e, "source": "pycon", "chats": [{"chat_id": -1, "title": USER_TEXT}], "title": USER_TEXT,
         "link": "https://t.me/+abc", "detail": USER_TEXT}
        for e in (None, "usage", "no_chat", "which_chat", "telegram")],
    "owner/weekly_summary.html.j2": [
        {"so_far": False, "first_day": "Mon 16 Nov 2026", "last_day": "Sun 22 Nov 2026", "until": "00:00",
         "timezone": "Europe/Berlin", "more_chats": 2, "pending_total": 9, "raid_requests": 80,
         "auto_declined": {"value": "2", "before": "0", "trend": "↑"},
         "raids": {"value": "1", "before": "0", "trend": "↑"},
         **{k: {"value": "3", "before": "1", "trend": "↑"}
            for k in ("received", "decided", "still_open", "acceptance", "median", "never_answered")},
         "kinds": [{"kind": k, "value": "1", "before": "1", "trend": "="} for k in ("join", "direct", "business")],
         "outcomes": [{"outcome": o, "value": "0", "before": "2", "trend": "↓"}
                      for o in ("accepted", "declined", "blocked", "expired", "withdrawn")],
         "chats": [{"name": USER_TEXT, "value": "2", "before": "0", "trend": "↑"}],
         "sources": [{"name": USER_TEXT, "value": "2", "before": "0", "trend": "↑"}],
         "choices": [{"name": USER_TEXT, "value": "2", "before": "2", "trend": "="}],
         "oldest": [{"id": 7, "name": USER_TEXT, "kind": "join", "since": "02 Nov", "age": "3 d 2 h"}],
         "suggestions": {"matched": 41, "of": 48}},
        {"so_far": True, "first_day": "Mon 23 Nov 2026", "last_day": "Wed 25 Nov 2026", "until": "14:05",
         "timezone": "UTC", "more_chats": 0, "pending_total": 0, "kinds": [], "outcomes": [], "chats": [],
         "sources": [], "choices": [], "oldest": [], "auto_declined": None, "raids": None, "raid_requests": 0,
         "suggestions": None,
         **{k: {"value": "—", "before": "—", "trend": ""}
            for k in ("received", "decided", "still_open", "acceptance", "median", "never_answered")}},
    ],
    "owner/stats.html.j2": [
        {"usage": False, "max_weeks": 52, "timezone": "Europe/Berlin", "empty": False, "weeks": [
            {"week": "16 Nov", "received": 8, "accepted": 2, "declined": 2, "open": 5, "rate": "33%",
             "median": "1h"}]},
        {"usage": True, "max_weeks": 52, "timezone": "", "weeks": [], "empty": False},
        {"usage": False, "max_weeks": 52, "timezone": "UTC", "weeks": [{}] * 8, "empty": True},
    ],
}


def template_names() -> list[str]:
    root = package_prompts_dir()
    return sorted(str(p.relative_to(root)) for p in root.rglob("*.j2"))


def english_name(name: str) -> str:
    """requester/de/greeting.html.j2 → requester/greeting.html.j2: a translation renders with the English sample."""
    return re.sub(r"/[a-z]{2,3}/(?=[^/]+$)", "/", name)


CASES = [(name, values) for name in template_names() if english_name(name) in SAMPLES
         for values in (SAMPLES[english_name(name)] if isinstance(SAMPLES[english_name(name)], list)
                        else [SAMPLES[english_name(name)]])]


def test_every_template_has_a_sample_here():
    missing = {english_name(name) for name in template_names()} - set(SAMPLES)
    assert not missing, f"templates without a rendering test: {sorted(missing)}"


@pytest.mark.parametrize("name, values", CASES)
def test_template_renders_to_valid_telegram_html_with_user_text_escaped(name, values):
    text = PromptFiles().render(name, **values)
    assert text.strip()
    if name.endswith(".html.j2"):
        plain = parse_html(text)  # raises on anything Telegram would refuse
        assert "<script>" not in text
        if "script" in plain:
            assert USER_TEXT in plain, "user text must arrive literally"
    else:
        assert len(text) <= 200, "callback alerts are at most 200 characters"


def test_an_owner_override_wins_and_the_rest_falls_back(tmp_path: Path):
    (tmp_path / "requester").mkdir()
    (tmp_path / "requester" / "thanks.html.j2").write_text("Merci, {{ name }}!")
    renderer = PromptFiles(tmp_path)
    assert renderer.render("requester/thanks.html.j2", name="<Zoë>") == "Merci, &lt;Zoë&gt;!"
    assert "Could you write a little more?" in renderer.render("requester/too_short.html.j2")


def test_a_missing_value_is_an_error_not_an_empty_string():
    from jinja2 import UndefinedError

    with pytest.raises(UndefinedError):
        PromptFiles().render("requester/ask_more.html.j2")
