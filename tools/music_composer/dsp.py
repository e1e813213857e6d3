"""Signal helpers for the composer: a circular mixing canvas, filters, reverb, mastering.

A library track is a loop: whatever rings past its end (a note's release, the reverb's tail)
wraps round to its start, so joining the end to the start is seamless. That is why the
canvas adds modulo its length and the filters here work in the frequency domain (circular)
rather than with recursive filters whose state would differ at the two ends.

The sample rate, decibels, limiter and loudness meter are the app's own (music/dsp.py),
shared with fitting, so a track is mastered by the same measure it is later fitted by.
"""

from __future__ import annotations

import numpy as np

from music.dsp import SR, db, limit, loudness

__all__ = ["SR", "db", "limit", "loudness", "seconds", "pan_gains", "fade_tail", "Canvas",
           "lowpass", "highpass", "bandpass", "colored_noise", "reverb_ir", "circular_reverb",
           "master"]


def seconds(n: int) -> np.ndarray:
    """Time axis of n samples, in seconds."""
    return np.arange(n) / SR


def pan_gains(pan: float) -> tuple[float, float]:
    """Constant-power left/right gains for pan in [-1 (left), 1 (right)]."""
    angle = (np.clip(pan, -1.0, 1.0) + 1.0) * np.pi / 4.0
    return float(np.cos(angle)), float(np.sin(angle))


def fade_tail(signal: np.ndarray, fade_s: float = 0.01) -> np.ndarray:
    """The signal with its last `fade_s` ramped to zero, so a cut never clicks."""
    n = min(len(signal), int(fade_s * SR))
    if n > 1:
        signal[-n:] *= np.linspace(1.0, 0.0, n)[(...,) + (None,) * (signal.ndim - 1)]
    return signal


class Canvas:
    """A stereo loop buffer: sounds added past the end wrap round to the start."""

    def __init__(self, length: int):
        self.length = length
        self.audio = np.zeros((length, 2))

    def add(self, start: int, sound: np.ndarray, gain: float = 1.0, pan: float = 0.0) -> None:
        """Mix a mono (n,) or stereo (n, 2) sound in at sample `start` (wrapping)."""
        if sound.ndim == 1:
            left, right = pan_gains(pan)
            sound = np.stack([sound * left, sound * right], axis=1)
        sound = sound * gain
        start %= self.length
        offset = 0
        while offset < len(sound):  # a sound longer than the loop wraps more than once
            at = (start + offset) % self.length
            take = min(len(sound) - offset, self.length - at)
            self.audio[at:at + take] += sound[offset:offset + take]
            offset += take


def _spectral(audio: np.ndarray, response) -> np.ndarray:
    """Apply a zero-phase magnitude response(freqs) to a loop (circular, so seam-free)."""
    spectrum = np.fft.rfft(audio, axis=0)
    freqs = np.fft.rfftfreq(len(audio), 1.0 / SR)
    gain = response(freqs)
    return np.fft.irfft(spectrum * (gain[:, None] if audio.ndim == 2 else gain), n=len(audio),
                        axis=0)


def lowpass(audio: np.ndarray, cutoff: float, order: int = 2) -> np.ndarray:
    """Circular Butterworth-shaped low-pass of a loop."""
    return _spectral(audio, lambda f: 1.0 / np.sqrt(1.0 + (f / cutoff) ** (2 * order)))


def highpass(audio: np.ndarray, cutoff: float, order: int = 2) -> np.ndarray:
    """Circular Butterworth-shaped high-pass of a loop."""
    return _spectral(audio, lambda f: 1.0 / np.sqrt(1.0 + (cutoff / np.maximum(f, 1e-3))
                                                    ** (2 * order)))


def bandpass(audio: np.ndarray, low: float, high: float, order: int = 2) -> np.ndarray:
    """Circular band-pass of a loop."""
    return highpass(lowpass(audio, high, order), low, order)


def colored_noise(n: int, rng: np.random.Generator, slope_db: float = -3.0) -> np.ndarray:
    """Loopable mono noise whose spectrum falls by `slope_db` per octave (-3: pink)."""
    spectrum = np.fft.rfft(rng.standard_normal(n))
    freqs = np.maximum(np.fft.rfftfreq(n, 1.0 / SR), 20.0)
    noise = np.fft.irfft(spectrum * (freqs / 1000.0) ** (slope_db / 6.02), n=n)
    return noise / (np.std(noise) + 1e-12)


def reverb_ir(rt60: float, rng: np.random.Generator, damping: float = 0.5) -> np.ndarray:
    """A stereo room impulse response: sparse early reflections, then a darkening noise tail.

    Left and right tails are independent noise, which is what gives the mix its width.
    """
    n = int(min(rt60 * 1.2, 6.0) * SR)
    t = seconds(n)
    ir = np.zeros((n, 2))
    for channel in range(2):
        noise = rng.standard_normal(n)
        dark = lowpass(noise, 2500.0 + 5000.0 * (1.0 - damping), order=1)
        bright_decay = np.exp(-6.9 * t / (rt60 * (0.35 + 0.3 * (1.0 - damping))))
        tail = (dark * np.exp(-6.9 * t / rt60) + (noise - dark) * bright_decay)
        tail *= np.clip((t - 0.012) / 0.03, 0.0, 1.0)  # pre-delay, then a soft onset
        ir[:, channel] = tail
        for _ in range(6):  # early reflections off near walls
            at = int(rng.uniform(0.004, 0.045) * SR)
            ir[at, channel] += rng.uniform(0.3, 0.7) * rng.choice([-1.0, 1.0])
    return ir / np.sqrt(np.sum(ir ** 2) / 2.0)


def circular_reverb(audio: np.ndarray, ir: np.ndarray) -> np.ndarray:
    """The wet signal of a stereo loop through a stereo IR; the tail wraps to the start."""
    from scipy.signal import fftconvolve

    n = len(audio)
    wet = np.zeros_like(audio)
    mono = audio.mean(axis=1)
    for channel in range(2):
        full = fftconvolve(0.6 * audio[:, channel] + 0.4 * mono, ir[:, channel])
        for start in range(0, len(full), n):
            piece = full[start:start + n]
            wet[:len(piece), channel] += piece
    return wet


def master(audio: np.ndarray, target_lufs: float, ceiling_db: float) -> np.ndarray:
    """Bring a loop to the target loudness with its peaks held under the ceiling."""
    ceiling = db(ceiling_db)
    for _ in range(6):  # limiting lowers loudness a little; converge in a few rounds
        audio = audio * db(target_lufs - loudness(audio))
        audio = limit(audio, ceiling)
        if abs(loudness(audio) - target_lufs) < 0.05:
            break
    return audio
