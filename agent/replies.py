"""What the agent says, in the user's language: the formula shown as its three parts, what
was kept and chosen and why, and the notes (words not understood, a fallback)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pydantic import ConfigDict, create_model

import datafiles
from agent.brief import Brief
from agent.formula import Composition
from agent.vocabulary import DATA_DIR, Vocabulary, movement_phrase
from datafiles import AnyText, Schema

LANGUAGES = ("en", "zh")
_KEYS = ("camera", "scene", "details", "style", "list_and", "list_sep", "quote", "new_idea",
         "kept", "from_you", "avoided", "unfaithful", "chose", "chose_plain", "photo", "refined", "refined_nothing",
         "subject_changed", "pace_changed", "style_changed", "draw_again", "generate", "share", "music_none",
         "music_next", "music_mood", "need_idea", "unclear", "untranslated", "fallback",
         "too_long", "shortened")
# The slots named when saying what was chosen, in the order they are said.
_CHOSEN_ORDER = ("movement", "shot", "time", "setting", "lighting")


@dataclass(frozen=True)
class Replies:
    """The reply phrases of conversation.toml, per language."""

    phrases: dict[str, dict[str, str]]

    def say(self, language: str, key: str, **values) -> str:
        """One phrase in the language (English when the language is unknown)."""
        table = self.phrases.get(language, self.phrases["en"])
        return table[key].format(**values)

    def join(self, language: str, items: list[str]) -> str:
        """"a, b and c" / "a、b和c"."""
        items = [i for i in items if i]
        if len(items) <= 1:
            return "".join(items)
        sep, last = self.say(language, "list_sep"), self.say(language, "list_and")
        return sep.join(items[:-1]) + last + items[-1]

    def formula(self, language: str, camera: str, scene: str, details: str) -> str:
        """The prompt split into its three parts, labelled, one per line."""
        return "\n".join(f"{self.say(language, key)}: {text}"
                         for key, text in (("camera", camera), ("scene", scene),
                                           ("details", details)) if text)

    def explain(self, language: str, brief: Brief, composition: Composition,
                vocabulary: Vocabulary, photo: bool = False) -> str:
        """What came from the user (their subject, action and place as read, and each choice
        they named), what was assumed for an occasion or a feeling, what was left out as
        they asked, and what the formula chose itself — never one passed off as the other."""
        # The user's own place is in their words; a setting it suggested is not theirs to claim.
        own = brief.pinned_slots() - {"pace"} - ({"setting"} if brief.place else set())
        kept = [label(vocabulary, slot, entry_id, language, composition)
                for slot, entry_id in composition.picks if slot in own]
        chosen = [label(vocabulary, slot, composition.pick(slot), language, composition)
                  for slot in _CHOSEN_ORDER
                  if composition.pick(slot) and slot not in brief.pinned_slots()
                  and not (slot == "setting" and brief.place)][:3]
        sentences = []
        if photo:
            sentences.append(self.say(language, "photo"))
        if brief.assumed:
            sentences.append(brief.assumed)
        else:
            read = " ".join(filter(None, [brief.subject, brief.action]))
            kept = [read, *kept] if read and brief.subject != "the scene" else kept
        if kept:
            sentences.append(self.say(language, "from_you", items=self.join(language, kept)))
        if brief.avoid:
            shown = list(dict.fromkeys(brief.avoid))[:4]
            sentences.append(self.say(language, "avoided", items=self.join(language, shown)))
        if chosen:
            mood = composition.pick("atmosphere")
            mood_label = label(vocabulary, "atmosphere", mood, language) if mood else ""
            key = "chose" if mood_label else "chose_plain"
            sentences.append(self.say(language, key, items=self.join(language, chosen),
                                      mood=mood_label))
        return " ".join(sentences) if language == "en" else "".join(sentences)

    def untranslated(self, language: str, words: tuple[str, ...]) -> str:
        quoted = [self.say(language, "quote", text=w) for w in words]
        return self.say(language, "untranslated", words=self.join(language, quoted))


def label(vocabulary: Vocabulary, slot: str, entry_id: str, language: str,
          composition: Composition | None = None) -> str:
    """A short name for a choice, for replies ("a slow push in" / "缓慢推镜头")."""
    entry = vocabulary.get(slot, entry_id)
    pace_id = composition.pick("pace") if composition else ""
    pace = vocabulary.get("pace", pace_id) if pace_id and entry.paced else None
    if language == "zh":
        return (pace.zh if pace and slot == "movement" else "") + entry.zh
    if slot == "movement":
        return movement_phrase(entry, pace)
    if slot == "time":
        return entry.noun
    if slot in ("setting", "angle"):
        return re.sub(r"^(?:on|in|at|from|among|beside|before|along|against|deep|high)\s+"
                      r"(?:in\s+|the\s+)?", "", entry.en)
    if slot == "weather" and entry.match:
        return entry.match[0]
    if slot == "lens" and entry.match:
        return f"a {entry.match[0]} lens" if "lens" not in entry.match[0] else entry.match[0]
    return entry.en


# One language's phrases: every key of _KEYS, each a text (it may be empty).
_Phrases = create_model("_Phrases", __base__=Schema, **{key: (AnyText, ...) for key in _KEYS})


class _Languages(Schema):
    en: _Phrases
    zh: _Phrases


class _RepliesFile(Schema):
    """The [replies.en] and [replies.zh] tables of conversation.toml (the rest of the file
    is agent.intents' to check)."""

    model_config = ConfigDict(extra="ignore")
    replies: _Languages


def load_replies(path: Path = DATA_DIR / "conversation.toml") -> Replies:
    """The [replies.en] and [replies.zh] tables, checked for every key."""
    replies = datafiles.load(path, _RepliesFile).replies
    return Replies({language: dict(getattr(replies, language)) for language in LANGUAGES})
