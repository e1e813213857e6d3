"""What is said around an idea rather than in it: chatter to the app ("can u make my dog
surfing lol"), how it should feel ("something warm"), and what the user excludes ("no
children", "without cars"): a video model reads "no children" as children, so excluded
things leave the prompt and are kept as a list (the formula never adds them)."""

from __future__ import annotations

import re

# How people chat to an app, around the idea itself: "can u make my dog surfing lol".
_CHATTER_LEAD = re.compile(
    r"^\s*(?:(?:so|ok|okay|hey|hi|hello|um+|well)\b[\s,]*)*(?:basically\s+)?(?:"
    r"(?:can|could|would|will)\s+(?:you|u|ya)\s+(?:please\s+|pls\s+|plz\s+)?|"
    r"i\s*(?:'d|would)\s+like\s+(?:you\s+to\s+)?|i\s+want\s+(?:you\s+to\s+)?|"
    r"i\s+need\s+|let'?s\s+(?:see|have)\s+|there'?s\s+this\s+)+", re.IGNORECASE)
# "For our company's annual party opening: a fast shot …", "a short scene for my travel
# vlog: …", "honestly just want something relaxing: …": what the video is for, before it.
_FOR_OCCASION = re.compile(
    r"^\s*(?:[^:：.]{0,40}\b(?:for|as|want|need|like|video|vlog|clip|reel|post|instagram|"
    r"tiktok|channel|story|ad|advert|commercial|intro|opening)\b[^:：.]{0,60}|(?:for|as)\s+"
    r"[^:：.]{3,80})[:：]\s*(?=\S+\s+\S+\s+\S+)", re.IGNORECASE)
# "something warm and nostalgic", "something relaxing": how, not what.
_SOMETHING = re.compile(r"(?:,\s*)?\bsomething\s+((?:\w+\s+and\s+)?\w+)\b", re.IGNORECASE)
_FEEL = re.compile(r"\b(?:it\s+)?(?:should|must|has\s+to|needs\s+to)\s+(?:feel|look)\s+(?:like\s+)?|"
                   r"\bmake\s+it\s+(?:look\s+|feel\s+)?(?:like\s+)?", re.IGNORECASE)
_CHATTER_WORDS = re.compile(r"\s*\b(?:lol|lmao|haha+|pls|plz|please|thx|thanks|thank\s+you|"
                            r"kthx|ty|xd|omg)\b[!.]*|\s*[:;]-?[)(DP]", re.IGNORECASE)
_MINE = re.compile(r"\b(?:my|our|your)\s+(?=(\w+))", re.IGNORECASE)
_STILL = re.compile(r"\b(?:that\s+|who\s+)?(?:doesn'?t|does\s+not|don'?t|do\s+not|never)\s+"
                    r"moves?(?:\s+at\s+all)?", re.IGNORECASE)


def without_chatter(text: str) -> str:
    """The idea without what is said to the app around it ("can u make", "pls", "lol"),
    with "my dog" as "a dog" (the model draws a dog, not the user's), and "doesn't move at
    all" as "perfectly still" (a video model reads "move" as moving)."""
    text = _FOR_OCCASION.sub("", text)
    text = _SOMETHING.sub(lambda m: f", {m.group(1)} feeling", text) if not re.match(
        r"\s*something\b", text, re.IGNORECASE) else text
    text = "".join(_CHATTER_LEAD.sub("", part) for part in re.split(r"(?<=[.!?;])(\s+)", text))
    text = _CHATTER_WORDS.sub("", _FEEL.sub(" feeling ", text))
    text = _MINE.sub(lambda m: "the " if m.group(1).lower().endswith("s") and
                     not m.group(1).lower().endswith("ss") else "a ", text)
    text = _STILL.sub(" perfectly still", text)
    text = re.sub(r"(^|[,;.]\s*)(?:just|only|simply)\s+", r"\1", " ".join(text.split()),
                  flags=re.IGNORECASE)
    return text.strip(" ,")


_NEGATION = re.compile(
    r"(?:,\s*)?\b(?:with\s+no|without(?:\s+any)?|with\s+not\s+a\s+single|no|not\s+a\s+single|"
    r"not\s+any|free\s+of|empty\s+of|devoid\s+of|absent\s+of)\s+"
    r"((?:[\w'-]+(?:\s*(?:,|or|and|nor)\s*|\s+)){0,5}?[\w'-]+)"
    r"(?:\s+(?:in\s+the\s+(?:sky|frame|shot|picture|scene|background)|in\s+sight|around|"
    r"anywhere|nearby|at\s+all|to\s+be\s+seen|visible|whatsoever))?"
    r"(?=\s*(?:$|[,.;!?]|\b(?:around|in|on|at|anywhere|nearby|visible|in\s+sight|left|"
    r"about|to\s+be\s+seen|whatsoever|under|near|by|during|while|just)\b))", re.IGNORECASE)
_NOBODY = re.compile(r"\b(?:no\s*one|nobody|no-one|not\s+a\s+soul)\b(?:\s+(?:around|in\s+sight|"
                     r"anywhere|to\s+be\s+seen))?", re.IGNORECASE)


def without_negations(text: str) -> tuple[str, tuple[str, ...]]:
    """The text without its "no X" / "without X" phrases, and the X's it excludes: a video
    model reads "no children" as "children", so they leave the prompt altogether (and go to
    the negative prompt). "no one" / "nobody" exclude people."""
    avoid: list[str] = []

    def drop_people(match: re.Match) -> str:
        avoid.append("people")
        return " "

    def drop(match: re.Match) -> str:
        nouns = [n for n in re.split(r"\s*(?:,|\bor\b|\band\b|\bnor\b)\s*", match.group(1))
                 if n.strip()]
        avoid.extend(re.sub(r"^(?:a\s+single|a|an|any|the|single)\s+", "", n.strip().lower())
                     for n in nouns)  # "no music" turns the music off
        return " "

    text = _NOBODY.sub(drop_people, text)
    text = _NEGATION.sub(drop, text)
    return " ".join(text.split()).strip(" ,"), tuple(dict.fromkeys(avoid))


# "nostalgia for my grandmother's kitchen": a feeling about a concrete thing is that thing,
# in the feeling's mood.
FEELING_OF = re.compile(r"^\s*(?:(?:the\s+)?(?:nostalgia|longing|memories|memory|the\s+smell|"
                        r"the\s+sound|the\s+feeling|feeling|missing|homesickness)\s+(?:for|of)\s+)",
                        re.IGNORECASE)

# "no music" turns the soundtrack off rather than describing a picture.
SILENCE = {"music", "sound", "audio", "soundtrack", "background music", "bgm"}
