"""A photo split into depth layers, and each frame rendered from them along a camera path.

Two layers give the depth: the subject (a soft cut-out from the saliency split) in front,
and the background plate behind it, whose rows also recede from near (bottom, the ground)
to far (top, the sky). Where the subject moves off its place, the plate shows what was
behind it: that hole is filled in advance by inpainting, so nothing black or doubled shows.

While the layers still line up (a clip's first frame, a locked-off shot) the plate is the
photo itself, so the picture is exactly the user's photo; the filled plate fades in only as
far as the subject actually moves away from its place.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from video.camera_moves import CameraPath
from video.saliency import salient_point, saliency_map, subject_mask

GROUND_DEPTH = 0.3  # depth of the plate's bottom row (its top row is 0, the far distance)
SUBJECT_DEPTH = 1.0
FILL_SIDE = 240  # the hole under the subject is inpainted on a copy this wide


@dataclass
class Layers:
    """The photo as layers: the photo, a plate with the subject's hole filled, the subject."""

    photo: np.ndarray  # uint8 H×W×3, as given
    filled: np.ndarray  # uint8 H×W×3: the photo with the subject (and a margin) inpainted
    subject: np.ndarray | None  # float32 H×W×4: premultiplied RGB and alpha; None: no subject
    focus: tuple[float, float]  # pixel the camera pushes toward (the subject, eased to centre)
    margin: float = 0.0  # pixels the subject layer reaches past the cut-out's edge
    box: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)  # the subject's extent

    @property
    def size(self) -> tuple[int, int]:
        return self.photo.shape[1], self.photo.shape[0]


def split_layers(rgb: np.ndarray) -> Layers:
    """Find the subject, cut it out, and fill the plate behind it."""
    height, width = rgb.shape[:2]
    alpha = subject_mask(rgb)
    fx, fy = salient_point(saliency_map(rgb))
    if alpha.any():
        fx, fy = _centroid(alpha)
    # Halfway to the centre: a push toward a subject at the very edge would look lost.
    focus = ((0.25 + 0.5 * fx) * width, (0.25 + 0.5 * fy) * height)
    if not alpha.any():
        return Layers(photo=rgb, filled=rgb, subject=None, focus=focus)
    # The cut-out's edge is approximate (an eave tip, a tail may be missed), so the layer
    # reaches a little past it and fades out: what lies just around the subject moves with
    # it instead of leaving a ghost edge behind on the plate.
    margin = max(3, width // 60)
    grown = cv2.dilate((alpha > 0.5).astype(np.uint8),
                       cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * margin + 1,) * 2))
    alpha = np.maximum(alpha, cv2.GaussianBlur(grown.astype(np.float32), (0, 0), margin / 2))
    ys, xs = np.nonzero(alpha > 0.02)
    subject = np.concatenate([rgb.astype(np.float32) * alpha[..., None], alpha[..., None]], axis=2)
    return Layers(photo=rgb, filled=_fill_behind(rgb, alpha, margin), subject=subject,
                  focus=focus, margin=float(margin),
                  box=(float(xs.min()), float(ys.min()), float(xs.max()), float(ys.max())))


def _centroid(alpha: np.ndarray) -> tuple[float, float]:
    height, width = alpha.shape
    total = float(alpha.sum())
    ys, xs = np.mgrid[0:height, 0:width]
    return float((alpha * xs).sum() / total / width), float((alpha * ys).sum() / total / height)


def _fill_behind(rgb: np.ndarray, alpha: np.ndarray, margin: int) -> np.ndarray:
    """The photo with everything the subject layer covers replaced by inpainting."""
    height, width = rgb.shape[:2]
    hole = cv2.dilate((alpha > 0.02).astype(np.uint8), np.ones((3, 3), np.uint8))
    scale = FILL_SIDE / max(width, height)
    small_size = (max(8, round(width * scale)), max(8, round(height * scale)))
    small = cv2.resize(rgb, small_size, interpolation=cv2.INTER_AREA)
    small_hole = cv2.resize(hole, small_size, interpolation=cv2.INTER_NEAREST)
    filled = cv2.inpaint(small, small_hole, 5, cv2.INPAINT_TELEA)
    filled = cv2.resize(filled, (width, height), interpolation=cv2.INTER_CUBIC)
    # Fully replaced inside the hole, fading out just beyond it.
    blend = cv2.GaussianBlur(hole.astype(np.float32), (0, 0), margin / 3)
    blend = np.clip(blend * 2, 0, 1)[..., None]
    return np.clip(rgb * (1.0 - blend) + filled * blend, 0, 255).astype(np.uint8)


class LayerRenderer:
    """Renders frame `i` of a clip from the layers and the camera path."""

    def __init__(self, layers: Layers, path: CameraPath):
        self.layers, self.path = layers, path
        width, height = layers.size
        self.corners = np.array([[0, 0], [width, 0], [0, height], [width, height]], np.float32)
        self.subject = None
        if layers.subject is not None:  # premultiplied RGBA, uint8: warps and blends fastest
            self.subject = np.clip(layers.subject + 0.5, 0, 255).astype(np.uint8)
            self.subject[..., 3] = np.clip(layers.subject[..., 3] * 255 + 0.5, 0, 255)

    def render(self, index: int) -> np.ndarray:
        """Frame `index`, uint8 RGB."""
        if self.path.at_rest(index):
            return self.layers.photo.copy()  # nothing has moved yet: the photo, exactly
        frame = self._background(index, self._plate(index))
        if self.subject is not None:
            self._lay_subject(frame, index)
        return frame

    def _lay_subject(self, frame: np.ndarray, index: int) -> None:
        """Warp the subject (bicubic: it is what the eye is on) and lay it over the frame.

        Only the window the subject lands in is warped and blended; the rest of the layer
        is transparent.
        """
        pose, focus = self.path.pose(index, SUBJECT_DEPTH), self.layers.focus
        left, top, right, bottom = self.layers.box
        landed = np.array([pose.apply(x, y, focus) for x, y in
                           ((left, top), (right, top), (left, bottom), (right, bottom))])
        width, height = self.layers.size
        x0, y0 = np.maximum(np.floor(landed.min(axis=0)).astype(int) - 3, 0)
        x1, y1 = np.minimum(np.ceil(landed.max(axis=0)).astype(int) + 4, (width, height))
        if x1 <= x0 or y1 <= y0:
            return  # the subject has left the frame
        matrix = pose.matrix(focus)
        matrix[:, 2] -= (x0, y0)  # into the window's coordinates
        moved = cv2.warpAffine(self.subject, matrix, (int(x1 - x0), int(y1 - y0)),
                               flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_CONSTANT,
                               borderValue=0)
        # Premultiplied "over": subject + background × (1 − alpha).
        window = frame[y0:y1, x0:x1]
        behind = cv2.merge([255 - moved[..., 3]] * 3)
        window[:] = cv2.add(cv2.multiply(window, behind, scale=1 / 255), moved[..., :3])

    def _plate(self, index: int) -> np.ndarray:
        """The photo while the subject sits on its place; the filled plate once it moves off."""
        if self.subject is None:
            return self.layers.photo
        behind = GROUND_DEPTH * self.layers.focus[1] / self.layers.size[1]
        apart = self.path.separation(index, self.layers.box, behind)
        mix = min(1.0, apart / max(1.0, self.layers.margin))
        if mix <= 0.0:
            return self.layers.photo
        if mix >= 1.0:
            return self.layers.filled
        return cv2.addWeighted(self.layers.photo, 1.0 - mix, self.layers.filled, mix, 0.0)

    def _background(self, index: int, plate: np.ndarray) -> np.ndarray:
        """The plate, its top row moved as the far distance and its bottom row as the ground.

        A ground plane seen by a moving camera is a perspective warp: the frame corners are
        traced back through the poses of their rows' depths, and the homography between
        them resamples the plate in one pass. Backward mapping leaves no holes, and the
        path's overscan keeps every traced corner inside the photo.
        """
        width, height = self.layers.size
        top, bottom = self.path.pose(index, 0.0), self.path.pose(index, GROUND_DEPTH)
        focus = self.layers.focus
        sources = np.array([top.trace(0, 0, focus), top.trace(width, 0, focus),
                            bottom.trace(0, height, focus), bottom.trace(width, height, focus)],
                           np.float32)
        homography = cv2.getPerspectiveTransform(self.corners, sources)
        return cv2.warpPerspective(plate, homography, (width, height),
                                   flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                                   borderMode=cv2.BORDER_REFLECT101)
