"""Camera and scene words inside a Chinese clause (a part of the clause reader,
agent/clause_zh.py): each is pinned, and where the user's own word names a thing or a place
(麦田, 红色灯笼, 阳光下, 老街上) that word stays in the prompt too — as the place, the light on
the verb, the verb's object, or a feeling said of the subject."""

from __future__ import annotations

from agent.clause_words_zh import after_verb, names_place, scene_noun, with_preposition
from agent.dictionary_zh import LOCATIVES
from agent.english import article
from agent.glossary import Word
from agent.vocabulary import Entry


class SceneWords:
    """The clause reader's handling of camera and scene words; it reads and writes the
    reader's state (the clause `c`, `pins`, the phrase being read)."""

    def _scene(self, i: int, w: Word, following: Word | None) -> None:
        """A camera or scene word: pinned; and where the user's own word names a thing or a
        place (麦田, 红色灯笼, 阳光下), that word stays in the prompt too."""
        refs = self._pin(w)
        setting = next((self.vocabulary.get("setting", entry_id) for slot, entry_id in refs
                        if slot == "setting"), None)
        lit = any(slot in ("lighting", "weather") for slot, _ in refs)
        if self.negated and self._unwanted(w, refs):
            return
        if w.gloss and (setting is not None or lit) and (self.adjectives or self.pending) \
                and w.role == "scene":  # "红色灯笼", "沙漠公路": the user's words are the noun
            self.pending.append(scene_noun(w, setting))
            if setting is not None and len(w.text) > 1 and w.text[-1] in "上里中内":
                self.flush(LOCATIVES[w.text[-1]])  # "老街上": on an old street, a place
            return
        self.flush()
        self._scene_in_clause(i, w, following, setting, lit)

    def _pin(self, w: Word) -> list[tuple[str, str]]:
        """Pins each choice a camera or scene word names ("setting:forest,lighting:dusk");
        returns them as (slot, entry id)."""
        refs = [(slot, entry_id) for slot, _, entry_id in
                (ref.partition(":") for ref in w.en.split(","))]
        for slot, entry_id in refs:
            self.pins[slot] = (entry_id,)
        self.c.had_terms = True
        return refs

    def _unwanted(self, w: Word, refs: list[tuple[str, str]]) -> bool:
        """A negated weather or light, and whether the word was one: "不要下雨" is a clear
        sky and no rain, "没有灯光的房间" a dark room."""
        weather = [entry_id for slot, entry_id in refs if slot == "weather"]
        if weather:
            self.pins["weather"] = ("clear",)
            self.c.avoid += [w.gloss or weather[0]]
        elif w.gloss and any(slot == "lighting" for slot, _ in refs):
            self.c.avoid.append(w.gloss)
            del self.pins["lighting"]
            self.adjectives.append("dark")
        else:
            return False
        self.negated = False
        return True

    def _scene_in_clause(self, i: int, w: Word, following: Word | None,
                         setting: Entry | None, lit: bool) -> None:
        """A scene word after the phrase before it: the place itself ("在麦田里"), the light
        on the verb ("躺在阳光下"), or the verb's object ("围着篝火")."""
        c = self.c
        was_at = self.at
        place_next = self.at or names_place(following)
        # "在竹林": a place's scene word is the place itself; "在凌晨的办公室": a time is not
        self.setting_at = self.setting_at or (self.at and setting is not None)
        self.at = self.at and (w.role == "camera" or setting is None)
        if not w.gloss:
            return
        if w.en.startswith("atmosphere:") and setting is None and not lit:
            if all(x is w or x.text in "的地" for x in self.words):
                self.adjectives.append(w.gloss)  # "很紧张" alone: the feeling is the subject's
            return
        if setting is not None or lit:
            c.scene_nouns.append(scene_noun(w, setting))
        if lit and c.verbs and following is not None and following.role == "locative":
            c.verbs[-1] += f" {following.en} the {w.gloss}"  # "躺在阳光下"
            self.skip = following
        elif setting is not None and place_next:
            # "在麦田里", "沙漠公路": the user's own words for the place stay
            self.pending.append(scene_noun(w, setting))
            self.at = was_at or (following is not None and following.role == "locative")
        elif c.verbs and after_verb(self.words, i):  # "围着篝火": around a campfire
            c.verbs[-1] += " " + with_preposition(c.verbs[-1], f"{article(w.gloss)} {w.gloss}")
