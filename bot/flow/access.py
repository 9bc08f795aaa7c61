"""Who may do what: refusals for non-reviewers (recorded), and the reviewers' help."""

from bot.flow.deps import Deps
from db.events import insert_event


def refuse_command(deps: Deps, user_id: int, text: str | None) -> str:
    """A non-reviewer used an owner command: record it; the polite refusal."""
    insert_event(deps.db, "refused_command", deps.now(), user_id=user_id, detail=(text or "")[:100])
    return deps.prompts.render("owner/not_reviewer.html.j2")


def refuse_press(deps: Deps, user_id: int, data: str | None) -> str:
    """A non-reviewer pressed a reviewer's button: record it; the alert they see."""
    insert_event(deps.db, "refused_press", deps.now(), user_id=user_id, detail=data)
    return deps.prompts.render("owner/not_reviewer_alert.txt.j2")


def help_text(deps: Deps) -> str:
    """What the bot does and the reviewers' commands."""
    return deps.prompts.render("owner/help.html.j2", review_chat=deps.settings.review_chat_id is not None)


def stale_press_alert(deps: Deps, user_id: int) -> str:
    """The alert for a button whose data no handler accepts (old, tampered or foreign): nothing changes."""
    audience = "owner" if deps.settings.is_reviewer(user_id) else "requester"
    return deps.prompts.render(f"{audience}/stale_button_alert.txt.j2")
