"""store/creations.py and store/layout.py: migrations, publishing, isolation, shares."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from store.creations import CREATIONS, Creation, CreationStore, new_id
from store.db import Database
from store.layout import DataLayout, UnsafePath


@pytest.fixture
def layout(tmp_path) -> DataLayout:
    return DataLayout(tmp_path / "data").ensure()


@pytest.fixture
def store(layout) -> CreationStore:
    return CreationStore(Database(layout.db_path), layout)


def publish(store: CreationStore, session_id: str, idea: str = "a cheetah") -> Creation:
    """Stage two small files, publish them and record the creation, as the UI does."""
    creation_id = new_id()
    staging = store.layout.staging_dir(creation_id)
    (staging / "video.mp4").write_bytes(b"mp4 " + idea.encode())
    (staging / "poster.jpg").write_bytes(b"jpg")
    folder = store.layout.publish(staging, creation_id)
    return store.add_creation(Creation(
        id=creation_id, session_id=session_id, idea=idea, prompt=f"close-up, {idea}",
        engine="tiny", model="tiny", seed=7, mp4=folder / "video.mp4",
        poster=folder / "poster.jpg", width=192, height=128, fps=16.0, frames=17,
        style="cinematic", test_pattern=True, spec={"idea": idea}))


def test_migration_creates_tables_once_in_wal(layout):
    db = Database(layout.db_path, [CREATIONS])
    db.close()
    db = Database(layout.db_path, [CREATIONS])  # reopening applies nothing again
    tables = {r["name"] for r in db.query("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"sessions", "messages", "creations", "shares"} <= tables
    assert db.query("SELECT version FROM schema_versions WHERE component='creations'")[0][0] \
        == len(CREATIONS.migrations)
    assert db.query("PRAGMA journal_mode")[0][0] == "wal"


def test_creation_round_trip_survives_reopen(layout, store):
    sid = new_id()
    store.ensure_session(sid)
    made = publish(store, sid, "a cheetah lying in the grass")
    assert made.mp4.read_bytes().startswith(b"mp4")
    assert made.duration == pytest.approx(17 / 16)
    store.db.close()
    reopened = CreationStore(Database(layout.db_path), layout)
    [again] = reopened.creations(sid)
    assert again == made
    assert again.spec == {"idea": "a cheetah lying in the grass"} and again.test_pattern


def test_sessions_see_only_their_own_creations_and_messages(store):
    alice, bob = new_id(), new_id()
    for sid in (alice, bob):
        store.ensure_session(sid)
    mine = publish(store, alice)
    store.add_message(alice, "user", "a cheetah")
    store.add_message(alice, "assistant", "here it is", creation_id=mine.id)
    assert store.creations(bob) == [] and store.messages(bob) == []
    assert store.creation(mine.id, bob) is None
    assert store.share(mine.id, bob) is None
    assert store.delete_creation(mine.id, bob) is False
    assert store.revoke(mine.id, bob) == 0
    assert [m.text for m in store.messages(alice)] == ["a cheetah", "here it is"]
    assert store.creation(mine.id, alice) is not None


def test_share_is_stable_revocable_and_unguessable(store):
    sid = new_id()
    store.ensure_session(sid)
    made = publish(store, sid)
    share = store.share(made.id, sid)
    assert len(share.token) >= 22 and store.share(made.id, sid).token == share.token
    assert store.shared(share.token).id == made.id
    assert store.shared(share.token[:-1] + ("A" if share.token[-1] != "A" else "B")) is None
    assert store.shared("") is None and store.shared("x" * 1000) is None
    assert store.revoke(made.id, sid) == 1
    assert store.shared(share.token) is None and store.active_share(made.id, sid) is None
    fresh = store.share(made.id, sid)  # sharing again makes a new link; the old stays dead
    assert fresh.token != share.token and store.shared(share.token) is None


def test_delete_removes_files_shares_and_unlinks_messages(store):
    sid = new_id()
    store.ensure_session(sid)
    made = publish(store, sid)
    store.add_message(sid, "assistant", "done", creation_id=made.id)
    token = store.share(made.id, sid).token
    assert store.delete_creation(made.id, sid)
    assert not made.mp4.parent.exists()
    assert store.shared(token) is None and store.creations(sid) == []
    [message] = store.messages(sid)
    assert message.creation_id is None and message.text == "done"


def test_state_language_and_message_order(store, layout):
    sid = new_id()
    store.ensure_session(sid)
    assert store.state(sid) == {}
    store.save_state(sid, {"spec": {"idea": "猎豹"}, "n": 1})
    store.set_language(sid, "zh")
    assert store.state(sid) == {"spec": {"idea": "猎豹"}, "n": 1}
    assert store.language(sid) == "zh"
    photo = layout.upload_path(sid, ".jpg")
    photo.write_bytes(b"jpeg")
    for i in range(5):
        store.add_message(sid, "user", f"m{i}", attachment=photo if i == 0 else None)
    assert [m.text for m in store.messages(sid, limit=3)] == ["m2", "m3", "m4"]
    assert store.messages(sid)[0].attachment == photo
    with pytest.raises(ValueError):
        store.add_message(sid, "system", "nope")


def test_update_files_changes_track_and_video(store):
    sid = new_id()
    store.ensure_session(sid)
    made = publish(store, sid)
    new_mp4 = made.mp4.parent / "video-2.mp4"
    new_mp4.write_bytes(b"mp4 with music")
    updated = store.update_files(made.id, sid, mp4=new_mp4, track="calm-01")
    assert updated.mp4 == new_mp4 and updated.track == "calm-01"
    assert store.update_files(made.id, sid).track == "calm-01"  # left out: kept
    assert store.update_files(made.id, sid, track=None).track is None
    assert store.update_files(made.id, new_id(), track="x") is None


def test_creation_files_must_live_in_its_folder(store, tmp_path):
    sid = new_id()
    store.ensure_session(sid)
    stray = tmp_path / "elsewhere.mp4"
    stray.write_bytes(b"x")
    with pytest.raises(ValueError):
        store.add_creation(Creation(
            id=new_id(), session_id=sid, idea="x", prompt="x", engine="tiny", model="tiny",
            seed=1, mp4=stray, poster=stray, width=1, height=1, fps=1, frames=1))


def test_unknown_session_cannot_own_a_creation(store):
    with pytest.raises(sqlite3.IntegrityError):
        publish(store, new_id())  # no ensure_session: the foreign key refuses it


def test_layout_refuses_paths_and_ids_that_leave_the_folder(layout, tmp_path):
    with pytest.raises(UnsafePath):
        layout.resolve("../outside.txt")
    with pytest.raises(UnsafePath):
        layout.relative(tmp_path / "outside.txt")
    for bad in ("../x", "a/b", "", "x" * 200, "dot.dot"):
        with pytest.raises(UnsafePath):
            layout.creation_dir(bad)
    with pytest.raises(UnsafePath):
        layout.upload_path("abc", ".jp/g")
    outside = tmp_path / "not-staging"
    outside.mkdir()
    with pytest.raises(UnsafePath):
        layout.publish(outside, "abc")


def test_publish_is_all_or_nothing_and_sweep_removes_only_old_staging(layout):
    staging = layout.staging_dir("render1")
    (staging / "video.mp4").write_bytes(b"whole")
    folder = layout.publish(staging, "c1")
    assert (folder / "video.mp4").read_bytes() == b"whole" and not staging.exists()
    with pytest.raises(FileExistsError):
        layout.publish(layout.staging_dir("render2"), "c1")
    old, new = layout.staging_dir("old"), layout.staging_dir("new")
    import os
    os.utime(old, (0, 0))
    assert layout.sweep_staging(older_than_s=3600) >= 1
    assert not old.exists() and new.exists()


def test_secret_is_made_once_and_kept(layout):
    first = layout.secret("browser-state")
    assert len(first) >= 32 and layout.secret("browser-state") == first
    assert (layout.root / "secrets" / "browser-state").stat().st_mode & 0o777 == 0o600


def test_concurrent_writers_lose_nothing(store):
    sid = new_id()
    store.ensure_session(sid)

    def write(n: int) -> None:
        for i in range(25):
            store.add_message(sid, "user", f"{n}-{i}")

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(store.messages(sid)) == 100
    assert store.db.query("PRAGMA integrity_check")[0][0] == "ok"
