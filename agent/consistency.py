"""Consistency rules (agent/data/consistency.toml): what kind of space a place is, how lively
an action is, which added details suit a subject, and which light words clash. The formula
asks these before it adds anything, and checks its whole prompt against them at the end."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from agent.datafile import TEXTS, DataFileError, check_type, display_name, read_toml, \
    reject_unknown_keys
from agent.vocabulary import DATA_DIR

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


def load_rules(path: Path = DATA_DIR / "consistency.toml") -> Rules:
    """Read and check the rules; a bad key or list is reported by file and table."""
    raw = read_toml(path)
    reject_unknown_keys(path, "the file", raw, {"places", "not_place", "energy",
                                                "not_for_energy", "fit", "clash", "indoor_not",
                                                "excludes", "action_settings",
                                                "implied_times"})

    def table(name: str, keys: set[str]) -> dict[str, tuple[str, ...]]:
        value = raw.get(name)
        if not isinstance(value, dict):
            raise DataFileError(f"{display_name(path)}: needs a [{name}] table")
        reject_unknown_keys(path, f"[{name}]", value, keys)
        missing = sorted(keys - set(value))
        if missing:
            raise DataFileError(f"{display_name(path)}: [{name}]: missing key '{missing[0]}'")
        return {k: check_type(path, f"[{name}]", k, v, TEXTS) for k, v in value.items()}

    def pairs(name: str, first: str, second: str) -> list[tuple[tuple, tuple]]:
        items = raw.get(name, [])
        if not isinstance(items, list) or not items:
            raise DataFileError(f"{display_name(path)}: needs at least one [[{name}]]")
        out = []
        for n, item in enumerate(items, 1):
            where = f"[[{name}]] #{n}"
            reject_unknown_keys(path, where, item, {first, second})
            for key in (first, second):
                if key not in item:
                    raise DataFileError(f"{display_name(path)}: {where}: missing key '{key}'")
            out.append((check_type(path, where, first, item[first], TEXTS),
                        check_type(path, where, second, item[second], TEXTS)))
        return out

    spaces = table("places", set(SPACES))
    energy = table("energy", set(ENERGIES))
    not_for = table("not_for_energy", set(ENERGIES))
    return Rules(
        spaces={k: _pattern(v) for k, v in spaces.items()},
        not_place=_pattern(table("not_place", {"words"})["words"]),
        energy={k: _pattern(v) for k, v in energy.items()},
        not_for_energy={k: _pattern(v) for k, v in not_for.items()},
        fits=tuple(Fit(_pattern(s), _pattern(d)) for s, d in pairs("fit", "subject", "detail")),
        clashes=tuple((_pattern(a), _pattern(b)) for a, b in pairs("clash", "one", "other")),
        indoor_not=_pattern(table("indoor_not", {"words"})["words"]),
        excludes=_excludes(path, raw.get("excludes")),
        action_settings=tuple((_pattern((word,)), ids) for word, ids in
                              _excludes(path, raw.get("action_settings")).items()),
        implied_times=tuple((_pattern((word,)), ids) for word, ids in
                            _excludes(path, raw.get("implied_times")).items()))


def _excludes(path: Path, value) -> dict[str, tuple[str, ...]]:
    if not isinstance(value, dict) or not value:
        raise DataFileError(f"{display_name(path)}: needs an [excludes] table")
    return {key: check_type(path, "[excludes]", key, words, TEXTS)
            for key, words in value.items()}
