"""The page's use of music/: tracks suggested for a shot, and a finished video's soundtrack
swapped or removed. The selector's model loads in the background on the first visit."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from agent.shot import Music, ShotSpec
from studio.director import Director

log = logging.getLogger(__name__)


class MusicPicks:
    """Suggestions and soundtrack changes through the director's music library."""

    def __init__(self, director: Director):
        self.director = director
        self.music = director.music  # None: a server started without music
        self._lock = threading.Lock()
        self._warming: threading.Thread | None = None
        self._ready = threading.Event()

    def warm_up(self) -> None:
        """Load the selector's model in a background thread, once (nothing loads at
        start-up; the first chat reply need not wait for it)."""
        with self._lock:
            if self.music is None or self._warming is not None:
                return
            self._warming = threading.Thread(target=self._warm, daemon=True,
                                             name="clipwright-warm-music")
        self._warming.start()

    def _warm(self) -> None:
        try:
            self.music.selector.rank("a quiet morning", (), top=1)
            self._ready.set()
        except Exception:  # noqa: BLE001 - renders still choose music; proposals just won't
            log.warning("the music selector could not load", exc_info=True)

    def suggest(self, spec: ShotSpec, wait: bool = False) -> list[str]:
        """The three tracks that fit the shot best; none without a library, for a spec
        whose music is already chosen, or while the selector loads unless `wait`."""
        if self.music is None or spec.music != Music.AUTO or not (wait or self._ready.is_set()):
            return []
        text = spec.idea if spec.prompt == spec.idea else f"{spec.idea}. {spec.prompt}"
        # The rewriter's mood is a hint: one the library does not know is left out, never
        # a refusal of what the user said (a data mismatch once refused "a lighthouse at night").
        mood = spec.mood if spec.mood in self.music.selector.library.moods else None
        if spec.mood and mood is None:
            log.warning("the rewriter suggested a mood the music library does not have: %r",
                        spec.mood)
        return self._rank(text, spec, mood, 3)

    def another(self, spec: ShotSpec, prompt: str, current: str | None,
                mood: str | None) -> str:
        """The best track for a finished video that is not its current one."""
        picks = self._rank(f"{spec.idea}. {prompt}", spec, mood, 4)
        return ([track for track in picks if track != current] or picks)[0]

    def _rank(self, text: str, spec: ShotSpec, mood: str | None, top: int) -> list[str]:
        moods = self.director.style(spec).music_moods
        return [p.track.id for p in self.music.selector.rank(text, moods, mood=mood, top=top)]

    def apply(self, mp4: Path, track_id: str | None, prompt: str = "") -> None:
        """Replace the MP4's soundtrack with a library track, or drop it (None); the video
        stream is copied, and the file is replaced atomically."""
        from video.export import without_audio

        if track_id is None:
            without_audio(mp4)
            return
        chosen = self.music.choose(track_id, prompt)
        self.music.apply(chosen, mp4)
