"""PSNR and SSIM, the benchmark's measure of how far a fast path moves the picture."""

import math

import numpy as np
import pytest

from bench.quality import psnr, ssim


def clip(seed=0, shape=(3, 48, 64, 3)):
    return np.random.default_rng(seed).integers(0, 256, shape, dtype=np.uint8)


def test_identical_clips_are_infinitely_close_and_perfectly_similar():
    a = clip()
    assert psnr(a, a) == math.inf and ssim(a, a) == pytest.approx(1.0)


def test_psnr_matches_its_definition():
    a = np.full((2, 8, 8, 3), 100, np.uint8)
    b = a + np.uint8(10)  # every value off by 10: MSE 100
    assert psnr(a, b) == pytest.approx(10 * math.log10(255**2 / 100))


def test_more_noise_means_lower_scores():
    rng = np.random.default_rng(1)
    base = np.repeat(np.linspace(0, 255, 64, dtype=np.float64)[None, None, :, None], 48, axis=1)
    base = np.repeat(np.repeat(base, 3, axis=0), 3, axis=3).astype(np.uint8)
    light = np.clip(base + rng.normal(0, 3, base.shape), 0, 255).astype(np.uint8)
    heavy = np.clip(base + rng.normal(0, 30, base.shape), 0, 255).astype(np.uint8)
    assert psnr(base, light) > psnr(base, heavy)
    assert 1.0 > ssim(base, light) > ssim(base, heavy) > 0.0


def test_clips_of_different_shapes_are_refused():
    with pytest.raises(ValueError, match="one shape"):
        psnr(clip(), clip(shape=(2, 48, 64, 3)))
    with pytest.raises(ValueError, match="uint8"):
        ssim(clip().astype(np.float32), clip().astype(np.float32))
