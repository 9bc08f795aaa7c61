"""Inline keyboards: quick-reply choices for requesters, decision buttons for reviewers."""

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.core.callbacks import Callback, decode
from bot.core.questionnaire import Question
from bot.core.vocabulary import Kind


def choices_keyboard(request_id: int, question: Question, language: str | None = None) -> InlineKeyboardMarkup | None:
    """Buttons for a question's quick-reply choices (labelled in the requester's language), two per row; None when
    it has none."""
    buttons = [
        InlineKeyboardButton(label, callback_data=Callback("pick", request_id, f"{question.key}.{c.key}").encode())
        for c, label in zip(question.choices, question.labels_in(language), strict=True)
    ]
    if not buttons:
        return None
    return InlineKeyboardMarkup([buttons[i : i + 2] for i in range(0, len(buttons), 2)])


def decision_row(request_id: int, kind: str, labels: dict, suffix: str = "") -> list[InlineKeyboardButton]:
    """Accept (Approve, for join requests) / Decline / Block buttons for one request."""
    names = {"accept": "approve" if kind == Kind.JOIN else "accept", "decline": "decline", "block": "block"}
    return [
        InlineKeyboardButton(labels[name] + suffix, callback_data=Callback(action, request_id).encode())
        for action, name in names.items()
    ]


def decision_keyboard(request_id: int, kind: str, labels: dict, *, can_ask: bool = True) -> InlineKeyboardMarkup:
    """The card's buttons: the decision row, then Ignore (decline without a word), Ask more (when the requester
    can be asked) and Later."""
    extra = [InlineKeyboardButton(labels["ignore"], callback_data=Callback("ignore", request_id).encode())]
    if can_ask:
        extra.append(InlineKeyboardButton(labels["ask"], callback_data=Callback("ask", request_id).encode()))
    extra.append(InlineKeyboardButton(labels["later"], callback_data=Callback("later", request_id).encode()))
    return InlineKeyboardMarkup([decision_row(request_id, kind, labels), extra])


def unsnooze_keyboard(request_id: int, labels: dict) -> InlineKeyboardMarkup:
    """A snoozed card's only button: Undo, which unfolds it with all its buttons."""
    return InlineKeyboardMarkup([[InlineKeyboardButton(labels["unsnooze"],
                                                       callback_data=Callback("unsnooze", request_id).encode())]])


def undo_keyboard(request_id: int, labels: dict) -> InlineKeyboardMarkup:
    """The one button of a card whose decision waits out its undo window."""
    return InlineKeyboardMarkup([[InlineKeyboardButton(labels["undo"],
                                                       callback_data=Callback("undo", request_id).encode())]])


def pages_keyboard(page: int, has_next: bool, standing: str | None, labels: dict) -> InlineKeyboardMarkup | None:
    """Back / Next buttons for the /people list."""
    arg = standing or None
    buttons = []
    if page > 0:
        buttons.append(InlineKeyboardButton(labels["previous_page"],
                                            callback_data=Callback("people", page - 1, arg).encode()))
    if has_next:
        buttons.append(InlineKeyboardButton(labels["next_page"],
                                            callback_data=Callback("people", page + 1, arg).encode()))
    return InlineKeyboardMarkup([buttons]) if buttons else None


def pending_keyboard(requests: list[dict], labels: dict) -> InlineKeyboardMarkup | None:
    """One row of decision buttons per listed request, each marked with its number."""
    if not requests:
        return None
    return InlineKeyboardMarkup([decision_row(r["id"], r["kind"], labels, f" #{r['id']}") for r in requests])


def without_requests(markup: InlineKeyboardMarkup | None, closed_ids: set[int]) -> InlineKeyboardMarkup | None:
    """The same keyboard minus the rows whose buttons act on any of `closed_ids` (None when nothing is left)."""
    if markup is None:
        return None
    rows = [
        row for row in markup.inline_keyboard
        if not any((data := decode(b.callback_data)) is not None and data.request_id in closed_ids for b in row)
    ]
    return InlineKeyboardMarkup(rows) if rows else None


OPEN_BUTTONS = 24


def batch_keyboard(batch_id: int, open_ids: list[int], suggested_decline: int, labels: dict) -> InlineKeyboardMarkup:
    """A batched card's Open buttons (four a row, the first 24 open requests) and 'Decline all suggested'."""
    opens = [InlineKeyboardButton(f"#{rid}", callback_data=Callback("open", rid).encode())
             for rid in open_ids[:OPEN_BUTTONS]]
    rows = [opens[i:i + 4] for i in range(0, len(opens), 4)]
    if suggested_decline:
        rows.append([InlineKeyboardButton(labels["decline_all"].format(n=suggested_decline),
                                          callback_data=Callback("declineall", batch_id).encode())])
    return InlineKeyboardMarkup(rows)


def forget_keyboard(user_id: int, requests: int, labels: dict) -> InlineKeyboardMarkup:
    """'Erase <n> requests' / 'Cancel' under a /forget confirmation."""
    return InlineKeyboardMarkup([[
        InlineKeyboardButton(labels.get("erase", "🗑 Erase {n} requests").format(n=requests),
                             callback_data=Callback("forget", user_id, "yes").encode()),
        InlineKeyboardButton(labels.get("cancel", "Cancel"), callback_data=Callback("forget", user_id, "no").encode()),
    ]])
