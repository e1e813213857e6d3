"""A process that writes to a data folder as fast as it can through the real stores — jobs
queued, claimed and finished, creations published and recorded, shared, deleted, a chat
state saved — and prints one line after each change is committed. test_faults_kill.py
kills it with SIGKILL mid-stream and checks that every printed change survived whole.

    python tests/fault_writer.py DATA_DIR SESSION_ID    (the checkout on PYTHONPATH, as
                                                     conftest.py sets it, or installed)
"""

from __future__ import annotations

import json
import sys

from store.creations import Creation, CreationStore, new_id
from store.db import Database
from store.jobs import JobOutcome, JobStore
from store.layout import DataLayout


def main(data_dir: str, session: str) -> None:
    layout = DataLayout(data_dir).ensure()
    db = Database(layout.db_path)
    jobs, creations = JobStore(db), CreationStore(db, layout)
    creations.ensure_session(session)
    say = lambda *words: print(*words, flush=True)  # noqa: E731 - after the commit only
    run, step = new_id()[:8], 0
    while True:
        step += 1
        row, _ = jobs.add(f"session:{session}", json.dumps({"idea": f"take {step}"}), "{}",
                          request_id=f"{run}-{step}")
        say("job", row.id)
        claimed = jobs.claim_next()
        if claimed is not None:
            jobs.finish(claimed.id, JobOutcome(mp4=f"jobs/{claimed.id}/clip.mp4",
                                               poster=f"jobs/{claimed.id}/clip.jpg",
                                               width=96, height=64, fps=8.0, frames=9,
                                               prompt="p", engine="tiny", model="tiny",
                                               seed=step))
            say("done", claimed.id)
        creation_id = new_id()
        staging = layout.staging_dir(creation_id)
        (staging / "video.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(4096))
        (staging / "poster.jpg").write_bytes(b"\xff\xd8" + bytes(1024))
        folder = layout.publish(staging, creation_id)
        creations.add_creation(Creation(
            id=creation_id, session_id=session, idea=f"take {step}", prompt="p",
            engine="tiny", model="tiny", seed=step, mp4=folder / "video.mp4",
            poster=folder / "poster.jpg", width=96, height=64, fps=16.0, frames=17))
        say("creation", creation_id)
        share = creations.share(creation_id, session)
        say("share", share.token, creation_id)
        if step % 3 == 0:
            creations.delete_creation(creation_id, session)
            say("deleted", creation_id)
        creations.save_state(session, {"step": step, "pad": "x" * 3000})
        say("state", step)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
