"""The gazetteer: named places and landmarks (agent/data/places.toml), found in English text
and looked up by their Chinese names, so a prompt keeps the place its idea named ("a cat in
Venice", "黄河壶口瀑布"). Each place says what it looks like as a scene.toml setting id."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator

import datafiles
from agent.vocabulary import DATA_DIR
from datafiles import Flag, Schema, Text, Texts, fail, some

_CHINESE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\U00020000-\U0002ebef]{2,}")
_SEPARATORS = r"\s\-\u2010-\u2015"  # a space in a name also matches a hyphen or a dash
_SPLIT = re.compile(f"[{_SEPARATORS}]+")
_THE = re.compile(r"^the\s+", re.IGNORECASE)
_LETTER = r"A-Za-z0-9\u00c0-\u024f"  # a name starts and ends where these do not
# Words typed in more than one way: the key each becomes, and the pattern that finds them.
_ABBREVIATIONS = {"mount": "mount", "mt": "mount", "mt.": "mount",
                  "saint": "saint", "st": "saint", "st.": "saint"}
_ABBREVIATION_PATTERNS = {"mount": r"(?:Mount|Mt\.?)", "saint": r"(?:Saint|St\.?)"}


def _fold_char(ch: str) -> str:
    base = unicodedata.normalize("NFD", ch)[0]
    return base if base.isascii() else ch


# Accented Latin letters → their base letter, one character for one, so spans stay true.
_FOLD = {code: _fold_char(chr(code)) for code in range(0xC0, 0x250)
         if _fold_char(chr(code)) != chr(code)}
_FOLD.update({ord(a): b for a, b in zip("øØłŁđĐ", "oOlLdD")})


@dataclass(frozen=True)
class Place:
    """One place: its English and Chinese names and the setting it looks like."""

    en: str                     # "the Hukou Waterfall"
    zh: tuple[str, ...]         # ("壶口瀑布", "壶口")
    aka: tuple[str, ...] = ()   # other English spellings ("hukou falls")
    setting: str = ""           # a scene.toml setting id ("waterfall")
    cased: bool = False         # English names match only with the capitals as written

    @property
    def bare(self) -> str:
        """The English name without a leading "the " ("Hukou Waterfall")."""
        return self.en[4:] if self.en.startswith("the ") else self.en

    @property
    def has_the(self) -> bool:
        return self.en.startswith("the ")


@dataclass(frozen=True)
class PlaceMatch:
    """A place named in a text, and the character span that names it."""

    place: Place
    start: int
    end: int


def _key(name: str) -> str:
    """How an English name is compared: accents, case, "the", Mt/St and hyphens set aside."""
    text = _THE.sub("", name.translate(_FOLD).strip().lower(), count=1).replace("\u2019", "'")
    return " ".join(_ABBREVIATIONS.get(w, w) for w in _SPLIT.split(text) if w)


def _pattern(name: str, place: Place) -> str:
    """The regex that finds one English name of a place."""
    parts = []
    for word in _SPLIT.split(name.translate(_FOLD).strip()):
        if word.lower() in _ABBREVIATIONS:
            parts.append(_ABBREVIATION_PATTERNS[_ABBREVIATIONS[word.lower()]])
        else:
            parts.append(re.escape(word).replace("'", "['\u2019]"))
    body = f"[{_SEPARATORS}]+".join(parts)
    if place.cased:
        body = f"(?-i:{body})"
    return rf"(?:the\s+)?{body}" if place.has_the else body


class Gazetteer:
    """The places of places.toml, searchable by English text and by Chinese name."""

    def __init__(self, places: tuple[Place, ...]):
        self.places = places
        self._by_zh = {name: p for p in places for name in p.zh}
        self._by_key: dict[str, Place] = {}
        names: list[tuple[str, Place]] = []
        for p in places:
            for name in (p.bare, *p.aka):
                if _key(name) not in self._by_key:
                    self._by_key[_key(name)] = p
                    names.append((_THE.sub("", name.strip(), count=1), p))
        names.sort(key=lambda item: -len(_key(item[0])))  # longest names are tried first
        alternation = "|".join(_pattern(name, p) for name, p in names)
        # At each word start, the longest name found there; lookahead lets matches overlap
        # so that the longest of overlapping names wins, wherever it starts.
        self._regex = re.compile(rf"(?<![{_LETTER}])(?=({alternation})(?![{_LETTER}]))",
                                 re.IGNORECASE)

    def __len__(self) -> int:
        return len(self.places)

    def find_english(self, text: str) -> list[PlaceMatch]:
        """Every place named in English text: whole words, case-insensitive (except `cased`
        places), with or without a leading "the"; the longest of overlapping names wins."""
        folded = text.translate(_FOLD)
        found = [(m.start(1), m.end(1), m.group(1)) for m in self._regex.finditer(folded)]
        found.sort(key=lambda f: (f[0] - f[1], f[0]))
        taken: list[PlaceMatch] = []
        for start, end, name in found:
            place = self._by_key.get(_key(name))
            if place and all(end <= t.start or start >= t.end for t in taken):
                taken.append(PlaceMatch(place, start, end))
        return sorted(taken, key=lambda t: t.start)

    def chinese(self, word: str) -> Place | None:
        """The place with this exact Chinese name, if any."""
        return self._by_zh.get(word)

    def chinese_names(self) -> tuple[str, ...]:
        """Every Chinese name of every place (for the segmenter's dictionary)."""
        return tuple(self._by_zh)


def _chinese_name(name: str) -> str:
    if not _CHINESE.fullmatch(name):
        raise ValueError(f"{name!r} is not a Chinese name of two or more Chinese characters")
    return name


class _PlaceTable(Schema):
    """One [[place]] of places.toml."""

    en: Text
    zh: some(Annotated[str, AfterValidator(_chinese_name)])
    aka: Texts = ()
    setting: Text
    cased: Flag = False


class _PlacesFile(Schema):
    place: some(_PlaceTable)


def load_gazetteer(path: Path = DATA_DIR / "places.toml",
                   setting_ids: set[str] | None = None) -> Gazetteer:
    """Read and check places.toml; with `setting_ids`, every setting must be one of them.
    A name may belong to one place only."""
    file = datafiles.shown(path)
    places = tuple(Place(**dict(table)) for table in datafiles.load(path, _PlacesFile).place)
    zh_owner: dict[str, Place] = {}
    en_owner: dict[str, Place] = {}
    for place in places:
        where = f"[[place]] '{place.en}'"
        for name in place.zh:
            if zh_owner.setdefault(name, place) is not place:
                raise fail(file, where, "zh", f"the Chinese name '{name}' is also a name of "
                                              f"'{zh_owner[name].en}'")
        for key, names in (("en", (place.en,)), ("aka", place.aka)):
            for name in names:
                if en_owner.setdefault(_key(name), place) is not place:
                    raise fail(file, where, key, f"the English name '{name}' is also a name "
                                                 f"of '{en_owner[_key(name)].en}'")
        if setting_ids is not None and place.setting not in setting_ids:
            raise fail(file, where, "setting", f"names unknown setting '{place.setting}' "
                                               f"(settings are in scene.toml)")
    return Gazetteer(places)
