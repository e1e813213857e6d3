"""The chat's own words: the catalogue records a reply names (styles, tracks) and the
Markdown the session writes into the transcript. User text is escaped here, once, so a
message stored in the database is safe wherever it is shown."""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

from studio.i18n import Strings


@dataclass(frozen=True)
class Choice:
    """A selectable thing in the UI (a style or a track) with names in both languages."""

    id: str
    names: dict[str, str]  # language → name
    descriptions: dict[str, str]  # language → one line
    thumbnail: Path | None = None
    preview: Path | None = None  # a looping clip (styles) or an audio file (tracks)

    def name(self, language: str) -> str:
        return self.names.get(language) or self.names.get("en") or self.id

    def description(self, language: str) -> str:
        return self.descriptions.get(language) or self.descriptions.get("en") or ""


def choice_name(choices: list[Choice], choice_id: str | None, language: str) -> str | None:
    """The display name of a style or track id (the id itself if unknown)."""
    if not choice_id:
        return None
    for choice in choices:
        if choice.id == choice_id:
            return choice.name(language)
    return choice_id


def proposal_text(strings: Strings, language: str, style: str | None, music: str | None,
                  music_alternatives: list[str] = ()) -> str:
    """The lines under the agent's reply: style, music (and alternatives), what next."""
    t = lambda key, **v: strings.text(language, key, **v)  # noqa: E731
    lines = [f"**{t('field_style')}** · {escape_markdown(style or t('style_none'))} · "
             f"**{t('field_music')}** · {escape_markdown(music or t('music_auto'))}  "]
    if music_alternatives:
        lines.append(t("music_also", names=", ".join(escape_markdown(n) for n in music_alternatives)))
    lines.extend(["", t("proposal_next")])
    return "\n".join(lines)


def reply_markdown(text: str) -> str:
    """The agent's plain-text reply as chat Markdown: lines kept, nothing interpreted."""
    return "  \n".join(escape_markdown(line) if line.strip() else "" for line in text.splitlines())


def escape_markdown(text: str) -> str:
    """User text made safe inside chat Markdown: no HTML, no link or emphasis tricks."""
    # quote=False: the chat shows a numeric entity such as &#x27; as it is (quotes are
    # harmless in text; &, < and > are what must not become markup)
    escaped = html.escape(" ".join(text.split()), quote=False)
    for char in "\\`*_[]<>#|~":
        escaped = escaped.replace(char, "\\" + char)
    return escaped
