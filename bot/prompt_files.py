"""Everything read from prompts/ (and PROMPTS_DIR overrides): templates, questionnaires, labels, the assessor.

One Jinja2 environment renders Telegram HTML with autoescape and StrictUndefined; the owner's folder is searched
first, then the shipped prompts/. A request may have its own copy of any file, found in this order:
`chats/<target chat id>/<name>` (join requests), `<kind>/<name>` (e.g. business/), then `<name>`; at each of these
places the request's language comes first: `requester/de/greeting.html.j2` before `requester/greeting.html.j2`.
A language is available when a `requester/<code>/` folder exists (shipped or the owner's); English is the default.
Lookups are cached: the files change only when the bot restarts.
"""

import json
import tomllib
from collections.abc import Mapping
from importlib.resources import files
from pathlib import Path

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, TemplateNotFound, select_autoescape

from bot.core.assess import Assessor, Lexicon, LexiconError, Model, ModelError, parse_lexicon
from bot.core.languages import CODE_RE, DEFAULT
from bot.core.questionnaire import Question, parse_questions


def package_prompts_dir() -> Path:
    """The prompts/ folder shipped with doorman."""
    return Path(str(files("prompts")))


class PromptFiles:
    """Templates and data files from PROMPTS_DIR (if set) falling back to the shipped prompts/."""

    def __init__(self, override_dir: Path | None = None):
        self.override_dir = override_dir
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
            # The files change only when the bot restarts: no stat() of the template file on every render.
            auto_reload=False,
        )
        self._exists: dict[str, bool] = {}
        self._questions: dict[str, tuple[Question, ...]] = {}
        self.labels: dict = tomllib.loads(self.source("labels.toml"))
        self.questions: tuple[Question, ...] = self._parsed_questions("questions.toml")
        self.languages: tuple[str, ...] = self._languages()

    def _languages(self) -> tuple[str, ...]:
        """English, then every language with a requester/<code>/ (or business/requester/<code>/) folder: shipped
        ones first, then the owner's."""
        found = [DEFAULT]
        for root in (package_prompts_dir(), self.override_dir):
            if root is None:
                continue
            folders = [Path(root) / door for door in ("requester", "business/requester")]
            codes = {p.name for folder in folders if folder.is_dir() for p in folder.iterdir()
                     if p.is_dir() and CODE_RE.match(p.name)}
            found += sorted(codes - set(found))
        return tuple(found)

    def render(self, template: str, /, **values) -> str:
        """Render one template to a string, stripped of surrounding blank space."""
        return self.env.get_template(template).render(**values).strip()

    def has(self, name: str) -> bool:
        """True when a template (or data file) with that name exists in the override or shipped folder."""
        known = self._exists.get(name)
        if known is None:
            try:
                self.env.loader.get_source(self.env, name)
                known = True
            except TemplateNotFound:
                known = False
            self._exists[name] = known
        return known

    def source(self, name: str) -> str:
        """Return a file's text (used for data files such as questions.toml)."""
        return self.env.loader.get_source(self.env, name)[0]

    def template_for(self, request: Mapping, name: str) -> str:
        """The file to use for this request: per-chat (join), per-door (e.g. business), then the default; at each
        place in the request's language first."""
        places = []
        if request.get("target_chat_id"):
            places.append(f"chats/{request['target_chat_id']}/{name}")
        places += [f"{request['kind']}/{name}", name]
        language = request.get("language")
        candidates = []
        for place in places:
            if language and language != DEFAULT and name.endswith(".j2"):
                folder, _, file = place.rpartition("/")
                candidates.append(f"{folder}/{language}/{file}" if folder else f"{language}/{file}")
            candidates.append(place)
        return next((c for c in candidates if self.has(c)), name)

    def questions_for(self, request: Mapping) -> tuple[Question, ...]:
        """The questionnaire for this request: a chat's own questions.toml if it has one, else the default."""
        return self._parsed_questions(self.template_for(request, "questions.toml"))

    def _parsed_questions(self, name: str) -> tuple[Question, ...]:
        if name not in self._questions:
            self._questions[name] = parse_questions(self.source(name))
        return self._questions[name]


def read_lexicon(prompts_override: Path | None) -> Lexicon:
    """The shipped cue phrases (prompts/assess/cues.toml) plus the owner's <PROMPTS_DIR>/assess/cues.toml."""
    shipped = package_prompts_dir() / "assess" / "cues.toml"
    owners = Path(prompts_override) / "assess" / "cues.toml" if prompts_override is not None else None
    extra = [(str(owners), owners.read_text(encoding="utf-8"))] if owners is not None and owners.is_file() else []
    return parse_lexicon([(str(shipped), shipped.read_text(encoding="utf-8"))], extra)


def model_path(prompts_override: Path | None) -> Path:
    """The owner's trained model (<PROMPTS_DIR>/assess/model.json) when there is one, else the shipped one."""
    if prompts_override is not None and (Path(prompts_override) / "assess" / "model.json").is_file():
        return Path(prompts_override) / "assess" / "model.json"
    return package_prompts_dir() / "assess" / "model.json"


def read_model(path: Path) -> Model:
    """Load a model file; ModelError names the file when it cannot be used."""
    try:
        return Model(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError) as exc:
        raise ModelError(f"{path}: {exc} — run `python -m bot train` to rebuild it") from None


def read_assessor(prompts_override: Path | None) -> Assessor:
    """The cue phrases and the model the bot assesses with (owner's files first)."""
    return Assessor(read_lexicon(prompts_override), read_model(model_path(prompts_override)))


__all__ = ["LexiconError", "ModelError", "PromptFiles", "package_prompts_dir", "read_assessor", "read_lexicon",
           "read_model"]
