"""Issue #20: a full disk is a read-only mode with one clear sentence. The page's session
opens, its chat and videos still show, a chat turn or a render answers the sentence in the
user's language, and `serve` starts on a full disk and says so in one line. The disks are
real tmpfs mounts (root only; skipped elsewhere), filled with fallocate."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import httpx
import pytest
from api_support import stop_process
from fault_support import ROOT
from studio_support import open_test_services
from test_disk_complete import fill, needs_tmpfs, small_disk

from errors import InputError
from studio.director import Director, RenderOptions
from studio.i18n import load_strings
from studio.session import ShotEdits
from video.engines.pool import EnginePool

pytestmark = needs_tmpfs
TINY = RenderOptions(engine="tiny", steps=1)


def test_a_full_disk_still_shows_the_chat_and_answers_one_sentence(engine_settings):
    """Before: opening the folder on a full disk raised "OperationalError: disk I/O error"
    (WAL's shared-memory file could not be made), the page's load raised "database or disk
    is full" (it marked the session seen), so nothing could be seen at all."""
    strings = load_strings()
    with small_disk("4m") as disk:
        data = disk / "data"
        services = open_test_services(data, Director(EnginePool(engine_settings)))
        studio = services.studio
        english = studio.open_session(None, "en")
        studio.say(english, "a paper boat on a puddle")
        chinese = studio.open_session(None, "zh")
        studio.say(chinese, "雨中的纸船")
        services.close()
        fill(disk)  # not a byte left

        services = open_test_services(data, Director(EnginePool(engine_settings)))
        try:
            assert services.full_at_open and "is full" in services.disk_note
            services.start()  # no "internal error": the workers wait for space
            studio = services.studio
            again = studio.open_session({"sid": english.session_id, "lang": "en"}, None)
            assert len(studio.history(again)) == 2  # the chat still shows
            assert studio.current_spec(again) is not None
            for session, language in ((again, "en"), (chinese, "zh")):
                sentence = strings.text(language, "error_disk_full_now")
                with pytest.raises(InputError) as said:
                    studio.say(session, "a red kite over the sea")
                assert str(said.value) == sentence
                with pytest.raises(InputError) as rendered:
                    studio.generate(session, ShotEdits(music="none"), TINY)
                assert str(rendered.value) == sentence
        finally:
            services.close()


@pytest.mark.slow
def test_serve_starts_on_a_full_disk_and_says_so(tmp_path, shared_cache, engine_settings):
    """Before: `serve` on a full disk printed "internal error: OperationalError: disk I/O
    error" and exited. Now it starts, says in one line that it serves read-only, and the page
    answers."""
    env = dict(os.environ, CLIPWRIGHT_CACHE_DIR=str(shared_cache), HF_HUB_OFFLINE="1")
    with small_disk("4m") as disk:
        data = disk / "data"  # a folder a server has used: every table is made
        used = open_test_services(data, Director(EnginePool(engine_settings)))
        used.layout.secret("browser-state")  # the page's key, made on the first serve
        used.close()
        fill(disk)
        errors = tmp_path / "stderr.log"  # not on the full disk
        with open(errors, "wb") as log:
            process = subprocess.Popen(
                [sys.executable, str(ROOT / "app.py"), "serve", "--port", "0", "--engine",
                 "tiny", "--data-dir", str(data)], cwd=tmp_path, env=env,
                stdout=subprocess.PIPE, stderr=log, text=True)
            try:
                url = None
                for _ in range(4):  # "starting on …", then "running on …"
                    line = process.stdout.readline()
                    match = re.search(r"running on (http://127\.0\.0\.1:\d+)", line)
                    if match:
                        url = match[1]
                        break
                said = errors.read_text()
                assert url, said
                assert "is full: serving read-only" in said and "internal error" not in said
                assert httpx.get(url + "/", timeout=30).status_code == 200
            finally:
                stop_process(process)
