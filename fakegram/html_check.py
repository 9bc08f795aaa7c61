"""A checker for Telegram's HTML parse mode, following the Bot API's documented HTML rules.

Tags: b/strong, i/em, u/ins, s/strike/del, span class="tg-spoiler", tg-spoiler, a href, tg-emoji
emoji-id, code (class="language-…"), pre, blockquote (optionally expandable), closed in order. Entities:
&lt; &gt; &amp; &quot; and numeric ones; any other "<" or "&" must be escaped.
"""

from __future__ import annotations

import re

TAGS = frozenset({"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler",
                  "a", "tg-emoji", "code", "pre", "blockquote"})
NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
ENTITY = re.compile(r"&(?:#(\d+)|#[xX]([0-9a-fA-F]+)|([A-Za-z]+));?")
SPECIAL = re.compile(r"[<&]")
TAG_NAME = re.compile(r"[^\s>]*")
ATTRIBUTE = re.compile(r"""\s*([^\s=>]+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s"'>]*))?""")
END_TAG = re.compile(r"</([^\s>]*)\s*(>)?")


class HtmlError(ValueError):
    """Telegram refused the markup; str(error) is the text after "can't parse entities: "."""


def _entity(text: str, pos: int) -> tuple[str, int] | None:
    """The character referenced at text[pos] == "&" and the index after the reference, if it is one."""
    if not (match := ENTITY.match(text, pos)):
        return None
    decimal, hexadecimal, name = match.groups()
    if name is not None:
        return (NAMED[name], match.end()) if name in NAMED else None
    code = int(decimal) if decimal is not None else int(hexadecimal, 16)
    valid = 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF
    return (chr(code), match.end()) if valid else None


def _unescape(value: str) -> str:
    """Attribute values: decode the entities, keep anything else (e.g. a bare "&" in a URL) as is."""
    return ENTITY.sub(lambda m: found[0] if (found := _entity(m.group(), 0)) else m.group(), value)


class _Parser:
    def __init__(self, html: str, strict_ampersand: bool):
        self.html, self.strict = html, strict_ampersand
        self.text, self.open = [], []  # plain text pieces; names of the tags still open

    def fail(self, message: str, pos: int, detail: str = "") -> HtmlError:
        offset = len(self.html[:pos].encode("utf-8", "surrogatepass"))
        return HtmlError(f"{message} at byte offset {offset}{detail}")

    def run(self) -> str:
        html, pos = self.html, 0
        while special := SPECIAL.search(html, pos):
            self.text.append(html[pos:(pos := special.start())])
            if html[pos] == "&":
                pos = self.ampersand(pos)
            elif html.startswith("</", pos):
                pos = self.end_tag(pos)
            else:
                pos = self.start_tag(pos)
        self.text.append(html[pos:])
        if self.open:
            raise HtmlError(f'Can\'t find end tag corresponding to start tag "{self.open[-1]}"')
        return "".join(self.text)

    def ampersand(self, pos: int) -> int:
        if found := _entity(self.html, pos):
            self.text.append(found[0])
            return found[1]
        if self.strict:
            # Stricter than Telegram, which keeps a bare "&" as text: it is how unescaped user text shows up
            raise self.fail("Character '&' is reserved and must be escaped as &amp;", pos)
        self.text.append("&")
        return pos + 1

    def start_tag(self, begin: int) -> int:
        name_end = TAG_NAME.match(self.html, begin + 1).end()
        if name_end == len(self.html):
            raise self.fail("Unclosed start tag", begin)
        tag = self.html[begin + 1:name_end].lower()
        if tag not in TAGS:
            raise self.fail(f'Unsupported start tag "{tag}"', begin)
        attributes, pos = {}, name_end
        while (match := ATTRIBUTE.match(self.html, pos)) and match.end() > pos:
            name, value = match.group(1).lower(), match.group(2)
            if value is None and not (tag == "blockquote" and name == "expandable"):
                raise self.fail(f'Expected equal sign in declaration of an attribute of the tag "{tag}"', begin)
            attributes[name] = _unescape(value[1:-1] if value and value[0] in "\"'" else value or "")
            pos = match.end()
        pos = len(self.html) - len(self.html[pos:].lstrip())
        if not self.html.startswith(">", pos):
            raise self.fail("Unclosed start tag", begin)
        if tag == "span" and attributes.get("class") != "tg-spoiler":
            raise self.fail('Tag "span" must have class "tg-spoiler"', begin)
        if tag == "tg-emoji" and not (attributes.get("emoji-id", "").isdigit() and int(attributes["emoji-id"])):
            raise HtmlError("Invalid custom emoji identifier specified")
        self.open.append(tag)
        return pos + 1

    def end_tag(self, begin: int) -> int:
        if not self.open:
            raise self.fail("Unexpected end tag", begin)
        match = END_TAG.match(self.html, begin)
        if not match.group(2):
            raise self.fail("Unclosed end tag", begin)
        tag, name = self.open.pop(), match.group(1).lower()
        if name and name != tag:
            raise self.fail("Unmatched end tag", begin, f', expected "</{tag}>", found "</{name}>"')
        return match.end()


def parse_html(html: str, *, strict_ampersand: bool = True) -> str:
    """Return the plain text Telegram would show for `html`, or raise HtmlError as Telegram would.

    With strict_ampersand (the default) a bare "&" that starts no supported entity is refused; real
    Telegram is lenient and shows it as text, so the strictness is a deliberate test aid.
    """
    return _Parser(html, strict_ampersand).run()
