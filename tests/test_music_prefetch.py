"""The music selector off the critical path: a render whose track needs no selector never
loads its model; an "auto" render loads it on a thread while the video renders, picks what it
would have picked without that, and a prefetch that fails changes nothing."""

import pytest

from agent.shot import ShotSpec
from music.library import Library
from music.select import Embedder, Selector
from music.soundtrack import Soundtrack
from studio.director import Director, RenderOptions
from video.engines.pool import EnginePool

TINY = RenderOptions(engine="tiny", steps=2, upscale=1, fps=8)
IDEA = "a cheetah lying in the grass"


@pytest.fixture(scope="module")
def library():
    return Library.load()


def _director(engine_settings, music: Soundtrack) -> Director:
    return Director(EnginePool(engine_settings), music=music)


def _picks(track):
    return [(p.track.id, p.score) for p in track.alternatives]


def test_prefetch_starts_only_for_auto_and_only_once(library, tmp_path):
    music = Soundtrack(library, Selector(library, Embedder(tmp_path / "no-model")))
    for choice in ("none", "grey-rain", str(tmp_path / "song.mp3")):
        assert music.prefetch(choice) is None
    thread = music.prefetch("auto")
    assert thread is not None
    thread.join(timeout=120)
    assert music.prefetch("auto") is None  # one try per soundtrack; choose() retries itself


def test_a_failed_prefetch_fails_choose_exactly_as_without_it(library, tmp_path):
    """The model missing: choose() raises what it raised before prefetching existed."""
    def soundtrack():
        return Soundtrack(library, Selector(library, Embedder(tmp_path / "no-model")))

    with pytest.raises(Exception) as without:
        soundtrack().choose("auto", IDEA)
    prefetched = soundtrack()
    prefetched.prefetch("auto").join(timeout=120)
    assert not prefetched.selector_loaded
    with pytest.raises(Exception) as after:
        prefetched.choose("auto", IDEA)
    assert (type(after.value), str(after.value)) == (type(without.value), str(without.value))


@pytest.mark.slow  # two tiny renders with post-production
@pytest.mark.parametrize("choice", ["none", "grey-rain"])
def test_a_render_that_needs_no_selector_never_loads_it(engine_settings, tmp_path, choice):
    music = Soundtrack()
    result = _director(engine_settings, music).render(
        ShotSpec(idea=IDEA, seed=1, music=choice), tmp_path / "clip.mp4", TINY)
    assert (result.track.id if result.track else None) == (None if choice == "none" else choice)
    assert not music.selector_loaded
    assert music._prefetching is None  # not even started


@pytest.mark.slow  # loads the real selector model twice and renders once
def test_auto_picks_the_same_track_with_and_without_the_prefetch(engine_settings, tmp_path):
    music = Soundtrack()
    result = _director(engine_settings, music).render(
        ShotSpec(idea=IDEA, seed=1, music="auto"), tmp_path / "clip.mp4", TINY)
    assert music._prefetching is not None and music.selector_loaded
    # The same choice the director makes, by a soundtrack that never prefetched.
    spec = result.spec
    text = spec.idea if spec.prompt == spec.idea else f"{spec.idea}. {spec.prompt}"
    plain = Soundtrack().choose("auto", text)
    assert result.track.id == plain.id and result.track.score == plain.score
    assert _picks(result.track) == _picks(plain)
    # And a prefetched soundtrack asked directly.
    prefetched = Soundtrack()
    prefetched.prefetch("auto").join(timeout=300)
    assert prefetched.selector_loaded
    assert _picks(prefetched.choose("auto", text)) == _picks(plain)
