"""studio/: one wiring for every door (services.py), a session's video published by the job
worker with no page open (library.py), one creation per job however many publishers race,
a finished video's facts carried from the engine, the shot saved one way and kept once, and
the typed contracts (Intent, Backend, Stage, the Engine protocol) refusing what they do not
know."""

from __future__ import annotations

import threading
import time

import pytest
from studio_support import open_test_services

from agent.conversation import Intent, Reply
from agent.rewrite import Backend, Rewrite
from agent.shot import ShotSpec
from store.layout import DataLayout
from studio.director import Director, RenderOptions, Stage
from studio.publish import publish_job
from studio.session import ShotEdits
from video.engines import ENGINE_NAMES
from video.engines.pool import EnginePool
from video.ffmpeg import probe

TINY = RenderOptions(engine="tiny", steps=1)


@pytest.fixture
def services(tmp_path, engine_settings):
    opened = open_test_services(tmp_path / "data", Director(EnginePool(engine_settings)))
    opened.start()
    yield opened
    opened.close()


def wait_for(check, timeout: float = 240.0, what: str = "it"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def test_the_worker_publishes_a_sessions_video_with_no_page_looking(services):
    studio = services.studio
    session = studio.open_session(None, "en")
    studio.say(session, "a paper boat on a puddle")
    job = studio.generate(session, ShotEdits(music="none"), TINY)
    # Nobody calls collect: the creation and its chat line appear because the job ended.
    creation = wait_for(lambda: studio.creations(session), what="the creation")[0]
    assert creation.job_id == job.id
    assert [m.creation_id for m in studio.history(session) if m.creation_id] == [creation.id]
    assert studio.pending_job(session) is None
    assert not (services.layout.root / "jobs" / job.id).exists()  # the video's one home
    # The facts came with the job; they are the file's own.
    info = probe(creation.mp4)
    video = info.first("video")
    assert (creation.width, creation.height) == (video.width, video.height)
    assert creation.frames == info.video_frames and creation.fps == pytest.approx(video.fps)
    # A page that looks later gets the same creation, and no second chat line.
    done = studio.queue.get(job.id, session.owner)
    assert studio.collect(session, done).id == creation.id
    assert sum(1 for m in studio.history(session) if m.creation_id) == 1


def test_a_failed_job_is_told_in_the_chat_once(services):
    studio = services.studio
    session = studio.open_session(None, "en")
    studio.say(session, "a lighthouse in a storm")
    # Queue it while the worker is busy with another session's job, then cancel it.
    other = studio.open_session(None, "en")
    studio.say(other, "a kite over a beach")
    studio.generate(other, ShotEdits(music="none"), TINY)
    job = studio.generate(session, ShotEdits(music="none"), TINY)
    assert studio.cancel(session, job.id)
    failed = wait_for(lambda: [m for m in studio.history(session) if "cancelled" in m.text],
                      what="the cancellation note")
    assert len(failed) == 1
    assert studio.collect(session, studio.queue.get(job.id, session.owner)) == \
        "cancelled by its owner"
    assert len([m for m in studio.history(session) if "cancelled" in m.text]) == 1


def test_two_publishers_of_one_job_make_one_creation(tmp_path, engine_settings):
    """Two processes on one data folder (here: two wirings on one database file) race to
    publish the same finished job: one creation, its files once, no leftovers."""
    director = Director(EnginePool(engine_settings))
    first = open_test_services(tmp_path / "data", director)
    second = open_test_services(tmp_path / "data", director)
    try:
        first.start()  # only the first runs jobs; the second only publishes
        session = first.studio.open_session(None, "en")
        first.studio.say(session, "a red kite over a beach")
        job = first.queue.submit(session.owner, first.studio.current_spec(session), TINY)
        done = first.queue.wait(job.id, session.owner, timeout=240)
        assert done.status == "done"
        made = []
        racers = [threading.Thread(target=lambda s=s: made.append(
            publish_job(s.layout, s.creations, session.session_id, done)))
            for s in (first, second, second)]
        for racer in racers:
            racer.start()
        for racer in racers:
            racer.join(60)
        creations = first.studio.creations(session)
        assert len(creations) == 1
        assert {c.id for c, _ in made} == {creations[0].id}
        assert sum(fresh for _, fresh in made) <= 1
        folders = [p.name for p in DataLayout(tmp_path / "data").creations.iterdir()]
        assert folders == [creations[0].id]
    finally:
        second.close()
        first.close()


def test_the_shot_is_kept_once_and_draw_again_moves_it(services):
    studio = services.studio
    session = studio.open_session(None, "en")
    studio.say(session, "a cheetah lying in the grass")
    state = studio.store.state(session.session_id)
    assert "spec" not in state and state["conversation"]["spec"]["idea"]
    job = studio.generate(session, ShotEdits(music="none", aspect="1:1"), TINY)
    creation = wait_for(lambda: studio.creations(session), what="the creation")[0]
    assert creation.job_id == job.id
    again = studio.draw_again(session, creation.id, TINY, aspect="9:16")
    assert studio.current_spec(session).aspect == "9:16"  # the chat refines what renders
    assert again.spec.aspect == "9:16" and again.spec.seed is None


def test_a_shot_is_saved_one_way():
    from pathlib import Path

    spec = ShotSpec(idea="猎豹", subject="a cheetah", source_image=Path("/data/u/a.jpg"),
                    seed=7, music="none", duration=4.0)
    saved = spec.to_dict()
    assert saved["source_image"] == "/data/u/a.jpg"
    assert ShotSpec.from_dict(saved) == spec
    assert ShotSpec.from_dict({**saved, "from_a_later_release": 1}) == spec


def test_the_contracts_refuse_what_they_do_not_know():
    assert Reply(intent="share", text="").intent is Intent.SHARE
    with pytest.raises(ValueError):
        Reply(intent="shrae", text="")
    assert Rewrite(spec=ShotSpec(idea="x"), backend="formula").backend is Backend.FORMULA
    with pytest.raises(ValueError):
        Rewrite(spec=ShotSpec(idea="x"), backend="gpt")
    assert [s.value for s in Stage] == ["rewriting", "generating", "music", "post-production"]


def engine_classes():
    from video.engines.cloud import CloudEngine
    from video.engines.cogvideox import CogVideoXEngine
    from video.engines.motion import MotionEngine
    from video.engines.tiny import TinyEngine

    return [CloudEngine, CogVideoXEngine, MotionEngine, TinyEngine]


@pytest.mark.parametrize("engine", engine_classes(), ids=lambda cls: cls.__name__)
def test_every_engine_says_what_the_protocol_asks(engine):
    """Every member of video.engines.base.Engine, without a getattr fallback anywhere."""
    import inspect

    from video.engines.base import Engine

    assert engine.name in ENGINE_NAMES and engine.capabilities <= {"t2v", "i2v"}
    assert isinstance(engine.test_pattern, bool) and isinstance(engine.previews, bool)
    for member in ("defaults", "generate"):
        assert callable(getattr(engine, member)) and hasattr(Engine, member)
    assert "on_preview" in inspect.signature(engine.generate).parameters


def test_opening_a_data_folder_sweeps_what_a_crash_left(tmp_path, engine_settings):
    import os

    layout = DataLayout(tmp_path / "data").ensure()
    staging = layout.staging_dir("ab" * 16)
    (staging / "video.mp4").write_bytes(b"half")
    orphan = layout.creations / ("cd" * 16)
    orphan.mkdir(parents=True)
    hours_ago = time.time() - 7200
    for folder in (staging, orphan):
        os.utime(folder, (hours_ago, hours_ago))
    opened = open_test_services(layout.root, Director(EnginePool(engine_settings)))
    try:
        assert not staging.exists() and not orphan.exists()
    finally:
        opened.close()
