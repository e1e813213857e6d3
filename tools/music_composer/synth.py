"""The composer's instruments: each renders one note (or one drum hit) as a numpy array.

A note is `render(freq, dur, vel, rng)` → mono float array that includes its release, so
it may be longer than `dur`. Randomness (phases, noise, drift) comes only from `rng`,
which keeps every track reproducible. The models are small and classic: additive partials
for piano and mallets, modal plucks for guitar-like and guzheng-like strings, FM for the
electric piano and bells, band-limited saw ensembles for pads and strings.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from tools.music_composer.dsp import SR, fade_tail, seconds

Instrument = Callable[[float, float, float, np.random.Generator], np.ndarray]


def _attack(n: int, attack_s: float) -> np.ndarray:
    """A ramp from 0 to 1 over attack_s, then 1."""
    return np.clip(np.arange(n) / max(1.0, attack_s * SR), 0.0, 1.0)


def _release(t: np.ndarray, dur: float, release_s: float) -> np.ndarray:
    """1 until the note ends, then an exponential fall (about −60 dB over release_s)."""
    return np.where(t < dur, 1.0, np.exp(-6.9 * np.maximum(t - dur, 0.0) / release_s))


def _saw(freq: np.ndarray | float, n: int, phase0: float) -> np.ndarray:
    """A band-limited (PolyBLEP) sawtooth in [-1, 1]; freq may vary per sample."""
    step = np.broadcast_to(np.asarray(freq, dtype=float) / SR, (n,))
    phase = (phase0 + np.cumsum(step)) % 1.0
    out = 2.0 * phase - 1.0
    low = phase < step
    x = phase[low] / step[low]
    out[low] -= x + x - x * x - 1.0
    high = phase > 1.0 - step
    x = (phase[high] - 1.0) / step[high]
    out[high] -= x * x + x + x + 1.0
    return out


def _onepole(signal: np.ndarray, cutoff: float) -> np.ndarray:
    """A gentle one-pole low-pass for a single note (short, so a Python-free lfilter)."""
    from scipy.signal import lfilter

    a = np.exp(-2.0 * np.pi * cutoff / SR)
    return lfilter([1.0 - a], [1.0, -a], signal)


# --- keyboards and mallets -------------------------------------------------------------------

def piano(freq: float, dur: float, vel: float, rng: np.random.Generator) -> np.ndarray:
    """A soft acoustic-piano tone: stretched partials, two-stage decay, damper release."""
    n = int((dur + 0.35) * SR)
    t = seconds(n)
    sustain = float(np.clip(3.2 * (262.0 / freq) ** 0.7, 0.7, 7.0))
    out = np.zeros(n)
    for k in range(1, 13):
        fk = k * freq * np.sqrt(1.0 + 0.0004 * k * k)
        if fk > 12000:
            break
        amp = (0.45 + 0.55 * vel) ** (k - 1) / k ** 1.15
        decay = sustain / (1.0 + 0.45 * (k - 1))
        env = 0.6 * np.exp(-t / (0.22 * decay)) + 0.4 * np.exp(-t / decay)
        detune = 1.0 + rng.uniform(-0.0006, 0.0006) if k <= 3 else 1.0  # string pairs beat
        out += amp * env * np.sin(2 * np.pi * fk * detune * t + rng.uniform(0, 2 * np.pi))
    hammer = _onepole(rng.standard_normal(n) * np.exp(-t / 0.003), 3000.0)
    out = (out + 0.5 * vel * hammer) * _attack(n, 0.002) * _release(t, dur, 0.3)
    return fade_tail(out * vel * 0.5)


def epiano(freq: float, dur: float, vel: float, rng: np.random.Generator) -> np.ndarray:
    """An electric piano (FM tine): warm body, a bell-like bark that fades quickly."""
    n = int((dur + 0.4) * SR)
    t = seconds(n)
    index = (0.6 + 1.4 * vel) * np.exp(-t / 0.35) + 0.15
    body = np.sin(2 * np.pi * freq * t + index * np.sin(2 * np.pi * freq * t))
    tine = 0.12 * vel * np.exp(-t / 0.06) * np.sin(2 * np.pi * freq * 7.02 * t)
    env = np.exp(-t / float(np.clip(2.6 * (262.0 / freq) ** 0.5, 0.8, 4.0)))
    out = (body + tine) * env * _attack(n, 0.003) * _release(t, dur, 0.35)
    return fade_tail(out * vel * 0.45)


def bell(freq: float, dur: float, vel: float, rng: np.random.Generator) -> np.ndarray:
    """A celesta/glockenspiel bell (inharmonic FM), ringing past the note."""
    n = int((dur + 1.6) * SR)
    t = seconds(n)
    index = 1.8 * vel * np.exp(-t / 0.25)
    out = np.sin(2 * np.pi * freq * t + index * np.sin(2 * np.pi * freq * 3.5 * t))
    out += 0.25 * np.exp(-t / 0.4) * np.sin(2 * np.pi * freq * 2.0 * t)
    out *= np.exp(-t / 1.1) * _attack(n, 0.002)
    return fade_tail(out * vel * 0.3)


def marimba(freq: float, dur: float, vel: float, rng: np.random.Generator) -> np.ndarray:
    """A wooden bar: the tuned partials 1, 3.93 and 9.2, short and round."""
    n = int((min(dur, 1.2) + 0.3) * SR)
    t = seconds(n)
    scale = (440.0 / freq) ** 0.3
    out = np.zeros(n)
    for ratio, amp, decay in ((1.0, 1.0, 0.5), (3.93, 0.28 * vel, 0.12), (9.2, 0.07 * vel, 0.04)):
        if ratio * freq < 15000:
            out += amp * np.exp(-t / (decay * scale)) * np.sin(2 * np.pi * freq * ratio * t)
    return fade_tail(out * _attack(n, 0.001) * vel * 0.5)


# --- plucked strings ---------------------------------------------------------------------------

def _modal_pluck(freq: float, dur: float, vel: float, rng: np.random.Generator, *,
                 position: float, sustain: float, damp: float, stretch: float,
                 cents: np.ndarray | None = None, release: float = 0.25) -> np.ndarray:
    """A plucked string as decaying modes: the pluck point shapes the spectrum, high modes
    die sooner (as in Karplus–Strong), and `cents` may bend the pitch over time."""
    n = int((dur + release) * SR)
    t = seconds(n)
    bend = np.ones(n) if cents is None else 2.0 ** (cents[:n] / 1200.0)
    base_phase = 2 * np.pi * np.cumsum(freq * bend) / SR
    out = np.zeros(n)
    for k in range(1, 25):
        fk = k * freq * np.sqrt(1.0 + stretch * k * k)
        if fk > 14000:
            break
        amp = abs(np.sin(np.pi * k * position)) / k ** 1.1
        decay = sustain / (1.0 + damp * (k - 1) ** 1.4)
        out += amp * np.exp(-t / decay) * np.sin(base_phase * fk / freq + rng.uniform(0, 6.28))
    out = out * _attack(n, 0.0015) * _release(t, dur, release)
    return fade_tail(out * vel * 0.55)


def guitar(freq: float, dur: float, vel: float, rng: np.random.Generator) -> np.ndarray:
    """A nylon-string pluck: warm, plucked a fifth of the way along."""
    return _modal_pluck(freq, dur, vel, rng, position=0.2 + rng.uniform(-0.02, 0.02),
                        sustain=float(np.clip(2.2 * (196.0 / freq) ** 0.5, 0.6, 4.0)),
                        damp=0.35 - 0.15 * vel, stretch=0.00005)


def pizzicato(freq: float, dur: float, vel: float, rng: np.random.Generator) -> np.ndarray:
    """Plucked orchestral strings: round and short."""
    return _modal_pluck(freq, min(dur, 0.5), vel, rng, position=0.3, sustain=0.35, damp=0.6,
                        stretch=0.0, release=0.1)


def guzheng(freq: float, dur: float, vel: float, rng: np.random.Generator) -> np.ndarray:
    """A guzheng-like pluck: bright nail attack near the bridge, long ring, and the left
    hand's slow vibrato (揉弦) pressing the string after the attack."""
    n = int((dur + 0.6) * SR)
    t = seconds(n)
    depth = np.clip((t - 0.25) / 0.4, 0.0, 1.0) * 22.0  # cents, grows after the pluck
    cents = depth * np.sin(2 * np.pi * 5.2 * t + rng.uniform(0, 6.28))
    return _modal_pluck(freq, dur, vel, rng, position=0.1, cents=cents, release=0.6,
                        sustain=float(np.clip(3.0 * (262.0 / freq) ** 0.6, 0.8, 5.0)),
                        damp=0.22, stretch=0.00012)


# --- sustained voices ----------------------------------------------------------------------------

def _ensemble(freq: float, dur: float, vel: float, rng: np.random.Generator, *, voices: int,
              spread_cents: float, attack: float, release: float, cutoff: float,
              vibrato_cents: float = 0.0) -> np.ndarray:
    """Detuned saws spread across the stereo field, low-passed: (n, 2)."""
    n = int((dur + release) * SR)
    t = seconds(n)
    out = np.zeros((n, 2))
    onset = np.clip((t - 0.3) / 0.6, 0.0, 1.0)
    for v in range(voices):
        offset = spread_cents * (v / max(1, voices - 1) * 2.0 - 1.0) if voices > 1 else 0.0
        wobble = vibrato_cents * onset * np.sin(2 * np.pi * rng.uniform(4.6, 5.6) * t
                                                + rng.uniform(0, 6.28))
        drift = 3.0 * np.sin(2 * np.pi * rng.uniform(0.1, 0.3) * t + rng.uniform(0, 6.28))
        voice = _saw(freq * 2.0 ** ((offset + wobble + drift) / 1200.0), n, rng.uniform())
        pan = (v / max(1, voices - 1) * 2.0 - 1.0) * 0.8 if voices > 1 else 0.0
        out[:, 0] += voice * np.cos((pan + 1) * np.pi / 4)
        out[:, 1] += voice * np.sin((pan + 1) * np.pi / 4)
    out = _onepole(_onepole(out.T, cutoff), cutoff * 1.5).T
    env = _attack(n, attack) * _release(t, dur, release)
    return fade_tail(out * env[:, None] * vel * 0.35 / np.sqrt(voices))


def pad(freq: float, dur: float, vel: float, rng: np.random.Generator) -> np.ndarray:
    """A warm synth pad: slow swell, wide and soft."""
    return _ensemble(freq, dur, vel, rng, voices=3, spread_cents=9.0, attack=0.9,
                     release=1.6, cutoff=1400.0)


def strings(freq: float, dur: float, vel: float, rng: np.random.Generator) -> np.ndarray:
    """A string section: bowed swell with a delayed vibrato."""
    return _ensemble(freq, dur, vel, rng, voices=4, spread_cents=7.0, attack=0.35,
                     release=0.8, cutoff=2600.0 + 1200.0 * vel, vibrato_cents=10.0)


def flute(freq: float, dur: float, vel: float, rng: np.random.Generator) -> np.ndarray:
    """A dizi-like bamboo flute: breathy, a scoop up into the note, vibrato as it holds,
    and the buzzing membrane's brighter upper partials."""
    n = int((dur + 0.15) * SR)
    t = seconds(n)
    scoop = -45.0 * np.exp(-t / 0.05)
    vibrato = 18.0 * np.clip((t - 0.3) / 0.4, 0.0, 1.0) * np.sin(2 * np.pi * 5.4 * t)
    phase = 2 * np.pi * np.cumsum(freq * 2.0 ** ((scoop + vibrato) / 1200.0)) / SR
    tone = sum(a * np.sin(k * phase) for k, a in ((1, 1.0), (2, 0.3), (3, 0.16), (4, 0.07),
                                                  (5, 0.05)))
    breath = _onepole(rng.standard_normal(n), 5000.0) - _onepole(rng.standard_normal(n), 1200.0)
    swell = 0.85 + 0.15 * np.clip(t / max(dur, 0.1), 0.0, 1.0)
    out = (tone + 0.18 * breath * (0.5 + np.exp(-t / 0.08))) * swell
    out *= _attack(n, 0.05) * _release(t, dur, 0.08)
    return fade_tail(out * vel * 0.3)


# --- bass ------------------------------------------------------------------------------------------

def bass(freq: float, dur: float, vel: float, rng: np.random.Generator) -> np.ndarray:
    """A round electric bass: a thumb pluck that settles into a warm sustain."""
    n = int((dur + 0.08) * SR)
    t = seconds(n)
    phase = 2 * np.pi * freq * t
    tone = np.sin(phase) + 0.3 * np.exp(-t / 0.25) * np.sin(2 * phase) + 0.1 * np.sin(3 * phase)
    env = (0.7 + 0.3 * np.exp(-t / 0.15)) * np.exp(-t / 3.0)
    out = tone * env * _attack(n, 0.004) * _release(t, dur, 0.06)
    return fade_tail(out * vel * 0.6)


def synth_bass(freq: float, dur: float, vel: float, rng: np.random.Generator) -> np.ndarray:
    """A filtered saw bass with a sub sine, for pulses and ostinatos."""
    n = int((dur + 0.05) * SR)
    t = seconds(n)
    body = _onepole(_onepole(_saw(freq, n, 0.0), 500.0 + 900.0 * vel), 900.0)
    out = (0.8 * body + 0.7 * np.sin(2 * np.pi * freq * t)) * np.exp(-t / 1.5)
    out *= _attack(n, 0.003) * _release(t, dur, 0.04)
    return fade_tail(out * vel * 0.55)


INSTRUMENTS: dict[str, Instrument] = {
    "piano": piano, "epiano": epiano, "bell": bell, "marimba": marimba, "guitar": guitar,
    "pizzicato": pizzicato, "guzheng": guzheng, "pad": pad, "strings": strings,
    "flute": flute, "bass": bass, "synth_bass": synth_bass,
}
