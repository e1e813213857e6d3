"""Learned post-production for GPU hosts: a Real-ESRGAN-class 2× upscaler and a RIFE v4.25
frame interpolator, used instead of Lanczos and DIS flow when a CUDA GPU and their weights
are here (`learned_post`). Weights are listed in weights.toml and never downloaded here.

Imports are light: torch loads only when the networks do.
"""

from video.learned.choose import OPTIONS, LearnedPost, learned_post, load_learned_post

__all__ = ["OPTIONS", "LearnedPost", "learned_post", "load_learned_post"]
