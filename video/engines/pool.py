"""Keeps one instance per engine name, so loaded pipelines survive between requests."""

from __future__ import annotations

import threading

from video.engines import choose_engine, create_engine
from video.engines.base import Engine, EngineSettings


class EnginePool:
    """Engines created on first use and kept; app.py owns one pool per process."""

    def __init__(self, settings: EngineSettings):
        self.settings = settings
        self._engines: dict[str, Engine] = {}
        self._lock = threading.Lock()

    def get(self, name: str, task: str) -> Engine:
        """The engine for a name (`auto` resolved for the task), created once."""
        resolved = choose_engine(name, task, self.settings)
        with self._lock:
            if resolved not in self._engines:
                self._engines[resolved] = create_engine(resolved, self.settings)
            return self._engines[resolved]

    def loaded(self) -> list[str]:
        """The engines made so far in this process (a cluster's web host makes none)."""
        with self._lock:
            return sorted(self._engines)
