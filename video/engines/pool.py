"""Keeps one instance per engine name, so loaded pipelines survive between requests."""

from __future__ import annotations

import dataclasses
import threading
from typing import TYPE_CHECKING

from video.engines import choose_engine, create_engine
from video.engines.base import Engine, EngineSettings

if TYPE_CHECKING:  # torch is imported only when a render asks
    from video.learned import LearnedPost


class EnginePool:
    """Engines created on first use and kept; app.py owns one pool per process."""

    def __init__(self, settings: EngineSettings):
        self.settings = settings
        self.version = 0  # counts setting changes: whoever caches an answer about engines
        self._engines: dict[str, Engine] = {}
        self._post: list[LearnedPost | None] = []  # made once: [] until asked
        self._lock = threading.Lock()

    def get(self, name: str, task: str) -> Engine:
        """The engine for a name (`auto` resolved for the task), created once."""
        with self._lock:
            resolved = choose_engine(name, task, self.settings)
            if resolved not in self._engines:
                self._engines[resolved] = create_engine(resolved, self.settings)
            return self._engines[resolved]

    def use_cloud_key(self, key: str | None) -> None:
        """Render with this platform API key from now on (None: no cloud engine). `auto`
        follows at once; a render already under way finishes with the engine it has."""
        with self._lock:
            if key == self.settings.cloud_api_key:
                return
            self.settings = dataclasses.replace(self.settings, cloud_api_key=key)
            self._engines.pop("cloud", None)  # the next cloud render uses the new key
            self.version += 1

    def post_networks(self) -> LearnedPost | None:
        """The learned post-production networks (video/learned/), loaded once on a GPU host
        with their weights; None on a CPU or without them ("auto"), or when "off"."""
        with self._lock:
            if not self._post:
                from video.learned import learned_post

                self._post.append(learned_post(self.settings.learned_post,
                                               self.settings.cache_dir))
            return self._post[0]

    def loaded(self) -> list[str]:
        """The engines made so far in this process (a cluster's web host makes none)."""
        with self._lock:
            return sorted(self._engines)
