"""A render whose music needs no selector never loads its sentence-embedding model (issue
#21, item 5): "none", a track id and the user's own file are chosen without it, so the
command line does not wait the seconds that model costs."""

from __future__ import annotations

import pytest

from agent.shot import ShotSpec
from music.soundtrack import Soundtrack
from studio.director import Director, RenderOptions
from video.engines.pool import EnginePool


@pytest.mark.parametrize("music", ["none", "cloud-drift"])
def test_a_render_that_needs_no_selector_never_loads_it(engine_settings, tmp_path, music):
    soundtrack = Soundtrack()
    assert any(t.id == "cloud-drift" for t in soundtrack.library.tracks)
    director = Director(EnginePool(engine_settings), music=soundtrack)
    result = director.render(ShotSpec(idea="a paper boat on a pond", seed=1, music=music),
                             tmp_path / "boat.mp4", RenderOptions(engine="tiny"))
    assert result.video.mp4.is_file()
    assert (result.track.id if result.track else "none") == music
    assert soundtrack._selector is None  # the selector (and its model) was never made
