"""The ShotSpec: a user's idea, held as structured parts the agent can refine."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from enum import StrEnum
from pathlib import Path


class Music(StrEnum):
    """The two words ShotSpec.music may hold; any other value is a library track id or the
    path of the user's own audio file (music/soundtrack.py resolves both)."""

    AUTO = "auto"  # the selector picks a track that fits the idea and the style
    NONE = "none"  # a silent video


@dataclass(frozen=True)
class ShotSpec:
    """The structured idea behind one clip.

    The final prompt reads camera → scene → details, the formula the reference product
    teaches. `idea` keeps the user's own words; the other text fields are English.
    """

    idea: str
    subject: str = ""
    action: str = ""
    camera: str = ""
    scene: str = ""
    details: str = ""
    style: str | None = None  # a preset id from styles/, None for no style
    duration: float | None = None  # seconds; None: the model's own length (6 s for CogVideoX)
    aspect: str = "auto"  # "16:9" … "9:16" (video/shape.py); auto: the model's, or the photo's
    source_image: Path | None = None
    music: str = Music.AUTO  # Music.AUTO, Music.NONE, a track id or an audio file path
    seed: int | None = None
    language: str = "en"  # the user's language, for replies: "en" or "zh"
    title: str = ""  # a short English title (the rewriter's), for listings and share pages
    mood: str = ""  # a soundtrack mood the rewriter suggests (music/moods.toml), "" for none

    @property
    def prompt(self) -> str:
        """The prompt in formula order: camera, then scene, then details."""
        parts = [p.strip() for p in (self.camera, self.scene, self.details) if p.strip()]
        return " ".join(parts) if parts else self.idea.strip()

    @property
    def music_pinned(self) -> bool:
        """True when the music is a chosen track or file (neither auto nor none)."""
        return self.music not in (Music.AUTO, Music.NONE)

    def with_changes(self, **changes) -> "ShotSpec":
        """A copy with some fields changed (the spec itself is immutable)."""
        return replace(self, **changes)

    def to_dict(self) -> dict:
        """The spec as JSON-safe data: the one way a ShotSpec is saved (the job queue, the
        chat's state and a creation's record all keep this)."""
        data = asdict(self)
        data["source_image"] = str(self.source_image) if self.source_image else None
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "ShotSpec":
        """A spec saved by `to_dict`; keys a newer or older release wrote are ignored."""
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        if values.get("source_image"):
            values["source_image"] = Path(values["source_image"])
        return cls(**values)
