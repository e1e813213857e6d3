"""studio/session.py: sessions, chat turns, renders through the real job queue on the tiny
engine, creations, music changes, sharing and isolation — everything below the browser."""

from __future__ import annotations

import wave

import numpy as np
import pytest

from studio.director import Director, RenderOptions
from studio.jobs import JobQueue
from errors import InputError
from store.creations import CreationStore
from store.db import Database
from store.layout import DataLayout
from styles.presets import StyleLibrary
from studio.catalog import Choices, style_choices_of
from studio.i18n import load_strings
from studio.session import SessionInfo, ShotEdits, Studio
from video.engines.pool import EnginePool
from video.ffmpeg import probe

TINY = RenderOptions(engine="tiny")


def tone_library(folder):
    """A one-track music library: a 3-second two-note WAV made here."""
    from music.library import Library, Track

    rate = 44100
    t = np.arange(3 * rate) / rate
    samples = (0.2 * np.sin(2 * np.pi * 440 * t) + 0.1 * np.sin(2 * np.pi * 660 * t))
    stereo = (np.repeat(samples[:, None], 2, axis=1) * 32767).astype("<i2")
    path = folder / "tone.wav"
    with wave.open(str(path), "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(stereo.tobytes())
    track = Track(id="tone", title_en="Tone", title_zh="音", moods=("calm",), bpm=120, meter=4,
                  key="A major", energy=0.2, duration=3.0, loop_start=0.0, loop_end=3.0,
                  license="test", description="a calm tone", path=path)
    return Library((track,), {})


@pytest.fixture(scope="module")
def studio(tmp_path_factory, engine_settings):
    from music.soundtrack import Soundtrack

    root = tmp_path_factory.mktemp("studio")
    layout = DataLayout(root / "data").ensure()
    db = Database(layout.db_path)
    # The director has the real tiny engine; "auto" music is left to renders, so the
    # test's library only serves explicit choices (no embedding model is loaded).
    library = StyleLibrary.load()
    director = Director(EnginePool(engine_settings), styles=library,
                        music=Soundtrack(tone_library(root)))
    queue = JobQueue(db, director, layout.root)
    queue.start()
    made = Studio(store=CreationStore(db, layout), layout=layout, queue=queue,
                  director=director, strings=load_strings(),
                  choices=Choices(styles=style_choices_of(library)[0]))
    yield made
    queue.stop()
    db.close()


def render(studio: Studio, session: SessionInfo, job_id: str):
    job = studio.queue.wait(job_id, session.owner, timeout=240)
    assert job is not None and job.finished, job
    return studio.collect(session, job)


def test_sessions_come_back_and_garbage_gets_a_new_one(studio):
    first = studio.open_session(None, "zh-CN,zh;q=0.9")
    assert first.language == "zh" and len(first.session_id) == 32
    again = studio.open_session({"sid": first.session_id}, "en-US")
    assert again.session_id == first.session_id
    assert again.language == "en"  # no choice made: it follows the browser
    studio.set_language(again, "zh")  # a choice made on the page is kept
    assert studio.open_session({"sid": first.session_id}, "en-US").language == "zh"
    assert studio.open_session({"sid": first.session_id, "lang": "en"}, None).language == "en"
    for saved in ({"sid": "../../etc"}, {"sid": 42}, "nonsense", {"lang": "xx"}):
        fresh = studio.open_session(saved, None)
        assert fresh.session_id != first.session_id and fresh.language == "en"


def test_bad_messages_are_refused_with_a_reason_and_nothing_is_stored(studio, tmp_path):
    session = studio.open_session(None, None)
    with pytest.raises(InputError, match="idea is empty"):
        studio.say(session, "   ")
    with pytest.raises(InputError, match="2001 characters long; at most 2000"):
        studio.say(session, "x" * 2001)
    fake = tmp_path / "holiday.jpg"
    fake.write_text("not a photo")
    with pytest.raises(InputError):
        studio.say(session, "make it move", photo=fake)
    assert studio.history(session) == []
    with pytest.raises(InputError, match="Type an idea first"):
        studio.generate(session, ShotEdits(), TINY)


def test_photo_is_checked_and_kept_in_the_data_folder(studio, tmp_path):
    from PIL import Image

    session = studio.open_session(None, None)
    photo = tmp_path / "cat.png"
    Image.new("RGB", (64, 48), (200, 120, 40)).save(photo)
    turn = studio.say(session, "", photo=photo)
    kept = turn.spec.source_image
    assert kept.is_file() and kept.read_bytes() == photo.read_bytes()
    assert studio.layout.uploads in kept.parents
    assert turn.spec.idea  # a photo alone gets a default idea
    assert studio.history(session)[0].attachment == kept


def test_idea_to_video_then_draw_again_share_and_isolation(studio):
    session = studio.open_session(None, "en")
    turn = studio.say(session, "a cheetah lying in the grass")
    assert turn.intent == "new_idea" and studio.current_spec(session) == turn.spec
    assert turn.spec.camera and turn.spec.scene and turn.spec.details  # the formula
    assert "cheetah" in turn.spec.prompt and "**Style** · No style" in turn.reply
    job = studio.generate(session, ShotEdits(camera="Slow push in.", scene=turn.spec.scene,
                                             details=turn.spec.details, music="none"), TINY)
    assert studio.pending_job(session) == job.id
    status = studio.status(session, job.id)
    assert status.position >= 0 and status.progress.stage in (
        "queued", "rewriting", "generating", "post-production", "music", "done")
    first = render(studio, session, job.id)
    assert studio.pending_job(session) is None
    assert first.mp4.parent == studio.layout.creation_dir(first.id)
    assert first.gif.is_file() and first.poster.is_file() and first.test_pattern
    assert first.camera == "Slow push in." and first.frames == 17 and first.fps == 16
    assert first.seed == turn.spec.seed  # the seed the agent composed the prompt with
    assert probe(first.mp4).first("video").codec == "h264"
    assert render(studio, session, job.id) == first  # collecting twice makes one creation
    last = studio.history(session)[-1]
    assert last.creation_id == first.id and "Test pattern" in last.text
    assert studio.say(session, "share it").intent == "share"  # now there is one to share

    again = render(studio, session, studio.draw_again(session, first.id, TINY).id)
    assert again.id != first.id and again.seed != first.seed
    assert again.mp4.read_bytes() != first.mp4.read_bytes()
    assert [c.id for c in studio.creations(session)] == [again.id, first.id]

    share = studio.share(session, first.id)
    assert studio.share_url(share, "http://h:1") == f"http://h:1/s/{share.token}"
    stranger = studio.open_session(None, None)
    assert studio.creations(stranger) == [] and studio.history(stranger) == []
    assert studio.status(stranger, job.id) is None and not studio.cancel(stranger, job.id)
    with pytest.raises(InputError):
        studio.share(stranger, first.id)
    with pytest.raises(InputError):
        studio.draw_again(stranger, first.id, TINY)
    assert not studio.delete(stranger, first.id) and first.mp4.is_file()

    assert studio.revoke(session, first.id) == 1
    assert studio.delete(session, first.id) and not first.mp4.parent.exists()
    assert studio.history(session)[-2].creation_id is None  # its chat line stays, unlinked


def test_change_and_remove_music_replace_the_file_and_say_so(studio):
    session = studio.open_session(None, None)
    studio.say(session, "a quiet lake")
    made = render(studio, session, studio.generate(session, ShotEdits(music="none"), TINY).id)
    assert probe(made.mp4).first("audio") is None
    video_before = probe(made.mp4).first("video")

    with_music = studio.change_music(session, made.id, "tone")
    info = probe(with_music.mp4)
    assert with_music.track == "tone" and info.first("audio").codec == "aac"
    assert info.first("video").codec == video_before.codec
    assert abs(info.duration - made.duration) < 0.1
    assert "🎵" in studio.history(session)[-1].text

    silent = studio.change_music(session, made.id, None)
    assert silent.track is None and probe(silent.mp4).first("audio") is None
    with pytest.raises(InputError):
        studio.change_music(session, made.id, "no-such-track")
    with pytest.raises(InputError):
        studio.change_music(studio.open_session(None, None), made.id, "tone")


def test_a_failed_render_is_told_in_the_chat(studio):
    session = studio.open_session(None, None)
    studio.say(session, "a red kite")
    job = studio.generate(session, ShotEdits(music="none"),
                          RenderOptions(engine="tiny", frames=6))  # not 4k+1
    outcome = render(studio, session, job.id)
    assert isinstance(outcome, str) and "4k+1" in outcome
    assert "did not finish" in studio.history(session)[-1].text
    assert studio.creations(session) == []


def test_options_say_what_is_missing(studio):
    assert studio.options(engine="tiny") == RenderOptions(engine="tiny")
    with pytest.raises(InputError):
        studio.options(engine="warp-drive")
    with pytest.raises(InputError, match="unknown model"):
        studio.options(engine="tiny", model="cogvideox-9z")


def test_length_and_aspect_go_with_the_shot_and_draw_again_keeps_them(studio):
    session = studio.open_session(None, None)
    studio.say(session, "a red kite over a beach")
    with pytest.raises(InputError, match="aspect must be"):
        studio.generate(session, ShotEdits(aspect="5:4"), TINY)
    job = studio.generate(session, ShotEdits(music="none", duration=1.0, aspect="9:16"),
                          RenderOptions(engine="tiny", steps=1))
    made = render(studio, session, job.id)
    video = probe(made.mp4).first("video")
    assert (video.width, video.height) == (124, 224)  # the tiny 9:16 frame, upscaled 2×
    again = studio.draw_again(session, made.id, RenderOptions(engine="tiny", steps=1))
    assert (again.spec.aspect, again.spec.duration) == ("9:16", 1.0)
    squared = studio.draw_again(session, made.id, RenderOptions(engine="tiny", steps=1),
                                aspect="1:1", duration=2.0)
    assert (squared.spec.aspect, squared.spec.duration) == ("1:1", 2.0)


def test_chat_turns_refine_command_and_restyle(studio):
    session = studio.open_session(None, "en")
    first = studio.say(session, "a lighthouse on a cliff")
    closer = studio.say(session, "closer")
    assert closer.intent == "refine" and closer.spec.idea == first.spec.idea
    assert closer.spec.camera != first.spec.camera and closer.spec.scene == first.spec.scene
    assert studio.say(session, "generate").intent == "generate"
    # No video yet: "share" says so instead of promising a link (issue #19), in either
    # language, and asks the page for nothing.
    early = studio.say(session, "share it")
    assert early.intent == "unclear" and "no finished video to share yet" in early.reply
    zh_session = studio.open_session(None, "zh")
    studio.say(zh_session, "灯塔在悬崖上")
    assert "还没有做好的视频" in studio.say(zh_session, "分享").reply
    quiet = studio.say(session, "no music")
    assert (quiet.intent, quiet.music, quiet.spec.music) == ("change_music", "none", "none")
    again = studio.say(session, "draw again")
    assert again.intent == "draw_again" and again.spec.seed != closer.spec.seed
    zh = studio.say(session, "猎豹卧在草地上")
    assert zh.intent in ("new_idea", "refine") and "猎豹" not in zh.spec.prompt


def test_style_chips_and_the_styles_tab_reach_the_shot(studio):
    session = studio.open_session(None, "en")
    studio.choose_style(session, "cinematic")  # before any idea: kept for the first one
    assert studio.say(session, "a fox in the snow").spec.style == "cinematic"
    studio.choose_style(session, None)
    assert studio.current_spec(session).style is None
    said = studio.use_style(session, "oil-painting")
    assert "Style set to **Oil Painting**" in said
    assert studio.current_spec(session).style == "oil-painting"
    assert studio.history(session)[-1].text == said
    assert "Changed" not in said and said.count(".") <= 1  # one plain sentence (#19)


@pytest.mark.parametrize("language, idea, picked, look, gone", [
    ("en", "an oil painting of a cheetah lying in the grass", "ink-wash", "Chinese ink-wash",
     "oil-painting"),
    ("en", "an anime fox running through the snow", "watercolor", "soft watercolor", "anime"),
    ("en", "a cinematic shot of a lighthouse in a storm", "pixel-art", None, "cinematic"),
    ("zh", "水墨画风格的山间瀑布", "oil-painting", "painterly oil-painting", "ink-wash"),
])
def test_a_new_style_replaces_the_old_looks_words(studio, language, idea, picked, look, gone):
    """Issue #19: after "Use this style" (or a chip) the camera no longer names the look the
    idea asked for; it names the picked style's, or none when the style has no look words."""
    for pick in ("tab", "chip"):
        session = studio.open_session(None, language)
        before = studio.say(session, idea).spec.camera
        assert gone.replace("-", " ") in before.replace("-", " ").lower(), before
        if pick == "tab":
            said = studio.use_style(session, picked)
            assert "look words" in said or "画风描述" in said
        else:
            studio.choose_style(session, picked)
        camera = studio.current_spec(session).camera
        assert gone.replace("-", " ") not in camera.replace("-", " ").lower(), (pick, camera)
        if look:
            assert look in camera, (pick, camera)
        assert not camera.lower().startswith(("a a", "an a ", "a an", "an an")), camera
        assert studio.current_spec(session).style == picked


def test_stop_cancels_the_render_and_says_so(studio):
    session = studio.open_session(None, "en")
    studio.say(session, "a slow river")
    job = studio.generate(session, ShotEdits(music="none"),
                          RenderOptions(engine="tiny", steps=200))
    assert studio.cancel(session, job.id)
    outcome = render(studio, session, job.id)
    assert isinstance(outcome, str) and "cancelled" in outcome
    assert studio.creations(session) == [] and studio.pending_job(session) is None


def test_what_a_render_had_to_change_is_said_in_the_chat(studio):
    session = studio.open_session(None, None)
    studio.say(session, "a red kite over a beach")
    job = studio.generate(session, ShotEdits(music="none", duration=60.0),
                          RenderOptions(engine="tiny", steps=1))
    render(studio, session, job.id)
    done = studio.history(session)[-1].text
    assert "Worth knowing" in done and "at most 6 s" in done and "60 s" in done


def test_a_full_disk_when_the_video_is_collected_keeps_it_for_later(studio):
    """A real EFBIG (a file-size limit, inherited by ffmpeg) while the GIF is written: the
    user is told in one sentence, nothing half-made is listed, and the video is collected
    once there is room."""
    import resource
    import signal

    session = studio.open_session(None, None)
    studio.say(session, "a red kite over a beach")
    job = studio.generate(session, ShotEdits(music="none"), RenderOptions(engine="tiny", steps=1))
    done = studio.queue.wait(job.id, session.owner, timeout=240)
    assert done is not None and done.status == "done", done
    limits = resource.getrlimit(resource.RLIMIT_FSIZE)
    ignored = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a failed write, not a kill
    try:
        resource.setrlimit(resource.RLIMIT_FSIZE, (512, limits[1]))
        with pytest.raises(InputError, match="disk is full.*It is kept"):
            studio.collect(session, done)
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, limits)
        signal.signal(signal.SIGXFSZ, ignored)
    assert studio.creations(session) == [] and studio.pending_job(session) == job.id
    assert not any(studio.layout.root.joinpath("staging").glob("*")) \
        if studio.layout.root.joinpath("staging").exists() else True
    made = studio.collect(session, done)  # room again: the same render becomes the video
    assert studio.creations(session)[0].id == made.id and made.gif.is_file()
