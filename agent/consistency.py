"""Consistency rules (agent/data/consistency.toml): what kind of space a place is, how lively
an action is, which added details suit a subject, and which light words clash. The formula
asks these before it adds anything, and checks its whole prompt against them at the end."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from pydantic import Field

import datafiles
from agent.vocabulary import DATA_DIR
from datafiles import Schema, Texts, some

ENERGIES = ("calm", "lively")
SPACES = ("indoor", "outdoor", "underwater", "space")


def _pattern(words: tuple[str, ...]) -> re.Pattern:
    """One regex for a list of words, matching at a word start, longest first."""
    alternatives = sorted({w.strip() for w in words if w.strip()}, key=len, reverse=True)
    return re.compile(r"(?<![\w])(?:" + "|".join(re.escape(w) for w in alternatives) + ")",
                      re.IGNORECASE)


@dataclass(frozen=True)
class Fit:
    """Details holding `detail` words do not suit subjects holding `subject` words."""

    subject: re.Pattern
    detail: re.Pattern


@dataclass(frozen=True)
class Rules:
    """The loaded rules; every question is a regex search, so they cost microseconds."""

    spaces: dict[str, re.Pattern]
    not_place: re.Pattern
    energy: dict[str, re.Pattern]
    not_for_energy: dict[str, re.Pattern]
    fits: tuple[Fit, ...]
    clashes: tuple[tuple[re.Pattern, re.Pattern], ...]
    indoor_not: re.Pattern
    excludes: dict[str, tuple[str, ...]]
    action_settings: tuple[tuple[re.Pattern, tuple[str, ...]], ...] = ()
    implied_times: tuple[tuple[re.Pattern, tuple[str, ...]], ...] = ()

    def space_of(self, phrase: str) -> str:
        """"indoor", "outdoor", "underwater" or "space" for a place phrase; "" when it names no known
        kind of place (the last place noun in it decides: "a windowsill in Venice" is
        indoors at the sill, "a bench in a park" outdoors)."""
        found = [(m.start(), space) for space, pattern in self.spaces.items()
                 for m in pattern.finditer(phrase)]
        return min(found)[1] if found else ""

    def names_place(self, phrase: str) -> bool:
        """Whether a phrase after "in"/"on"/"at" names a place (not clothing, weather…)."""
        head = re.sub(r"^(?:the|a|an|some|his|her|their|my|our|its)\s+", "", phrase.strip(),
                      flags=re.IGNORECASE)
        if self.not_place.match(head) and not self.space_of(head):
            return False
        return bool(self.space_of(phrase))

    def is_place(self, phrase: str) -> bool:
        """Whether the phrase's head — its last words — is a place: "an empty playground",
        not "a street musician" (a person who works in one)."""
        head = re.sub(r"[\s,.;!?]+$", "", phrase)
        return any(m.end() == len(head) for pattern in self.spaces.values()
                   for m in pattern.finditer(head)) and self.names_place(head)

    def energy_of(self, action: str) -> str:
        """"calm", "lively" or "" — the first verb of the action that the rules know."""
        found = [(m.start(), energy) for energy, pattern in self.energy.items()
                 if (m := pattern.search(f"{action} "))]
        return min(found)[1] if found else ""

    def suits(self, text: str, *, subject: str, energy: str, space: str) -> bool:
        """Whether an added detail or mood agrees with the subject, the action's energy and
        the kind of space."""
        if energy and self.not_for_energy[energy].search(text):
            return False
        if space == "indoor" and self.indoor_not.search(text):
            return False
        return not any(fit.subject.search(subject) and fit.detail.search(text)
                       for fit in self.fits)

    def settings_for(self, action: str) -> tuple[str, ...]:
        """The settings an action belongs in ("surfing" → ocean, beach); () for any."""
        return next((ids for pattern, ids in self.action_settings if pattern.search(action)),
                    ())

    def times_for(self, said: str) -> tuple[str, ...]:
        """The times of day the words imply ("fireworks" → night); () for any."""
        return next((ids for pattern, ids in self.implied_times if pattern.search(said)), ())

    def excluded(self, words: tuple[str, ...]) -> tuple[str, ...]:
        """Every word that the user's "no X" keeps out: X itself and, when X is one of the
        [excludes] groups (or a word in one), the whole group."""
        out = list(words)
        for word in words:
            for head, group in self.excludes.items():
                if word == head or word in group or word.rstrip("s") == head:
                    out += [head, *group]
        return tuple(dict.fromkeys(out))

    def clashes_in(self, text: str) -> list[tuple[str, str]]:
        """Pairs of words in a text that cannot both be true (night / midday …)."""
        out = []
        for one, other in self.clashes:
            a, b = one.search(text), other.search(text)
            if a and b:
                out.append((a.group(0), b.group(0)))
        return out


class _Spaces(Schema):
    indoor: Texts
    outdoor: Texts
    underwater: Texts
    space: Texts


class _Energies(Schema):
    calm: Texts
    lively: Texts


class _Words(Schema):
    words: Texts


class _Fit(Schema):
    subject: Texts
    detail: Texts


class _Clash(Schema):
    one: Texts
    other: Texts


_Groups = Annotated[dict[str, Texts], Field(min_length=1)]  # a word → the words it brings


class _RulesFile(Schema):
    """consistency.toml."""

    places: _Spaces
    not_place: _Words
    energy: _Energies
    not_for_energy: _Energies
    fit: some(_Fit)
    clash: some(_Clash)
    indoor_not: _Words
    excludes: _Groups
    action_settings: _Groups
    implied_times: _Groups


def load_rules(path: Path = DATA_DIR / "consistency.toml") -> Rules:
    """Read and check the rules; a bad key or list is reported by file, table and key."""
    raw = datafiles.load(path, _RulesFile)
    return Rules(
        spaces={space: _pattern(getattr(raw.places, space)) for space in SPACES},
        not_place=_pattern(raw.not_place.words),
        energy={energy: _pattern(getattr(raw.energy, energy)) for energy in ENERGIES},
        not_for_energy={energy: _pattern(getattr(raw.not_for_energy, energy))
                        for energy in ENERGIES},
        fits=tuple(Fit(_pattern(fit.subject), _pattern(fit.detail)) for fit in raw.fit),
        clashes=tuple((_pattern(clash.one), _pattern(clash.other)) for clash in raw.clash),
        indoor_not=_pattern(raw.indoor_not.words),
        excludes=dict(raw.excludes),
        action_settings=tuple((_pattern((word,)), ids)
                              for word, ids in raw.action_settings.items()),
        implied_times=tuple((_pattern((word,)), ids) for word, ids in raw.implied_times.items()))
