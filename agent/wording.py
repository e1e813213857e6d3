"""Writing the formula's sentences: a template filled and tidied, lists joined, stock
movements that repeat the user's words left out, and the three parts cut to the tokens the
text encoder reads."""

from __future__ import annotations

import math
import random
import re


def estimate_tokens(text: str) -> int:
    """A conservative count of T5 tokens: no T5 tokenizer ships offline, so long words count
    as several pieces, every digit and punctuation mark as one, plus the end token."""
    count = 1
    for piece in re.findall(r"[^\W\d_]+|\d|[^\w\s]", text):
        count += 1 if not piece.isalpha() else max(1, math.ceil(len(piece) / 4))
    return count


_OPTIONAL = {"weather", "speed", "extra", "action"}
# When one of these has text, the template must show it (under one of the group's names).
_MUST_SHOW = ({"time", "time_noun"}, {"weather"}, {"speed"}, {"extra"}, {"action"}, {"place"},
              {"backdrop"}, {"texture"})


def fill(rng: random.Random, templates: tuple[str, ...], **values: str) -> str:
    """Fill one template, picked by the seed among those that have text for every field they
    need and leave out nothing that was chosen."""
    def usable(template: str) -> bool:
        fields = set(re.findall(r"{(\w+)}", template))
        return all(values.get(f) or f in _OPTIONAL for f in fields) and all(
            fields & group for group in _MUST_SHOW if any(values.get(f) for f in group))

    fitting = [t for t in templates if usable(t)]
    template = rng.choice(fitting or list(templates))
    return tidy(template.format(**values))


def tidy(text: str) -> str:
    """Clean spacing and punctuation, and capitalise each sentence."""
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"\s+([,.;:])", r"\1", text)
    text = re.sub(r"([,;:])(?:\s*[,;:])+", r"\1", text)
    text = re.sub(r"[,;:]\s*\.", ".", text)
    text = re.sub(r"\.{2,}", ".", text)
    return re.sub(r"(^|[.!?]\s+)([a-z])", lambda m: m.group(1) + m.group(2).upper(), text)


def overlaps(motion: str, said: list[str]) -> bool:
    """Whether a stock motion repeats something the user already said ("steam rising")."""
    content = {w for w in re.findall(r"[a-z]{4,}", " ".join(said).lower())} - _COMMON_WORDS
    return bool(content & set(re.findall(r"[a-z]{4,}", motion.lower())))


_COMMON_WORDS = {"with", "slowly", "gently", "softly", "into", "from", "over", "their", "its",
                 "light", "each", "small", "around", "through", "across", "that", "this"}


def join_list(items: list[str]) -> str:
    """"a", "a and b", "a, b, and c"."""
    if len(items) <= 2:
        return " and ".join(items)
    return ", ".join(items[:-1]) + ", and " + items[-1]


def share_budget(parts: tuple[str, str, str], budget: int) -> tuple[str, str, str]:
    """When even the shortest composition is over budget (a very long idea), give each part
    a share of the budget so that none is lost entirely."""
    if estimate_tokens(" ".join(parts)) <= budget:
        return parts
    shares = (budget * 2 // 5, budget // 3, budget - budget * 2 // 5 - budget // 3)
    return tuple(cut_to(part, share) for part, share in zip(parts, shares))


def cut_to(text: str, budget: int) -> str:
    words = text.split()
    while words and estimate_tokens(" ".join(words)) > budget - 1:
        words.pop()
    return " ".join(words).rstrip(",;:") + ("." if words and not words[-1].endswith(".")
                                            else "")

