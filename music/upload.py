"""A user's own music: checked before anything uses it.

Accepted: mp3, wav, ogg, m4a and flac, at most 20 MB and 10 minutes. The file's first bytes
must match its extension (a renamed picture or video is turned away), ffmpeg must find an
audio stream and decode all of it without errors, and a decoded length far short of the
length its header promises means the file was cut off. Every refusal is an InputError that
says which rule the file broke.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from errors import InputError
from video.ffmpeg import FfmpegError, probe, run_ffmpeg

MAX_BYTES = 20 * 1024 * 1024
MAX_SECONDS = 600.0
MIN_SECONDS = 1.0
EXTENSIONS = {".mp3": "mp3", ".wav": "wav", ".ogg": "ogg", ".oga": "ogg", ".m4a": "m4a",
              ".flac": "flac"}
_PROBE_RATE = 8000  # decode checks at a low rate: fast, and enough to hear silence


@dataclass(frozen=True)
class UploadedAudio:
    """A user's audio file that passed every check."""

    path: Path
    format: str  # mp3 | wav | ogg | m4a | flac
    duration: float  # seconds, as decoded
    name: str  # the file name the user gave it


def sniff(head: bytes) -> str | None:
    """The audio container the first bytes announce, or None."""
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "wav"
    if head[:4] == b"OggS":
        return "ogg"
    if head[:4] == b"fLaC":
        return "flac"
    if head[4:8] == b"ftyp":
        return "m4a"
    if head[:3] == b"ID3" or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "mp3"
    return None


def _describe(head: bytes) -> str:
    """A guess at what a disguised file really is, for the error message."""
    for magic, kind in ((b"\x89PNG", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"),
                        (b"GIF8", "a GIF image"), (b"%PDF", "a PDF document"),
                        (b"PK\x03\x04", "a ZIP archive"), (b"\x1aE\xdf\xa3", "a WebM/MKV video")):
        if head.startswith(magic):
            return kind
    if head and all(32 <= b < 127 or b in (9, 10, 13) for b in head[:64]):
        return "text"
    return "not audio"


def validate_upload(path: Path | str, name: str | None = None) -> UploadedAudio:
    """Check a user's audio file; return what it is, or raise InputError saying why not."""
    path = Path(path)
    label = f"'{name or path.name}'"
    if not path.is_file():
        raise InputError(f"no audio file at {label}")
    kind = EXTENSIONS.get(path.suffix.lower())
    if kind is None:
        raise InputError(f"{label} is not a supported audio file; use "
                         f"{', '.join(sorted(set(EXTENSIONS.values())))}")
    size = path.stat().st_size
    if size == 0:
        raise InputError(f"{label} is empty")
    if size > MAX_BYTES:
        raise InputError(f"{label} is {size / 1024 / 1024:.1f} MB; the limit is "
                         f"{MAX_BYTES // 1024 // 1024} MB")
    with open(path, "rb") as handle:
        head = handle.read(64)
    actual = sniff(head)
    if actual != kind and not (kind == "mp3" and actual is None and _is_mp3_stream(path)):
        what = f"an {actual} file" if actual else _describe(head)
        raise InputError(f"{label} is named .{path.suffix.lstrip('.').lower()} but is "
                         f"{what}; upload a real {kind} file")
    declared, decoded = _decode_check(path, label)
    if decoded < MIN_SECONDS:
        raise InputError(f"{label} has less than {MIN_SECONDS:g} s of sound")
    if declared and decoded < declared * 0.97 - 0.5:
        raise InputError(f"{label} is cut off: it should last {declared:.1f} s but only "
                         f"{decoded:.1f} s can be read")
    if max(declared, decoded) > MAX_SECONDS:
        raise InputError(f"{label} lasts {max(declared, decoded) / 60:.1f} minutes; the limit "
                         f"is {MAX_SECONDS / 60:g} minutes")
    return UploadedAudio(path=path, format=kind, duration=decoded, name=name or path.name)


def _is_mp3_stream(path: Path) -> bool:
    """True for MP3 data that starts with junk before its first frame (common)."""
    with open(path, "rb") as handle:
        data = handle.read(4096)
    return any(data[i] == 0xFF and data[i + 1] & 0xE0 == 0xE0 and data[i + 1] & 0x06
               for i in range(len(data) - 1))


def _decode_check(path: Path, label: str) -> tuple[float, float]:
    """(duration the header declares, duration that decodes); InputError when the file has
    no audio, cannot be decoded, reports damage, or holds only silence."""
    def unreadable(reason: str) -> InputError:
        return InputError(f"{label} cannot be read as audio (damaged or not really "
                          f"{path.suffix.lstrip('.')}): {reason}")

    try:
        info = probe(path, frames="none")
    except FfmpegError as exc:
        raise unreadable(exc.reason) from None
    if info.first("audio") is None:
        raise InputError(f"{label} has no audio in it")
    try:  # -xerror: the first damaged packet stops the decode (and fails it)
        run = run_ffmpeg(["-xerror", "-i", str(path), "-map", "0:a:0", "-t", str(MAX_SECONDS + 1),
                          "-f", "s16le", "-ac", "1", "-ar", str(_PROBE_RATE), "pipe:1"],
                         doing=f"decode {label}")
    except FfmpegError as exc:
        raise unreadable(exc.reason) from None
    if run.log:  # errors it decoded past are damage too
        raise unreadable(run.log.splitlines()[-1])
    samples = np.frombuffer(run.stdout, dtype="<i2")
    decoded = len(samples) / _PROBE_RATE
    if decoded and np.abs(samples).max() < 8:  # about −72 dBFS
        raise InputError(f"{label} is silent")
    return info.duration, decoded
