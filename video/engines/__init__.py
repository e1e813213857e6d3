"""Engines by name, and the `auto` choice between them.

`auto` picks: a CUDA GPU → cogvideox; a cloud API key → cloud; a photo on a CPU → motion;
otherwise it says exactly what is missing.
"""

from __future__ import annotations

from typing import Callable

from errors import EngineUnavailable, InputError
from video.engines.base import Engine, EngineDefaults, EngineSettings

ENGINE_NAMES = ("auto", "cogvideox", "cloud", "motion", "tiny")


def _cogvideox(settings: EngineSettings) -> Engine:
    from video.engines.cogvideox import CogVideoXEngine

    return CogVideoXEngine(settings)


def _cloud(settings: EngineSettings) -> Engine:
    from video.engines.cloud import CloudEngine

    return CloudEngine(settings)


def _tiny(settings: EngineSettings) -> Engine:
    from video.engines.tiny import TinyEngine

    return TinyEngine(settings)


def _motion(settings: EngineSettings) -> Engine:
    from video.engines.motion import MotionEngine

    return MotionEngine(settings)


# How each engine is made (imported on first use: torch and diffusers are heavy).
FACTORIES: dict[str, Callable[[EngineSettings], Engine]] = {
    "cogvideox": _cogvideox,
    "cloud": _cloud,
    "motion": _motion,
    "tiny": _tiny,
}


def cuda_available() -> bool:
    """True when torch sees a CUDA GPU."""
    import torch

    return torch.cuda.is_available()


def choose_engine(name: str, task: str, settings: EngineSettings) -> str:
    """Resolve `auto` to a concrete engine name for a task ('t2v' or 'i2v')."""
    if name not in ENGINE_NAMES:
        raise InputError(f"unknown engine '{name}'; choose one of {', '.join(ENGINE_NAMES)}")
    if name != "auto":
        return name
    if cuda_available():
        return "cogvideox"
    if settings.cloud_api_key:
        return "cloud"
    if task == "i2v":
        return "motion"
    raise EngineUnavailable(missing_engine_message(task))


def missing_engine_message(task: str) -> str:
    """What to set up when nothing here can render the task."""
    what = "text-to-video" if task == "t2v" else "image-to-video"
    return (f"{what} needs a CUDA GPU for local CogVideoX or ZHIPUAI_API_KEY for the cloud "
            f"engine; neither is present. Use --engine tiny for a random-weight test pattern.")


def create_engine(name: str, settings: EngineSettings) -> Engine:
    """Instantiate a concrete engine (not `auto`)."""
    factory = FACTORIES.get(name)
    if factory is None:
        raise InputError(f"unknown engine '{name}'; choose one of {', '.join(ENGINE_NAMES)}")
    return factory(settings)


__all__ = ["ENGINE_NAMES", "Engine", "EngineDefaults", "EngineSettings", "choose_engine",
           "create_engine", "missing_engine_message"]
