"""camera_verbs.toml: the verbs a sentence about the camera moves with ("the camera slowly
circles them", "镜头缓缓推近她的脸"), checked on load against camera.toml's movements, angles
and paces, and compiled for agent/camera_clause.py and agent/camera_clause_zh.py."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import datafiles
from agent.english import verb_forms
from agent.vocabulary_schema import CameraVerbsFile
from datafiles import fail


@dataclass(frozen=True)
class CameraVerbs:
    """camera_verbs.toml, compiled: the phrases a sentence about the camera moves with, in
    every tense ("pans left", "panning left"), and who may do the moving."""

    moves: dict[str, tuple[tuple[str, ...], bool]]  # phrase → (movement ids, said alone)
    pattern: re.Pattern  # any phrase, longest first, as whole words
    cameras: re.Pattern  # any of the words for the camera (or a drone filming)
    drones: frozenset[str]  # those that are a drone: a drone "flying" is filmed, not filming
    drone_angle: str  # the angle id a drone's move is seen from
    zh: ZhCameraVerbs
    joins: tuple[str, ...]

    def meaning(self, said: str) -> tuple[tuple[str, ...], bool]:
        """(movement ids, whether the phrase is the camera's without "the camera") of a
        phrase `pattern` matched."""
        return self.moves[" ".join(said.lower().split())]


@dataclass(frozen=True)
class ZhCameraVerbs:
    """camera_verbs.toml's [zh], compiled: a Chinese sentence about the camera
    ("镜头缓缓推近她的脸") as one pattern, and what its words mean."""

    sentence: re.Pattern  # groups: framing, who, source, pace, move, rest
    moves: dict[str, tuple[tuple[str, ...], bool]]  # move word → (movement ids, said alone)
    paces: dict[str, str]  # pace word → pace id
    drones: frozenset[str]
    reveal: re.Pattern  # a clause that says what the move uncovers: group "rest"


def load_camera_verbs(path: Path, by_id) -> CameraVerbs:
    """camera_verbs.toml, checked (every movement id known, no phrase meaning two moves)
    and compiled."""
    data = datafiles.load(path, CameraVerbsFile)
    file = datafiles.shown(path)
    if ("angle", data.drone_angle) not in by_id:
        raise fail(file, "the file's top", "drone_angle",
                   f"names unknown angle '{data.drone_angle}' (angles are in camera.toml)")
    moves: dict[str, tuple[tuple[str, ...], bool]] = {}
    for number, move in enumerate(data.move, 1):
        where = f"[[move]] {number} ('{move.said[0]}')"
        unknown = [i for i in move.means if ("movement", i) not in by_id]
        if unknown:
            raise fail(file, where, "means", f"names unknown movement '{unknown[0]}' "
                                             f"(movements are in camera.toml)")
        for phrase in move.said:
            verb, *rest = phrase.split()
            for form in verb_forms(verb):
                said = " ".join([form, *rest])
                if moves.get(said, (move.means, move.alone)) != (move.means, move.alone):
                    raise fail(file, where, "said", f"'{phrase}' is also said by another "
                                                    f"[[move]] with another meaning")
                moves[said] = (move.means, move.alone)
    return CameraVerbs(moves=moves, pattern=_any_of(moves),
                       cameras=_any_of(data.cameras + data.drones),
                       drones=frozenset(data.drones), drone_angle=data.drone_angle,
                       zh=_zh_camera_verbs(file, data.zh, by_id), joins=data.joins)


def _zh_camera_verbs(file: str, zh, by_id) -> ZhCameraVerbs:
    """The [zh] table, checked (movement and pace ids known) and compiled."""
    moves: dict[str, tuple[tuple[str, ...], bool]] = {}
    for number, move in enumerate(zh.move, 1):
        unknown = [i for i in move.means if ("movement", i) not in by_id]
        if unknown:
            raise fail(file, f"[[zh.move]] {number} ('{move.said[0]}')", "means",
                       f"names unknown movement '{unknown[0]}' (movements are in camera.toml)")
        moves.update({word: (move.means, move.alone) for word in move.said})
    for word, pace in zh.paces.items():
        if ("pace", pace) not in by_id:
            raise fail(file, "[zh.paces]", word, f"names unknown pace '{pace}' (paces are in "
                                                 f"camera.toml)")

    def alternation(words) -> str:
        return "|".join(map(re.escape, sorted(words, key=len, reverse=True)))

    who = alternation((*zh.cameras, *zh.drones))
    sentence = re.compile(
        rf"^\s*(?:然后|接着|最后|再|并且|并|同时)?(?P<framing>[^\s，,]{{0,4}}?)"
        rf"(?P<who>{who})?(?:先|首先|再|又|就|会|将|开始|逐渐|渐渐)?"
        rf"(?:从(?P<source>[^\s，,]+?))?(?P<pace>{alternation(zh.paces)})?地?"
        rf"(?P<move>{alternation(moves)})(?:到|向|至|进|过)?(?P<rest>.*)$")
    reveal = re.compile(rf"^\s*(?:并|然后|渐渐|逐渐)?(?:{alternation(zh.reveals)})(?P<rest>.+)$")
    return ZhCameraVerbs(sentence=sentence, moves=moves, paces=dict(zh.paces),
                         drones=frozenset(zh.drones), reveal=reveal)


def _any_of(phrases) -> re.Pattern:
    """Any of the phrases as whole words, the longest first (spaces: any run of spaces)."""
    ordered = sorted(phrases, key=lambda p: (-len(p.split()), -len(p)))
    alternatives = "|".join(r"\s+".join(map(re.escape, p.split())) for p in ordered)
    return re.compile(rf"(?<![\w'])(?:{alternatives})(?![\w'])", re.IGNORECASE)
