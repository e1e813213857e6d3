"""The built-in track library: metadata read from data files and checked on load.

`music/library/tracks.toml` lists every track (titles, moods, tempo, key, energy, length,
loop points, licence, a description the selector reads, and the composer's recipe);
`music/moods.toml` lists the mood vocabulary shared with the style presets. Both are meant
to be edited by hand; a mistake in them is reported with the file, the entry and the key.
"""

from __future__ import annotations

from files import read_toml
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

from errors import InputError

MUSIC_DIR = Path(__file__).resolve().parent
LIBRARY_DIR = MUSIC_DIR / "library"
CATALOGUE = LIBRARY_DIR / "tracks.toml"
MOODS_FILE = MUSIC_DIR / "moods.toml"


class CatalogueError(ValueError):
    """A data file of the music library is malformed; the message names file, entry, key."""


@dataclass(frozen=True)
class Mood:
    """One mood of the shared vocabulary (style presets name these in `music_moods`)."""

    id: str
    name_en: str
    name_zh: str
    description: str  # English words the selector compares a prompt with
    keywords_zh: tuple[str, ...] = ()  # Chinese words that point straight at this mood


@dataclass(frozen=True)
class Track:
    """One built-in track: where its audio is and what it is like."""

    id: str
    title_en: str
    title_zh: str
    moods: tuple[str, ...]
    bpm: float
    meter: int  # beats per bar
    key: str  # e.g. "D major"
    energy: float  # 0 (still) .. 1 (driving)
    duration: float  # seconds
    loop_start: float  # seconds; the audio between the loop points repeats seamlessly
    loop_end: float
    license: str
    description: str
    path: Path
    recipe: Mapping[str, Any] = field(default_factory=dict, repr=False)

    @property
    def bar_seconds(self) -> float:
        """Length of one bar."""
        return self.meter * 60.0 / self.bpm

    def title(self, language: str = "en") -> str:
        """The title in "en" or "zh"."""
        return self.title_zh if language == "zh" else self.title_en


class _Entry:
    """Typed reads from one TOML table, with errors that say where."""

    def __init__(self, source: Path, label: str, table: Mapping[str, Any]):
        self.source, self.label, self.table = source, label, table

    def fail(self, key: str, problem: str) -> CatalogueError:
        return CatalogueError(f"{self.source.name}: {self.label}: key '{key}' {problem}")

    def get(self, key: str, kind: type | tuple[type, ...], default: Any = ...) -> Any:
        if key not in self.table:
            if default is ...:
                raise self.fail(key, "is missing")
            return default
        value = self.table[key]
        if not isinstance(value, kind) or (isinstance(value, bool) and bool not in
                                            (kind if isinstance(kind, tuple) else (kind,))):
            names = "/".join(k.__name__ for k in (kind if isinstance(kind, tuple) else (kind,)))
            raise self.fail(key, f"must be {names}; got {value!r}")
        return value

    def text(self, key: str, default: Any = ...) -> str:
        value = self.get(key, str, default)
        if not str(value).strip():
            raise self.fail(key, "is empty")
        return value

    def number(self, key: str, low: float, high: float) -> float:
        value = float(self.get(key, (int, float)))
        if not low <= value <= high:
            raise self.fail(key, f"must be between {low:g} and {high:g}; got {value:g}")
        return value

    def words(self, key: str, default: Any = ...) -> tuple[str, ...]:
        value = self.get(key, list, default)
        if not all(isinstance(v, str) and v.strip() for v in value):
            raise self.fail(key, "must be a list of non-empty strings")
        return tuple(value)


def _read_toml(path: Path) -> dict[str, Any]:
    return read_toml(path, CatalogueError)


def load_moods(path: Path = MOODS_FILE) -> dict[str, Mood]:
    """The mood vocabulary, in file order."""
    moods: dict[str, Mood] = {}
    for index, table in enumerate(_read_toml(path).get("mood", [])):
        entry = _Entry(path, f"mood #{index + 1}", table)
        mood_id = entry.text("id")
        entry.label = f"mood '{mood_id}'"
        if mood_id in moods:
            raise entry.fail("id", "repeats an earlier mood")
        moods[mood_id] = Mood(mood_id, entry.text("name_en"), entry.text("name_zh"),
                              entry.text("description"), entry.words("keywords_zh", []))
    if not moods:
        raise CatalogueError(f"{path.name}: no [[mood]] entries")
    return moods


def load_tracks(path: Path = CATALOGUE, moods: Mapping[str, Mood] | None = None) -> tuple[Track, ...]:
    """Every track of the catalogue, checked: known moods, sane numbers, loop points inside
    the track, and a length that matches bars × beats at the tempo."""
    moods = moods if moods is not None else load_moods()
    tracks: list[Track] = []
    for index, table in enumerate(_read_toml(path).get("track", [])):
        entry = _Entry(path, f"track #{index + 1}", table)
        track_id = entry.text("id")
        entry.label = f"track '{track_id}'"
        if any(t.id == track_id for t in tracks):
            raise entry.fail("id", "repeats an earlier track")
        track_moods = entry.words("moods")
        for mood in track_moods:
            if mood not in moods:
                raise entry.fail("moods", f"names unknown mood '{mood}' (known: {', '.join(moods)})")
        recipe = entry.get("recipe", dict, {})
        bpm = entry.number("bpm", 30, 240)
        meter = int(entry.number("meter", 2, 7))
        duration = entry.number("duration_s", 1, 600)
        loop_start = entry.number("loop_start_s", 0, duration)
        loop_end = entry.number("loop_end_s", loop_start, duration)
        if "bars" in recipe:
            expected = recipe["bars"] * meter * 60.0 / bpm
            if abs(expected - duration) > 0.001:
                raise entry.fail("duration_s", f"must be bars × meter × 60 / bpm = {expected:.6f}")
        tracks.append(Track(
            id=track_id, title_en=entry.text("title_en"), title_zh=entry.text("title_zh"),
            moods=track_moods, bpm=bpm, meter=meter, key=entry.text("key"),
            energy=entry.number("energy", 0, 1), duration=duration, loop_start=loop_start,
            loop_end=loop_end, license=entry.text("license"),
            description=entry.text("description"), path=path.parent / entry.text("file"),
            recipe=MappingProxyType(recipe)))
    if not tracks:
        raise CatalogueError(f"{path.name}: no [[track]] entries")
    return tuple(tracks)


class Library:
    """The built-in tracks and the mood vocabulary, loaded once and then read-only."""

    def __init__(self, tracks: tuple[Track, ...], moods: Mapping[str, Mood]):
        self.tracks = tracks
        self.moods = dict(moods)
        self._by_id = {t.id: t for t in tracks}

    @classmethod
    def load(cls, catalogue: Path = CATALOGUE, moods_file: Path = MOODS_FILE) -> "Library":
        """Read and check the data files."""
        moods = load_moods(moods_file)
        return cls(load_tracks(catalogue, moods), moods)

    def get(self, track_id: str) -> Track:
        """A track by id; InputError naming the known ids when there is none."""
        try:
            return self._by_id[track_id]
        except KeyError:
            raise InputError(f"no track '{track_id}' in the music library; known: "
                             f"{', '.join(self._by_id)}") from None

    def __contains__(self, track_id: object) -> bool:
        return track_id in self._by_id

    def check_mood(self, mood: str) -> str:
        """The mood id if known, else InputError listing the moods."""
        if mood not in self.moods:
            raise InputError(f"unknown mood '{mood}'; known: {', '.join(self.moods)}")
        return mood
