"""Opening a data folder for a test the way app.py does (studio.services), with the test's
own director (a tiny engine, music or not)."""

from __future__ import annotations

from pathlib import Path

from studio.director import Director
from studio.parts import Settings, build
from studio.services import Services, open_services


def open_test_services(data_dir: Path, director: Director, slots: int = 1) -> Services:
    """The data folder opened on `director`'s engines and libraries; the queue not started."""
    settings = Settings(data_dir=Path(data_dir), engines=director.engines.settings, env={},
                        slots=slots)
    return open_services(build(settings, director=director))
