"""Light percussion and ambient beds for the composer.

Drum hits are rendered once per track (a few variants each, so repeats are not identical)
and placed by the patterns in arrange.py. Beds (wind, water, rain, vinyl) are whole
loops made in the frequency domain, so they join seamlessly at the loop point.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from tools.music_composer.dsp import (SR, bandpass, colored_noise, fade_tail, highpass, lowpass,
                                      seconds)

Hit = Callable[[np.random.Generator], np.ndarray]


def _noise(n: int, rng: np.random.Generator) -> np.ndarray:
    return rng.standard_normal(n)


def kick(rng: np.random.Generator) -> np.ndarray:
    """A soft kick: a sine falling from 110 to 48 Hz, with a little beater click."""
    n = int(0.45 * SR)
    t = seconds(n)
    freq = 48.0 + 62.0 * np.exp(-t / 0.035)
    body = np.sin(2 * np.pi * np.cumsum(freq) / SR) * np.exp(-t / 0.16)
    click = lowpass(_noise(n, rng) * np.exp(-t / 0.002), 4000.0)
    return fade_tail(0.9 * body + 0.15 * click)


def snare(rng: np.random.Generator) -> np.ndarray:
    """A light snare: a 190 Hz shell tone under a band of noise."""
    n = int(0.3 * SR)
    t = seconds(n)
    tone = np.sin(2 * np.pi * 190.0 * t) * np.exp(-t / 0.05)
    rattle = bandpass(_noise(n, rng), 1200.0, 7000.0) * np.exp(-t / 0.09)
    return fade_tail(0.45 * tone + 0.6 * rattle)


def brush(rng: np.random.Generator) -> np.ndarray:
    """A brushed snare, as a lo-fi backbeat: soft and dark."""
    n = int(0.3 * SR)
    t = seconds(n)
    swish = bandpass(_noise(n, rng), 600.0, 3500.0) * np.exp(-t / 0.07) * np.clip(t / 0.006, 0, 1)
    return fade_tail(0.6 * swish + 0.2 * np.sin(2 * np.pi * 180.0 * t) * np.exp(-t / 0.04))


def hat(rng: np.random.Generator) -> np.ndarray:
    """A closed hi-hat tick."""
    n = int(0.08 * SR)
    t = seconds(n)
    return fade_tail(highpass(_noise(n, rng), 7000.0) * np.exp(-t / 0.018) * 0.5)


def open_hat(rng: np.random.Generator) -> np.ndarray:
    """An open hi-hat wash."""
    n = int(0.4 * SR)
    t = seconds(n)
    return fade_tail(highpass(_noise(n, rng), 6500.0) * np.exp(-t / 0.12) * 0.4)


def shaker(rng: np.random.Generator) -> np.ndarray:
    """A shaker grain: soft attack, short."""
    n = int(0.1 * SR)
    t = seconds(n)
    env = np.clip(t / 0.015, 0.0, 1.0) * np.exp(-t / 0.03)
    return fade_tail(bandpass(_noise(n, rng), 5000.0, 11000.0) * env * 0.45)


def clap(rng: np.random.Generator) -> np.ndarray:
    """A hand clap: three quick bursts, then a short room."""
    n = int(0.25 * SR)
    t = seconds(n)
    env = sum(np.where(t >= d, np.exp(-(t - d) / 0.006), 0.0) for d in (0.0, 0.011, 0.022))
    env = env + 0.5 * np.where(t >= 0.03, np.exp(-(t - 0.03) / 0.06), 0.0)
    return fade_tail(bandpass(_noise(n, rng), 900.0, 5000.0) * env * 0.5)


def rim(rng: np.random.Generator) -> np.ndarray:
    """A rim click / woodblock."""
    n = int(0.08 * SR)
    t = seconds(n)
    tone = np.sin(2 * np.pi * 1700.0 * t) + 0.5 * np.sin(2 * np.pi * 820.0 * t)
    return fade_tail(tone * np.exp(-t / 0.012) * 0.4)


def tom(rng: np.random.Generator) -> np.ndarray:
    """A low cinematic drum (taiko-like): deep body, skin noise, long ring."""
    n = int(0.9 * SR)
    t = seconds(n)
    freq = 62.0 + 40.0 * np.exp(-t / 0.05)
    body = np.sin(2 * np.pi * np.cumsum(freq) / SR) * np.exp(-t / 0.32)
    skin = lowpass(_noise(n, rng), 900.0) * np.exp(-t / 0.04)
    return fade_tail(0.9 * body + 0.35 * skin)


HITS: dict[str, Hit] = {
    "kick": kick, "snare": snare, "brush": brush, "hat": hat, "open_hat": open_hat,
    "shaker": shaker, "clap": clap, "rim": rim, "tom": tom,
}


def hit_variants(name: str, rng: np.random.Generator, count: int = 4) -> list[np.ndarray]:
    """A few renders of one hit; patterns rotate through them so repeats sound played."""
    return [HITS[name](rng) for _ in range(count)]


# --- ambient beds (whole loops) ------------------------------------------------------------------

def _slow_swell(n: int, rng: np.random.Generator, cycles: tuple[int, ...]) -> np.ndarray:
    """A smooth 0..1 movement made of whole cycles per loop, so it loops too."""
    t = np.arange(n) / n
    wave = sum(np.sin(2 * np.pi * c * t + rng.uniform(0, 6.28)) for c in cycles)
    return 0.5 + 0.5 * wave / len(cycles)


def wind(n: int, rng: np.random.Generator) -> np.ndarray:
    """Wind through trees: two bands of pink noise swelling on slow whole-loop cycles."""
    out = np.zeros((n, 2))
    for channel in range(2):
        low = bandpass(colored_noise(n, rng, -3.0), 200.0, 900.0)
        high = bandpass(colored_noise(n, rng, -3.0), 1200.0, 4000.0)
        out[:, channel] = (low * (0.2 + _slow_swell(n, rng, (3, 5)))
                           + 0.5 * high * _slow_swell(n, rng, (4, 7)) ** 2)
    return out * 0.25


def water(n: int, rng: np.random.Generator) -> np.ndarray:
    """A small stream: bright noise with fast, random babbling of its level."""
    out = np.zeros((n, 2))
    for channel in range(2):
        babble = lowpass(rng.standard_normal(n), 12.0)
        babble = np.clip(babble / (np.std(babble) + 1e-12), -2.5, 2.5)
        out[:, channel] = (bandpass(colored_noise(n, rng, -1.5), 700.0, 6000.0)
                           * (0.6 + 0.25 * babble))
    return out * 0.12


def rain(n: int, rng: np.random.Generator) -> np.ndarray:
    """Soft rain on a window: a dark hiss with scattered drops."""
    out = np.zeros((n, 2))
    for channel in range(2):
        hiss = bandpass(colored_noise(n, rng, -2.0), 400.0, 8000.0) * 0.5
        drops = np.zeros(n)
        drops[rng.integers(0, n, size=n // 900)] = rng.uniform(0.5, 1.5, size=n // 900)
        out[:, channel] = hiss + 3.0 * bandpass(drops, 1500.0, 6000.0)
    return out * 0.1


def vinyl(n: int, rng: np.random.Generator) -> np.ndarray:
    """Record crackle and hiss, for lo-fi."""
    out = np.zeros((n, 2))
    pops = np.zeros(n)
    pops[rng.integers(0, n, size=n // 6000)] = rng.uniform(0.3, 1.0, size=n // 6000)
    crackle = highpass(pops, 1500.0) * 4.0
    for channel in range(2):
        out[:, channel] = crackle + 0.05 * bandpass(rng.standard_normal(n), 2000.0, 9000.0)
    return out * 0.12


def birds(n: int, rng: np.random.Generator, per_minute: float = 10.0) -> np.ndarray:
    """Distant birdsong: short phrases of falling and rising chirps, placed around the field."""
    out = np.zeros((n, 2))
    phrases = max(1, int(per_minute * n / SR / 60.0))
    for _ in range(phrases):
        start = int(rng.integers(0, n))
        base = rng.uniform(2600.0, 4200.0)
        pan = rng.uniform(-0.8, 0.8)
        level = rng.uniform(0.05, 0.12)
        at = start
        for _ in range(int(rng.integers(2, 6))):
            dur = rng.uniform(0.05, 0.14)
            m = int(dur * SR)
            t = seconds(m)
            sweep = base * (1.0 + rng.uniform(-0.25, 0.25) * t / dur)
            trill = 1.0 + 0.04 * np.sin(2 * np.pi * rng.uniform(30.0, 60.0) * t)
            chirp = np.sin(2 * np.pi * np.cumsum(sweep * trill) / SR) * np.sin(np.pi * t / dur) ** 2
            for channel, gain in enumerate((np.cos((pan + 1) * np.pi / 4),
                                            np.sin((pan + 1) * np.pi / 4))):
                index = (at + np.arange(m)) % n
                out[index, channel] += chirp * level * gain
            at += m + int(rng.uniform(0.03, 0.12) * SR)
    return out


BEDS: dict[str, Callable[[int, np.random.Generator], np.ndarray]] = {
    "wind": wind, "water": water, "rain": rain, "vinyl": vinyl, "birds": birds,
}
