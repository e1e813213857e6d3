"""Signal helpers that fitting a soundtrack needs (and the composer shares): the library's
sample rate, decibels, a look-ahead peak limiter and a loudness meter.

scipy and pyloudnorm are imported inside the functions that use them: the app imports this
module at start-up (the director fits soundtracks) and scipy.signal alone costs seconds there.
"""

from __future__ import annotations

import numpy as np

SR = 44100  # samples per second of every library track


def db(value: float) -> float:
    """Decibels to a linear gain."""
    return float(10.0 ** (value / 20.0))


def limit(audio: np.ndarray, ceiling: float, window_s: float = 0.008,
          circular: bool = True) -> np.ndarray:
    """A look-ahead peak limiter: a smooth gain so no sample exceeds `ceiling` (linear).
    `circular` treats the audio as a loop (a library track); else as a one-off cut."""
    from scipy import ndimage

    mode = "wrap" if circular else "nearest"
    window = max(3, int(window_s * SR)) | 1
    peak = ndimage.maximum_filter1d(np.abs(audio).max(axis=1), window, mode=mode)
    needed = np.minimum(1.0, ceiling / np.maximum(peak, 1e-12))
    # The min-filter widens each dip so the moving average never rises above what is needed.
    gain = ndimage.uniform_filter1d(ndimage.minimum_filter1d(needed, window, mode=mode),
                                    window, mode=mode)
    return audio * np.minimum(gain, needed)[:, None]


def loudness(audio: np.ndarray, rate: int = SR) -> float:
    """Integrated loudness (LUFS, ITU-R BS.1770) of float audio (n,) or (n, channels)."""
    import pyloudnorm

    return float(pyloudnorm.Meter(rate).integrated_loudness(audio))
