"""What reading an idea yields: the Brief (subject and action in English, the user's own
details, every camera, scene and look choice they named), and the limits every reader
shares. The readers (agent/reading*.py) write it; the formula, the replies, the fidelity
check and the conversation read it."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

MAX_IDEA_WORDS = 60  # more than this is cut (with a note): the encoder reads 226 tokens
# Where one clause of an idea ends (English and Chinese punctuation, a sentence's full stop).
CLAUSE_SPLIT = re.compile(r"[，,。．;；!！?？、：\n]+|\.(?:\s+|$)")


@dataclass(frozen=True)
class Brief:
    """What the user asked for: subject and action (English), their own details, and the
    vocabulary choices they named (`pins`: slot → allowed ids)."""

    subject: str
    noun: str = ""  # the subjects.toml noun behind the subject, "" when unknown
    kind: str = "generic"
    plural: bool = False
    action: str = ""
    details: tuple[str, ...] = ()  # may hold "{pos}" for the subject's possessive
    pins: tuple[tuple[str, tuple[str, ...]], ...] = ()
    setting_in_action: bool = False  # the user's words already say where it is
    language: str = "en"
    untranslated: tuple[str, ...] = ()
    truncated: bool = False
    place: str = ""  # the user's own place in English ("on a windowsill in Venice"), "" if none
    place_setting: str = ""  # the scene.toml setting that place is like (its light, its env)
    avoid: tuple[str, ...] = ()  # what the user excluded ("children"): never in the prompt
    assumed: str = ""  # for an occasion or a feeling: the scene pictured for it (for replies)
    mood: str = ""  # a soundtrack mood the idea itself names (an occasion's, a feeling's)
    look_words: str = ""  # the user's own style words when the look's name lacks them
    place_known: bool = False  # the place is in the gazetteer: its setting pictures it
    camera_target: str = ""  # what the user aimed the camera's move at ("on her face"), "" if none

    def pinned(self, slot: str) -> tuple[str, ...]:
        """The ids the user allowed for a slot; empty when they named none."""
        return dict(self.pins).get(slot, ())

    def pinned_slots(self) -> set[str]:
        """The slots the user named."""
        return {slot for slot, _ in self.pins}

    def with_pin(self, slot: str, ids: tuple[str, ...]) -> "Brief":
        """A copy with one slot pinned (or unpinned when ids is empty)."""
        pins = {**dict(self.pins), slot: tuple(ids)}
        return replace(self, pins=tuple(sorted((s, i) for s, i in pins.items() if i)))

    def to_state(self) -> dict:
        """A JSON-safe dict (for saving a chat session)."""
        return {"subject": self.subject, "noun": self.noun, "kind": self.kind,
                "plural": self.plural, "action": self.action, "details": list(self.details),
                "pins": {slot: list(ids) for slot, ids in self.pins},
                "setting_in_action": self.setting_in_action, "language": self.language,
                "untranslated": list(self.untranslated), "place": self.place,
                "place_setting": self.place_setting, "avoid": list(self.avoid),
                "assumed": self.assumed, "mood": self.mood, "look_words": self.look_words,
                "place_known": self.place_known, "camera_target": self.camera_target}

    @classmethod
    def from_state(cls, state: dict) -> "Brief":
        """The Brief saved by `to_state`."""
        return cls(subject=str(state["subject"]), noun=str(state.get("noun", "")),
                   kind=str(state.get("kind", "generic")), plural=bool(state.get("plural")),
                   action=str(state.get("action", "")),
                   details=tuple(str(d) for d in state.get("details", ())),
                   pins=tuple(sorted((str(s), tuple(str(i) for i in ids))
                                     for s, ids in dict(state.get("pins", {})).items() if ids)),
                   setting_in_action=bool(state.get("setting_in_action")),
                   language=str(state.get("language", "en")),
                   untranslated=tuple(str(w) for w in state.get("untranslated", ())),
                   place=str(state.get("place", "")),
                   place_setting=str(state.get("place_setting", "")),
                   avoid=tuple(str(w) for w in state.get("avoid", ())),
                   assumed=str(state.get("assumed", "")), mood=str(state.get("mood", "")),
                   look_words=str(state.get("look_words", "")),
                   place_known=bool(state.get("place_known")),
                   camera_target=str(state.get("camera_target", "")))
