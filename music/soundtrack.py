"""The soundtrack step as the director sees it: choose a track, then fit and mux it.

`Soundtrack.choose` turns a music choice — "auto", "none", a library track id, or the path
of the user's own audio file — into a `ChosenTrack` (or None for no music);
`Soundtrack.fitted` gives it to post-production, which fits it to the video's length and
muxes it in as it encodes; `Soundtrack.apply` fits it to a finished MP4 in place.
The library loads on first use and the selector's model on the first "auto" choice, or
earlier on a background thread when the director asks for it once the engine renders
(`Soundtrack.prefetch`): the model then loads while the video renders, and a choice that
needs no selector ("none", a track id, a file) never loads it.
"""

from __future__ import annotations

import logging
import math
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from errors import InputError
from music.fit import RATE, FitReport, LoopPlan, add_soundtrack, decode, fit_audio
from music.library import Library, Track
from music.select import Pick, Selector
from music.upload import EXTENSIONS, validate_upload
from video.types import Audio

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ChosenTrack:
    """The soundtrack of a render: a library track or the user's own file."""

    id: str  # a library id, or "upload" for the user's file
    title: str
    title_zh: str
    score: float | None  # the selector's score for an automatic pick, else None
    path: Path
    plan: LoopPlan
    source: str = "library"  # "library" | "upload"
    alternatives: tuple[Pick, ...] = ()  # the selector's top picks, for the UI

    def summary(self) -> dict:
        """Plain data for JSON output: id, title, title_zh, score, source."""
        return {"id": self.id, "title": self.title, "title_zh": self.title_zh,
                "score": self.score, "source": self.source}


def plan_for(track: Track) -> LoopPlan:
    """How a library track is cut and looped: on its bar grid, seamlessly."""
    return LoopPlan(bar_seconds=track.bar_seconds, loop_start=track.loop_start,
                    loop_end=track.loop_end, seamless=True)


class Soundtrack:
    """The music library, its selector, and fitting, held by the director."""

    def __init__(self, library: Library | None = None, selector: Selector | None = None):
        self._library = library
        self._selector = selector
        self._lock = threading.Lock()
        self._prefetching: threading.Thread | None = None

    @property
    def library(self) -> Library:
        """The built-in tracks (read on first use)."""
        with self._lock:
            if self._library is None:
                self._library = Library.load()
            return self._library

    @property
    def selector(self) -> Selector:
        """The selector (its model loads on the first ranking)."""
        library = self.library
        with self._lock:
            if self._selector is None:
                self._selector = Selector(library)
            return self._selector

    @property
    def selector_loaded(self) -> bool:
        """Whether the selector's model is in memory (loaded by a ranking or a prefetch)."""
        with self._lock:
            return self._selector is not None and self._selector.embedder.loaded

    def prefetch(self, choice: str) -> threading.Thread | None:
        """Start loading the selector's model on a background thread when `choice` is
        "auto" (once per soundtrack; a no-op for any other choice), so that `choose` finds
        it ready. Returns the thread it started, else None.

        A failure here is only logged: `choose` then loads the model itself and fails (or
        not) exactly as it would have without the prefetch."""
        if (choice or "auto").strip() != "auto":
            return None
        with self._lock:
            if self._prefetching is not None:
                return None
            self._prefetching = threading.Thread(target=self._warm_selector, daemon=True,
                                                 name="clipwright-music-prefetch")
        self._prefetching.start()
        return self._prefetching

    def _warm_selector(self) -> None:
        try:
            self.selector.warm()
        except Exception:  # noqa: BLE001 - choose() meets the same failure and reports it
            log.debug("the music selector's prefetch failed; choose() will retry",
                      exc_info=True)

    def check_choice(self, choice: str) -> None:
        """Fail early (InputError) on a choice that cannot work: an unknown track id or a bad
        audio file. "auto" and "none" always pass; nothing heavy is loaded."""
        choice = (choice or "auto").strip()
        if choice not in ("auto", "none") and choice not in self.library:
            self.choose(choice, "")

    def choose(self, choice: str, prompt: str, style_moods: Sequence[str] = (),
               mood: str | None = None) -> ChosenTrack | None:
        """Resolve a music choice; InputError for an unknown id or a bad audio file."""
        choice = (choice or "auto").strip()
        if choice == "none":
            return None
        if choice == "auto":
            picks = self.selector.rank(prompt, style_moods, mood, top=3)
            best = picks[0]
            return self._library_choice(best.track, best.score, tuple(picks))
        if choice in self.library:
            return self._library_choice(self.library.get(choice), None, ())
        if Path(choice).suffix.lower() in EXTENSIONS or Path(choice).exists():
            upload = validate_upload(Path(choice))
            return ChosenTrack(id="upload", title=upload.name, title_zh=upload.name, score=None,
                               path=upload.path, plan=LoopPlan(), source="upload")
        raise InputError(f"unknown music '{choice}': use auto, none, a track id "
                         f"({', '.join(t.id for t in self.library.tracks)}) or an audio file")

    @staticmethod
    def _library_choice(track: Track, score: float | None,
                        alternatives: tuple[Pick, ...]) -> ChosenTrack:
        if not track.path.is_file():
            raise RuntimeError(f"the library file {track.path} is missing; "
                               "rebuild it with `python -m tools.compose_music`")
        return ChosenTrack(id=track.id, title=track.title_en, title_zh=track.title_zh,
                           score=None if score is None or math.isnan(score) else score,
                           path=track.path, plan=plan_for(track), alternatives=alternatives)

    @staticmethod
    def apply(chosen: ChosenTrack, mp4: Path) -> FitReport:
        """Fit the chosen track to the MP4's length and mux it in, in place (atomically)."""
        return add_soundtrack(Path(mp4), chosen.path, chosen.plan)

    @staticmethod
    def fitted(chosen: ChosenTrack) -> Callable[[float], Audio]:
        """The chosen track as post-production takes it: for a video `seconds` long, the
        audio cut on its bar grid, looped, levelled and faded to exactly that length."""
        def for_length(seconds: float) -> Audio:
            samples, _ = fit_audio(decode(chosen.path), seconds, chosen.plan)
            return Audio(samples=samples, rate=RATE)

        return for_length
