"""Inline keyboards: quick-reply choices for requesters, decision buttons for reviewers."""

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import Callback
from bot.screening import Question


def choices_keyboard(request_id: int, question: Question) -> InlineKeyboardMarkup | None:
    """Buttons for a question's quick-reply choices, two per row; None when it has none."""
    buttons = [
        InlineKeyboardButton(c.label, callback_data=Callback("pick", request_id, f"{question.key}.{c.key}").encode())
        for c in question.choices
    ]
    if not buttons:
        return None
    return InlineKeyboardMarkup([buttons[i : i + 2] for i in range(0, len(buttons), 2)])


def decision_row(request_id: int, kind: str, labels: dict, suffix: str = "") -> list[InlineKeyboardButton]:
    """Accept (Approve, for join requests) / Decline / Block buttons for one request."""
    names = {"accept": "approve" if kind == "join" else "accept", "decline": "decline", "block": "block"}
    return [
        InlineKeyboardButton(labels[name] + suffix, callback_data=Callback(action, request_id).encode())
        for action, name in names.items()
    ]


def decision_keyboard(request_id: int, kind: str, labels: dict) -> InlineKeyboardMarkup:
    """The card's decision buttons."""
    return InlineKeyboardMarkup([decision_row(request_id, kind, labels)])


def pending_keyboard(requests: list[dict], labels: dict) -> InlineKeyboardMarkup | None:
    """One row of decision buttons per listed request, each marked with its number."""
    if not requests:
        return None
    return InlineKeyboardMarkup([decision_row(r["id"], r["kind"], labels, f" #{r['id']}") for r in requests])
