"""The built-in track library: metadata read from data files and checked on load.

`music/library/tracks.toml` lists every track (titles, moods, tempo, key, energy, length,
loop points, licence, a description the selector reads, and the composer's recipe);
`music/moods.toml` lists the mood vocabulary shared with the style presets. Both are meant
to be edited by hand; a mistake in them is reported with the file, the entry and the key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

from pydantic import model_validator

import datafiles
from datafiles import Invalid, Schema, Text, Texts, between, fail, some
from errors import InputError

MUSIC_DIR = Path(__file__).resolve().parent
LIBRARY_DIR = MUSIC_DIR / "library"
CATALOGUE = LIBRARY_DIR / "tracks.toml"
MOODS_FILE = MUSIC_DIR / "moods.toml"




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


class _MoodTable(Schema):
    id: Text
    name_en: Text
    name_zh: Text
    description: Text
    keywords_zh: Texts = ()


class _MoodsFile(Schema):
    mood: some(_MoodTable)


class _TrackTable(Schema):
    id: Text
    title_en: Text
    title_zh: Text
    moods: Texts
    bpm: between(30, 240)
    meter: between(2, 7)
    key: Text
    energy: between(0, 1)
    duration_s: between(1, 600)
    loop_start_s: between(0, 600)
    loop_end_s: between(0, 600)
    license: Text
    description: Text
    file: Text
    recipe: dict[str, Any] = {}

    @model_validator(mode="after")
    def _fits_together(self):
        """The loop lies inside the track, whose length is its bars at its tempo."""
        if self.loop_start_s > self.duration_s:
            raise Invalid(f"must be from 0 to {self.duration_s:g}", "loop_start_s")
        if not self.loop_start_s <= self.loop_end_s <= self.duration_s:
            raise Invalid(f"must be from {self.loop_start_s:g} to {self.duration_s:g}",
                          "loop_end_s")
        if "bars" in self.recipe:
            expected = self.recipe["bars"] * int(self.meter) * 60.0 / self.bpm
            if abs(expected - self.duration_s) > 0.001:
                raise Invalid(f"must be bars × meter × 60 / bpm = {expected:.6f}", "duration_s")
        return self


class _TracksFile(Schema):
    track: some(_TrackTable)


def load_moods(path: Path = MOODS_FILE) -> dict[str, Mood]:
    """The mood vocabulary, in file order; DataFileError names the file, mood and key."""
    moods: dict[str, Mood] = {}
    for mood in datafiles.load(path, _MoodsFile).mood:
        if mood.id in moods:
            raise fail(datafiles.shown(path), f"[[mood]] '{mood.id}'", "id",
                       "is used by an earlier mood too")
        moods[mood.id] = Mood(mood.id, mood.name_en, mood.name_zh, mood.description,
                              mood.keywords_zh)
    return moods


def load_tracks(path: Path = CATALOGUE, moods: Mapping[str, Mood] | None = None) -> tuple[Track, ...]:
    """Every track of the catalogue, checked: known moods, sane numbers, loop points inside
    the track, and a length that matches bars × beats at the tempo."""
    moods = moods if moods is not None else load_moods()
    tracks: list[Track] = []
    for entry in datafiles.load(path, _TracksFile).track:
        where = f"[[track]] '{entry.id}'"
        if any(t.id == entry.id for t in tracks):
            raise fail(datafiles.shown(path), where, "id", "is used by an earlier track too")
        unknown = [mood for mood in entry.moods if mood not in moods]
        if unknown:
            raise fail(datafiles.shown(path), where, "moods", f"names unknown mood "
                       f"'{unknown[0]}' (known: {', '.join(moods)})")
        tracks.append(Track(
            id=entry.id, title_en=entry.title_en, title_zh=entry.title_zh, moods=entry.moods,
            bpm=float(entry.bpm), meter=int(entry.meter), key=entry.key,
            energy=float(entry.energy), duration=float(entry.duration_s),
            loop_start=float(entry.loop_start_s), loop_end=float(entry.loop_end_s),
            license=entry.license, description=entry.description,
            path=path.parent / entry.file, recipe=MappingProxyType(dict(entry.recipe))))
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
