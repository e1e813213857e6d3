"""A shot's look words follow the style picked after it was written.

An idea that names a look ("an oil painting of a cheetah") puts that look's adjective into
the camera clause ("A painterly oil-painting close-up…", agent/data/camera.toml [[look]]).
When the user then picks another style, those words would fight it (issue #19: Chinese Ink
Wash chosen, the camera still "painterly oil-painting"): they are replaced by the new
style's own look adjective, or dropped when no look belongs to that style.
"""

from __future__ import annotations

import re

from agent.vocabulary import Vocabulary


def relook(camera: str, style: str | None, vocabulary: Vocabulary) -> str:
    """`camera` with another style's look adjective swapped for `style`'s (or removed)."""
    looks = [look for look in vocabulary.entries.get("look", ()) if look.adjective]
    new = next((look.adjective for look in looks if look.preset == style), "")
    for look in sorted(looks, key=lambda look: -len(look.adjective)):
        if look.preset == style or look.adjective not in camera:
            continue
        pattern = re.compile(r"(?P<article>\b[Aa]n?\s+)?" + re.escape(look.adjective) + r"\s+")

        def swap(match: re.Match) -> str:
            rest = camera[match.end():]
            following = new or rest
            article = match["article"] or ""
            if article:
                article = _article(following, capital=article[0] == "A")
            return article + (new + " " if new else "")

        return pattern.sub(swap, camera, count=1)
    return camera


def _article(following: str, capital: bool) -> str:
    """ "a " or "an " for the word that follows."""
    word = "an " if following[:1].lower() in "aeiou" else "a "
    return word.capitalize() if capital else word
