"""The user's own place in an English idea: a phrase after in/on/at/over… that names a place
("on a windowsill in Venice"), or a place the gazetteer knows. The formula then adds no
other place, and lights it as that kind of space."""

from __future__ import annotations

import re
from dataclasses import replace

from agent.brief import Brief
from agent.vocabulary import Vocabulary

_PLACE_PP = re.compile(
    r"\b(in\s+front\s+of|next\s+to|on\s+top\s+of|in|on|at|by|near|under|inside|beside|along|"
    r"across|over|through|among|atop|around|outside|beneath|underneath|into|onto|above|below|"
    r"behind|off|toward|towards|past|down|up)\s+((?:[\w'-]+\s+){0,4}?[\w'-]+)"
    r"(?=\s*(?:$|[,.;!?]|\b(?:in|on|at|by|near|under|with|while|and|as|during|beside|along|"
    r"across|over|through|among|toward|towards|from|of)\b))", re.IGNORECASE)


def with_english_place(brief: Brief, vocabulary: Vocabulary, rules, places) -> Brief:
    """Find the user's own place in their words — a phrase after in/on/at/over… that names a
    place ("on a windowsill in Venice", "over a wheat field"), or a place the gazetteer
    knows — so the formula adds no other place and lights it as that kind of space."""
    said = " , ".join([brief.subject, brief.action, *brief.details])
    found: list[str] = []
    settings: list[str] = []
    if places is not None:
        for match in places.find_english(said):
            found.append(match.place.en)
            settings.append(match.place.setting)
    phrases = [m.group(0) for m in _PLACE_PP.finditer(said)
               if rules is not None and rules.names_place(m.group(2))
               or any(name.lower().removeprefix("the ") in m.group(2).lower() for name in found)]
    if not phrases and not found and rules is not None and rules.is_place(brief.subject):
        phrases = [brief.subject]  # "an empty playground at dusk": the place is the subject
    if not phrases and not found:
        return brief
    place = " ".join(dict.fromkeys(phrases)) or " and ".join(found)
    pinned = brief.pinned("setting")
    setting = settings[-1] if settings else (pinned[0] if pinned else "")
    if not settings and pinned and rules is not None:
        entry = vocabulary.get("setting", pinned[0])
        if rules.space_of(place) and rules.space_of(place) != _space(entry.env):
            setting = ""  # "a windowsill in Venice": not the living room the word suggests
    return replace(brief, place=place, place_setting=setting, setting_in_action=True,
                   place_known=bool(settings))


def _space(env: str) -> str:
    return "indoor" if env in ("indoor", "studio") else env
