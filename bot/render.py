"""The one Jinja2 environment: autoescaped Telegram HTML, owner overrides first, strict about names."""

import html
import re
from importlib.resources import files
from pathlib import Path

from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    StrictUndefined,
    TemplateNotFound,
    select_autoescape,
)

MESSAGE_LIMIT = 4096
_TAG_RE = re.compile(r"<[^>]+>")


def package_prompts_dir() -> Path:
    """The prompts/ folder shipped with doorman."""
    return Path(str(files("prompts")))


class Renderer:
    """Renders templates from PROMPTS_DIR (if set) falling back to the shipped prompts/."""

    def __init__(self, override_dir: Path | None = None):
        loaders = [FileSystemLoader(str(override_dir))] if override_dir else []
        loaders.append(FileSystemLoader(str(package_prompts_dir())))
        self.env = Environment(
            loader=ChoiceLoader(loaders),
            # .txt.j2 templates are for plain-text places (callback alerts) and never get user text.
            autoescape=select_autoescape(enabled_extensions=("html.j2",), disabled_extensions=("txt.j2",),
                                         default=True),
            undefined=StrictUndefined,
            keep_trailing_newline=False,
            trim_blocks=False,
        )

    def render(self, template: str, /, **values) -> str:
        """Render one template to a string, stripped of surrounding blank space."""
        return self.env.get_template(template).render(**values).strip()

    def has(self, name: str) -> bool:
        """True when a template (or data file) with that name exists in the override or shipped folder."""
        try:
            self.env.loader.get_source(self.env, name)
        except TemplateNotFound:
            return False
        return True

    def source(self, name: str) -> str:
        """Return a template file's text (used for data files such as questions.toml)."""
        return self.env.loader.get_source(self.env, name)[0]


def visible_length(html_text: str) -> int:
    """Length Telegram counts for an HTML message: tags removed, entities decoded, in UTF-16 units."""
    plain = html.unescape(_TAG_RE.sub("", html_text))
    return len(plain.encode("utf-16-le")) // 2


def fits(html_text: str) -> bool:
    """True when the message is within Telegram's 4096-character limit."""
    return 0 < visible_length(html_text) <= MESSAGE_LIMIT
