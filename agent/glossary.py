"""The Chinese glossary: words of an idea, found with jieba and looked up in
agent/data/glossary_zh.toml. Words it cannot find are reported, never passed on as Chinese."""

from __future__ import annotations

import logging
import re
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from agent.datafile import (FLAG, TEXT, TEXTS, DataFileError, check_type, display_name,
                            read_toml, reject_unknown_keys)
from agent.vocabulary import CAMERA_SLOTS, DATA_DIR, SCENE_SLOTS, Vocabulary

ROLES = ("subject", "count", "adjective", "action", "adverb", "part", "position", "camera",
         "scene", "look", "cue", "ignore")
CUES = ("change", "add", "make", "more", "remove")
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_LATIN_RUN = re.compile(r"[A-Za-z0-9][A-Za-z0-9'\-]*")
# Every glossary word gets the same jieba frequency, so the route with fewer, longer words
# wins ("窗台上" → "窗台" + "上", "上海" stays whole).
_GLOSSARY_FREQ = 1000


@dataclass(frozen=True)
class Word:
    """One word of a Chinese idea and what the glossary says it is.

    role is one of ROLES, or "english" (Latin text kept as typed) or "unknown".
    """

    text: str
    role: str
    en: str = ""
    plural: bool = False
    pace: str = ""
    setting: str = ""


def has_cjk(text: str) -> bool:
    """Whether the text contains Chinese (or other CJK) characters."""
    return CJK.search(text) is not None


class Glossary:
    """Chinese → English word lookup with jieba segmentation (loaded on first use)."""

    def __init__(self, words: dict[str, Word]):
        self.words = words
        self._longest = max(len(w) for w in words)
        self._tokenizer = None
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self.words)

    def segment(self, clause: str) -> list[Word]:
        """The words of one clause (no punctuation inside), each with its role."""
        out: list[Word] = []
        for token in self._cut(clause):
            token = token.strip()
            if not token:
                continue
            if token in self.words:
                out.append(self.words[token])
            elif has_cjk(token):
                out.extend(self._split_unknown(token))
            else:
                out.extend(Word(m.group(0), "english", m.group(0))
                           for m in _LATIN_RUN.finditer(token))
        return _merge_unknown(out)

    def _split_unknown(self, token: str) -> list[Word]:
        """Forward maximum matching inside a word jieba found but the glossary lacks."""
        out, i = [], 0
        while i < len(token):
            for size in range(min(self._longest, len(token) - i), 0, -1):
                piece = token[i:i + size]
                if piece in self.words:
                    out.append(self.words[piece])
                    i += size
                    break
            else:
                out.append(Word(token[i], "unknown" if has_cjk(token[i]) else "ignore"))
                i += 1
        return out

    def _cut(self, clause: str) -> list[str]:
        with self._lock:
            if self._tokenizer is None:
                self._tokenizer = _make_tokenizer(self.words)
        return self._tokenizer.lcut(clause, HMM=True)


def _merge_unknown(words: list[Word]) -> list[Word]:
    """Join neighbouring unknown characters so the user is told about whole words."""
    merged: list[Word] = []
    for word in words:
        if word.role == "unknown" and merged and merged[-1].role == "unknown":
            merged[-1] = Word(merged[-1].text + word.text, "unknown")
        else:
            merged.append(word)
    return merged


def _make_tokenizer(words: dict[str, Word]):
    """A private jieba tokenizer whose dictionary is the glossary itself: its words are all
    the segmentation needs (jieba's HMM still groups unknown characters into words, which
    are then reported), and it loads in milliseconds instead of jieba's seconds."""
    import jieba

    logging.getLogger("jieba").setLevel(logging.WARNING)
    jieba.setLogLevel(logging.WARNING)
    folder = Path(tempfile.mkdtemp(prefix="clipwright-jieba-"))
    try:
        dictionary = folder / "glossary.txt"
        dictionary.write_text("".join(f"{word} {_GLOSSARY_FREQ}\n" for word in words
                                      if has_cjk(word) and " " not in word), encoding="utf-8")
        tokenizer = jieba.Tokenizer(dictionary=str(dictionary))
        tokenizer.tmp_dir = str(folder)  # its cache goes where we clean up
        tokenizer.initialize()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return tokenizer


def load_glossary(vocabulary: Vocabulary, path: Path = DATA_DIR / "glossary_zh.toml") -> Glossary:
    """Read and check the glossary; every reference must name a vocabulary entry."""
    raw = read_toml(path)
    reject_unknown_keys(path, "the file", raw, set(ROLES))
    words: dict[str, Word] = {}
    for role in ROLES:
        table = raw.get(role)
        if not isinstance(table, dict) or not table:
            raise DataFileError(f"{display_name(path)}: needs a non-empty [{role}] table")
        for text, value in table.items():
            where = f"[{role}] '{text}'"
            if text in words:
                raise DataFileError(f"{display_name(path)}: {where}: the word is also in "
                                    f"[{words[text].role}]; each word may appear once")
            if not text.strip() or _CJK_RUN.fullmatch(text.replace("3D", "")) is None:
                raise DataFileError(f"{display_name(path)}: {where}: keys must be Chinese words")
            words[text] = _word(path, where, role, text, value, vocabulary)
    return Glossary(words)


def _word(path: Path, where: str, role: str, text: str, value, vocabulary: Vocabulary) -> Word:
    file = display_name(path)
    if role == "ignore":
        if value != "":
            raise DataFileError(f"{file}: {where}: [ignore] values must be \"\"")
        return Word(text, role)
    if isinstance(value, dict):
        allowed = {"count": {"en", "plural"}, "adverb": {"en", "pace"},
                   "position": {"en", "setting"}}.get(role)
        if allowed is None:
            raise DataFileError(f"{file}: {where}: must be a text, not a table")
        reject_unknown_keys(path, where, value, allowed)
        if "en" not in value:
            raise DataFileError(f"{file}: {where}: missing key 'en'")
        en = check_type(path, where, "en", value["en"], TEXT)
        plural = check_type(path, where, "plural", value.get("plural", False), FLAG)
        pace = value.get("pace", "")
        setting = value.get("setting", "")
        if pace and not vocabulary.has("pace", pace):
            raise DataFileError(f"{file}: {where}: names unknown pace '{pace}'")
        if setting and not vocabulary.has("setting", setting):
            raise DataFileError(f"{file}: {where}: names unknown setting '{setting}'")
        return Word(text, role, en, plural=plural, pace=pace, setting=setting)
    if role in ("camera", "scene") and isinstance(value, list):
        value = ",".join(check_type(path, where, "value", value, TEXTS))
    en = check_type(path, where, "value", value, TEXT)
    if role == "subject" and en not in vocabulary.nouns:
        raise DataFileError(f"{file}: {where}: '{en}' is not a noun in subjects.toml [nouns]")
    for ref in (en.split(",") if role in ("camera", "scene") else ()):
        slot, _, entry_id = ref.partition(":")
        slots = CAMERA_SLOTS if role == "camera" else SCENE_SLOTS
        if slot not in slots or not vocabulary.has(slot, entry_id):
            raise DataFileError(f"{file}: {where}: '{ref}' must be slot:id of an entry "
                                f"(slots: {', '.join(slots)})")
    if role == "look" and not vocabulary.has("look", en):
        raise DataFileError(f"{file}: {where}: '{en}' is not a look id in camera.toml")
    if role == "cue" and en not in CUES:
        raise DataFileError(f"{file}: {where}: cue must be one of {', '.join(CUES)}")
    return Word(text, role, en)
