"""The music selector off the critical path (issue #21, item 5): an "auto" render starts
loading the selector's model once the engine steps, so the soundtrack step finds it ready;
it picks what it would have picked without that, and a prefetch that fails changes nothing.
(A render whose music needs no selector never loads it: tests/test_music_not_loaded.py.)"""

from __future__ import annotations

import pytest

from agent.shot import ShotSpec
from music.library import Library
from music.select import Embedder, Selector
from music.soundtrack import Soundtrack
from studio.director import Director, RenderOptions, Stage
from video.engines.pool import EnginePool

TINY = RenderOptions(engine="tiny", steps=3, upscale=1, fps=8)
IDEA = "a cheetah lying in the grass"


@pytest.fixture(scope="module")
def library():
    return Library.load()


def _missing_model(library, tmp_path) -> Soundtrack:
    return Soundtrack(library, Selector(library, Embedder(tmp_path / "no-model")))


def _picks(track):
    return [(p.track.id, p.score) for p in track.alternatives]


def test_prefetch_starts_only_for_auto_and_only_once(library, tmp_path):
    music = _missing_model(library, tmp_path)
    for choice in ("none", "grey-rain", str(tmp_path / "song.mp3")):
        assert music.prefetch(choice) is None
    thread = music.prefetch("auto")
    assert thread is not None
    thread.join(timeout=120)
    assert music.prefetch("auto") is None  # one try per soundtrack; choose() retries itself


def test_a_failed_prefetch_fails_choose_exactly_as_without_it(library, tmp_path):
    """The model missing: choose() raises what it raised before prefetching existed."""
    with pytest.raises(Exception) as without:
        _missing_model(library, tmp_path).choose("auto", IDEA)
    prefetched = _missing_model(library, tmp_path)
    prefetched.prefetch("auto").join(timeout=120)
    assert not prefetched.selector_loaded
    with pytest.raises(Exception) as after:
        prefetched.choose("auto", IDEA)
    assert (type(after.value), str(after.value)) == (type(without.value), str(without.value))


@pytest.mark.parametrize("choice", ["none", "grey-rain"])
def test_music_that_needs_no_selector_asks_for_no_prefetch(engine_settings, library, choice):
    engines = EnginePool(engine_settings)  # nothing loads until a render
    director = Director(engines, music=Soundtrack(library))
    assert director.music_ahead(ShotSpec(idea=IDEA, music=choice)) is None
    assert director.music_ahead(ShotSpec(idea=IDEA, music="auto")) is not None
    assert Director(engines).music_ahead(ShotSpec(idea=IDEA)) is None  # no music library


@pytest.mark.slow  # loads the real selector model twice and renders once
def test_auto_loads_while_the_engine_steps_and_picks_the_same_track(engine_settings, tmp_path):
    music = Soundtrack()
    seen: list[tuple[str, float, bool]] = []

    def progress(stage, fraction, detail):
        seen.append((stage, fraction, music._prefetching is not None))

    result = Director(EnginePool(engine_settings), music=music).render(
        ShotSpec(idea=IDEA, seed=1, music="auto"), tmp_path / "clip.mp4", TINY,
        on_progress=progress)
    # Not before the engine's first step; started by the time the soundtrack is chosen.
    assert (Stage.GENERATING, 0.0, False) in seen
    assert (Stage.MUSIC, 0.0, True) in seen
    assert music.selector_loaded
    # The same choice the director makes, by a soundtrack that never prefetched.
    spec = result.spec
    text = spec.idea if spec.prompt == spec.idea else f"{spec.idea}. {spec.prompt}"
    plain = Soundtrack().choose("auto", text)
    assert result.track.id == plain.id and result.track.score == plain.score
    assert _picks(result.track) == _picks(plain)
