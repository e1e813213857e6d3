"""Where the subject of a photo is: a saliency map and a soft subject mask.

OpenCV's saliency module lives in opencv-contrib, which is not installed; these are the
same classic methods written with numpy and OpenCV's core:

- spectral residual (Hou & Zhang, 2007): what the log spectrum does not predict stands out;
  good at small, detailed subjects;
- frequency-tuned contrast (Achanta et al., 2009): how far each pixel's colour is from the
  photo's mean colour; good at large, uniformly coloured subjects;
- a mild centre prior, because photographers frame subjects near the middle.

`subject_mask` refines the saliency into a foreground cut-out with GrabCut, for the
motion engine's parallax layers. Everything works on a small copy, so it costs a few
tens of milliseconds whatever the photo's size.
"""

from __future__ import annotations

import cv2
import numpy as np

ANALYSIS_SIDE = 96  # longer side of the copy the saliency map is computed on
MASK_SIDE = 200  # longer side of the copy GrabCut runs on
MIN_SUBJECT, MAX_SUBJECT = 0.03, 0.65  # a subject covers this share of the frame
MIN_CONTRAST = 2.0  # a subject's mean saliency is at least this many times its surroundings'


def _small(rgb: np.ndarray, side: int) -> np.ndarray:
    """A copy whose longer side is `side` (area-averaged, so fine texture does not alias)."""
    height, width = rgb.shape[:2]
    scale = side / max(height, width)
    size = (max(8, round(width * scale)), max(8, round(height * scale)))
    return cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)


def _normalised(values: np.ndarray) -> np.ndarray:
    low, high = float(values.min()), float(values.max())
    if high - low < 1e-9:
        return np.zeros_like(values, dtype=np.float32)
    return ((values - low) / (high - low)).astype(np.float32)


def spectral_residual(grey: np.ndarray) -> np.ndarray:
    """Spectral-residual saliency of a small float32 grey image, in [0, 1]."""
    spectrum = np.fft.fft2(grey)
    log_amplitude = np.log(np.abs(spectrum) + 1e-8).astype(np.float32)
    residual = log_amplitude - cv2.blur(log_amplitude, (3, 3))
    saliency = np.abs(np.fft.ifft2(np.exp(residual + 1j * np.angle(spectrum)))) ** 2
    sigma = max(grey.shape) / 40
    return _normalised(cv2.GaussianBlur(saliency.astype(np.float32), (0, 0), sigma))


def colour_contrast(rgb: np.ndarray) -> np.ndarray:
    """Frequency-tuned saliency: distance of each (blurred) colour from the mean, in [0, 1]."""
    lab = cv2.cvtColor(rgb, cv2.COLOR_RGB2LAB).astype(np.float32)
    blurred = cv2.GaussianBlur(lab, (0, 0), max(rgb.shape[:2]) / 60)
    distance = np.linalg.norm(blurred - lab.reshape(-1, 3).mean(axis=0), axis=2)
    return _normalised(distance)


def sharpness(grey: np.ndarray) -> np.ndarray:
    """Local detail (Laplacian energy), blurred, in [0, 1]: subjects are usually in focus."""
    energy = np.abs(cv2.Laplacian(grey, cv2.CV_32F, ksize=3))
    return _normalised(cv2.GaussianBlur(energy, (0, 0), max(grey.shape) / 30))


def centre_prior(height: int, width: int, spread: float = 0.4) -> np.ndarray:
    """A broad Gaussian bump at the centre, 1 there and about 0.3 at the edges' middles."""
    y = (np.arange(height, dtype=np.float32) - (height - 1) / 2) / (spread * height)
    x = (np.arange(width, dtype=np.float32) - (width - 1) / 2) / (spread * width)
    return np.exp(-0.5 * (y[:, None] ** 2 + x[None, :] ** 2)).astype(np.float32)


def saliency_map(rgb: np.ndarray, side: int = ANALYSIS_SIDE) -> np.ndarray:
    """How much each part of an RGB uint8 photo draws the eye, on a copy `side` px long, in [0, 1]."""
    small = _small(rgb, side)
    grey = cv2.cvtColor(small, cv2.COLOR_RGB2GRAY).astype(np.float32) / 255.0
    # Focus needs more pixels than the other cues to tell sharp from soft.
    detailed = cv2.cvtColor(_small(rgb, 3 * side), cv2.COLOR_RGB2GRAY).astype(np.float32) / 255.0
    focus = cv2.resize(sharpness(detailed), (small.shape[1], small.shape[0]),
                       interpolation=cv2.INTER_AREA)
    combined = (0.35 * spectral_residual(grey) + 0.35 * colour_contrast(small) + 0.3 * focus)
    height, width = combined.shape
    return _normalised(combined * (0.5 + 0.5 * centre_prior(height, width)))


def subject_mask(rgb: np.ndarray) -> np.ndarray:
    """A soft foreground mask (float32 H×W in [0, 1]) of the photo's main subject.

    All zeros when no subject stands out (a landscape, a texture) or when the cut-out
    would cover too little or too much of the frame to be a believable layer.
    """
    height, width = rgb.shape[:2]
    small = _small(rgb, MASK_SIDE)
    saliency = cv2.resize(saliency_map(rgb), (small.shape[1], small.shape[0]),
                          interpolation=cv2.INTER_LINEAR)
    if float(saliency.max()) <= 0:
        return np.zeros((height, width), np.float32)

    # Seed GrabCut from the saliency: the top share probably foreground, the rest probably
    # background, and a calm frame border certainly background.
    high = np.quantile(saliency, 0.8)
    labels = np.where(saliency >= high, cv2.GC_PR_FGD, cv2.GC_PR_BGD).astype(np.uint8)
    border = max(2, small.shape[0] // 40)
    calm = saliency < np.quantile(saliency, 0.5)
    edge = np.zeros_like(calm)
    edge[:border], edge[:, :border], edge[:, -border:] = True, True, True
    labels[edge & calm] = cv2.GC_BGD
    # GrabCut's k-means draws from OpenCV's per-thread RNG: reseed it so a photo always
    # gives the same mask (the render must be deterministic).
    cv2.setRNGSeed(0)
    try:
        cv2.grabCut(cv2.cvtColor(small, cv2.COLOR_RGB2BGR), labels, None,
                    np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64), 3,
                    cv2.GC_INIT_WITH_MASK)
    except cv2.error:  # one class empty (a flat photo): no subject to cut out
        return np.zeros((height, width), np.float32)
    foreground = ((labels == cv2.GC_FGD) | (labels == cv2.GC_PR_FGD)).astype(np.uint8)
    foreground = _main_regions(foreground)

    share = float(foreground.mean())
    if not MIN_SUBJECT <= share <= MAX_SUBJECT:
        return np.zeros((height, width), np.float32)
    # A cut-out that stands out only weakly from its surroundings is a guess, not a subject.
    inside = float(saliency[foreground > 0].mean())
    outside = float(saliency[foreground == 0].mean())
    if inside < MIN_CONTRAST * max(outside, 1e-3):
        return np.zeros((height, width), np.float32)
    # Shrink a little before feathering so the soft edge carries subject, not background.
    foreground = cv2.erode(foreground, np.ones((3, 3), np.uint8))
    mask = cv2.resize(foreground.astype(np.float32), (width, height),
                      interpolation=cv2.INTER_LINEAR)
    return np.clip(cv2.GaussianBlur(mask, (0, 0), max(1.0, width / 400)), 0.0, 1.0)


def _main_regions(mask: np.ndarray) -> np.ndarray:
    """The one dominant connected region, holes filled; all zeros when there is no single one.

    Two regions of like size (a cat's two eyes, say) are no subject: moving them as a
    layer would make them swim across the face, so the photo gets no subject layer.
    """
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    if count <= 1:
        return mask
    areas = stats[1:, cv2.CC_STAT_AREA]
    order = np.argsort(areas)[::-1]
    if len(order) > 1 and areas[order[1]] > 0.35 * areas[order[0]]:
        return np.zeros_like(mask)
    kept = (labels == 1 + order[0]).astype(np.uint8)
    # Fill holes: whatever the background flood from the border cannot reach is inside.
    flood = np.pad(kept, 1)
    cv2.floodFill(flood, np.zeros((flood.shape[0] + 2, flood.shape[1] + 2), np.uint8), (0, 0), 2)
    return (flood[1:-1, 1:-1] != 2).astype(np.uint8)


def salient_point(saliency: np.ndarray) -> tuple[float, float]:
    """The saliency-weighted centre, as fractions (x, y) of the width and height."""
    height, width = saliency.shape
    weights = saliency ** 2
    total = float(weights.sum())
    if total <= 0:
        return 0.5, 0.5
    y, x = np.mgrid[0:height, 0:width]
    return (float((weights * (x + 0.5)).sum() / total / width),
            float((weights * (y + 0.5)).sum() / total / height))
