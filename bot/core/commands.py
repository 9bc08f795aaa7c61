"""The commands Telegram's "/" menu offers: the reviewers' in their chats, /start and /help to everyone else."""

# (command, what the menu says about it); the same commands as prompts/owner/help.html.j2 explains.
REVIEWER_COMMANDS = (
    ("pending", "Requests waiting for your decision"),
    ("summary", "This week so far"),
    ("stats", "A table of recent weeks: /stats [weeks]"),
    ("people", "Who is allowed or blocked"),
    ("history", "Everything about one person: /history @user or id"),
    ("allow", "Remember someone as accepted: /allow @user or id"),
    ("block", "Block someone: /block @user or id"),
    ("unblock", "Undo a block: /unblock @user or id"),
    ("chats", "Groups and channels I screen"),
    ("links", "An invite link that needs approval: /links <source>"),
    ("export", "Requests, answers and decisions as files: /export [csv|jsonl]"),
    ("forget", "Erase everything about someone: /forget @user or id"),
    ("help", "What I do and my commands"),
)
EVERYONE_COMMANDS = (
    ("start", "Ask to connect"),
    ("help", "What this bot does"),
    ("forget_me", "Erase everything this bot stored about you"),
)
# The same menu for people whose Telegram is set to another language (Telegram picks it by their language_code).
EVERYONE_COMMANDS_IN = {
    language: tuple(zip(("start", "help", "forget_me"), texts, strict=True)) for language, texts in {
        "de": ("Kontakt anfragen", "Was dieser Bot macht", "Alles löschen, was dieser Bot über dich weiß"),
        "es": ("Pedir contacto", "Qué hace este bot", "Borrar todo lo que este bot guarda sobre ti"),
        "fr": ("Demander à entrer en contact", "Ce que fait ce bot", "Effacer tout ce que ce bot garde sur vous"),
        "it": ("Chiedere di entrare in contatto", "Cosa fa questo bot", "Cancellare tutto ciò che questo bot sa di te"),
        "pt": ("Pedir para entrar em contato", "O que este bot faz", "Apagar tudo o que este bot guarda sobre você"),
        "ru": ("Отправить запрос", "Что умеет этот бот", "Удалить всё, что этот бот хранит о вас"),
        "tr": ("İletişim isteği gönder", "Bu bot ne yapar", "Bu botun hakkınızda sakladığı her şeyi silin"),
        "uk": ("Надіслати запит", "Що вміє цей бот", "Видалити все, що цей бот зберігає про вас"),
    }.items()
}


def command_word(text: str | None) -> str | None:
    """The command a message starts with ('/foo@bot args' → 'foo'), or None when it is not a command."""
    if not text or not text.startswith("/") or len(text) < 2:
        return None
    return text[1:].split(maxsplit=1)[0].split("@", 1)[0][:32] or None
