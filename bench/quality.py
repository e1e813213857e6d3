"""How far a fast path moves the picture: PSNR and SSIM of decoded frames vs the baseline."""

from __future__ import annotations

import math

import numpy as np


def psnr(reference: np.ndarray, test: np.ndarray) -> float:
    """Peak signal-to-noise ratio in dB of uint8 clips (T×H×W×3); inf when identical."""
    _check(reference, test)
    mse = np.mean((reference.astype(np.float64) - test.astype(np.float64)) ** 2)
    return math.inf if mse == 0 else 10.0 * math.log10(255.0**2 / mse)


def ssim(reference: np.ndarray, test: np.ndarray) -> float:
    """Mean structural similarity of uint8 clips on luma (Gaussian window σ=1.5, as Wang et al.)."""
    import cv2

    _check(reference, test)
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    scores = []
    for ref_frame, test_frame in zip(reference, test):
        x = cv2.cvtColor(ref_frame, cv2.COLOR_RGB2GRAY).astype(np.float64)
        y = cv2.cvtColor(test_frame, cv2.COLOR_RGB2GRAY).astype(np.float64)

        def blur(image):
            return cv2.GaussianBlur(image, (11, 11), 1.5)

        mu_x, mu_y = blur(x), blur(y)
        var_x = blur(x * x) - mu_x**2
        var_y = blur(y * y) - mu_y**2
        cov = blur(x * y) - mu_x * mu_y
        score = ((2 * mu_x * mu_y + c1) * (2 * cov + c2)) / (
            (mu_x**2 + mu_y**2 + c1) * (var_x + var_y + c2))
        scores.append(float(score.mean()))
    return float(np.mean(scores))


def _check(reference: np.ndarray, test: np.ndarray) -> None:
    if reference.shape != test.shape or reference.dtype != np.uint8 or test.dtype != np.uint8:
        raise ValueError(f"clips must be uint8 of one shape; got {reference.dtype} {reference.shape} "
                         f"and {test.dtype} {test.shape}")
