"""The API's door after issue #20: strict types (no string or boolean becomes a number), the
limits every door shares (seed, the characters of request_id and user_id), prompts the
offline rewriter cannot read refused at once, and retries that are safe: the same body under
a request_id answers the same task, a different body a 409.

The server runs no workers: what is checked is what the API takes, refuses and stores."""

from __future__ import annotations

import threading

import pytest

from agent.limits import check_seed
from api.config import ApiConfig
from api.server import build_app
from api_support import result, submit, thread_server
from studio.director import Director
from studio_support import open_test_services
from styles.presets import StyleLibrary
from video.engines.pool import EnginePool

OK = {"model": "cogvideox-3", "prompt": "a cheetah lying in the grass"}


@pytest.fixture(scope="module")
def idle(tmp_path_factory, engine_settings):
    data = tmp_path_factory.mktemp("api-strict") / "data"
    director = Director(EnginePool(engine_settings), styles=StyleLibrary.load(), music=None)
    services = open_test_services(data, director)
    with thread_server(build_app(services, ApiConfig(engine="tiny"))) as url:
        yield url, services
    services.db.close()


def new_key(services) -> str:
    return services.keys.create("strict", submits_per_minute=1000, max_in_flight=1000)[1]


def owner_of(key: str) -> str:
    return "key:" + key.split(".")[0]


def refused(answer) -> str:
    """The message of a platform-shaped 400."""
    assert answer.status_code == 400, answer.text
    error = answer.json()["error"]
    assert error["code"] == "1214"
    return error["message"]


# Before #20 each of these was a 200: "5" and true became seconds (true → 1 s), 1 a soundtrack.
COERCED = [
    ({"duration": "5"}, "'duration'"), ({"duration": True}, "'duration'"),
    ({"duration": False}, "'duration'"), ({"fps": "16"}, "'fps'"), ({"fps": True}, "'fps'"),
    ({"seed": "7"}, "'seed'"), ({"seed": True}, "'seed'"), ({"seed": 7.0}, "'seed'"),
    ({"with_audio": 1}, "'with_audio'"), ({"with_audio": "true"}, "'with_audio'"),
    ({"prompt": 42}, "'prompt'"), ({"request_id": 42}, "'request_id'"),
]


@pytest.mark.parametrize("fields,words", COERCED, ids=[f"coerced{i}" for i in range(len(COERCED))])
def test_no_string_or_boolean_becomes_a_number(idle, fields, words):
    url, services = idle
    key = new_key(services)
    assert words in refused(submit(url, key, {**OK, **fields}))
    assert services.queue.list(owner_of(key)) == []


def test_numbers_of_the_right_type_are_still_taken(idle):
    url, services = idle
    key = new_key(services)
    answer = submit(url, key, {**OK, "duration": 5, "fps": 16, "seed": 7, "with_audio": False})
    assert answer.status_code == 200, answer.text
    job = services.queue.get(answer.json()["id"], owner_of(key))
    assert (job.spec.duration, job.options.fps, job.spec.seed) == (5.0, 16, 7)
    assert submit(url, key, {**OK, "duration": 5.5}).status_code == 200


@pytest.mark.parametrize("seed", [-1, 2**63, 2**80])
def test_a_seed_out_of_range_gets_the_sentence_every_door_uses(idle, seed):
    url, services = idle
    key = new_key(services)
    message = refused(submit(url, key, {**OK, "seed": seed}))
    with pytest.raises(ValueError) as shared:
        check_seed(seed)  # what the page (Studio.generate) and the CLI say
    assert message == f"field 'seed': {shared.value}"
    assert submit(url, key, {**OK, "seed": 2**63 - 1}).status_code == 200


@pytest.mark.parametrize("field", ["request_id", "user_id"])
@pytest.mark.parametrize("text,words", [
    ("order\x00-1", "control characters (U+0000)"), ("order\x1b[2J", "control characters"),
    ("order-\u202e1", "text-direction character (U+202E)"), ("\u2066order\u2069", "U+2066"),
], ids=["nul", "escape", "rlo", "isolate"])
def test_ids_refuse_the_characters_an_idea_may_not_hold(idle, field, text, words):
    url, services = idle
    key = new_key(services)
    message = refused(submit(url, key, {**OK, field: text}))
    assert f"'{field}'" in message and words in message
    assert services.queue.list(owner_of(key)) == []
    # Any other text is an id as typed: Chinese, a right-to-left mark, emoji.
    for fine in ("订单-42", "order\u200f-42", "🎬-1"):
        assert submit(url, key, {**OK, field: fine}).status_code == 200


@pytest.mark.parametrize("prompt", ["a", "x", "asdf qwer", "the thing from yesterday"])
def test_a_prompt_the_rewriter_cannot_read_is_refused_at_once(idle, prompt):
    """Before: 200, then a task that failed while rewriting."""
    url, services = idle
    key = new_key(services)
    message = refused(submit(url, key, {**OK, "prompt": prompt}))
    assert message.startswith("prompt: ") and len(message) < 300
    assert services.queue.list(owner_of(key)) == []


def test_a_photo_needs_no_readable_prompt(idle):
    from test_api_requests import photo_b64

    url, services = idle
    key = new_key(services)
    answer = submit(url, key, {"model": "cogvideox-3", "image_url": photo_b64(),
                               "prompt": "slow push in"})
    assert answer.status_code == 200, answer.text


def test_a_request_id_sent_again_with_another_body_is_a_409(idle):
    url, services = idle
    key = new_key(services)
    first = submit(url, key, {**OK, "request_id": "order-7"})
    assert first.status_code == 200
    for changed in ({"prompt": "a red fox in the snow"}, {"seed": 3}, {"with_audio": True},
                    {"user_id": "someone else"}, {"duration": 5}):
        answer = submit(url, key, {**OK, **changed, "request_id": "order-7"})
        assert answer.status_code == 409, (changed, answer.text)
        error = answer.json()["error"]
        assert error["code"] == "1409"
        assert "order-7" in error["message"] and first.json()["id"] in error["message"]
    # The same request again — keys in another order, a default spelled out — is the task.
    again = submit(url, key, {"request_id": "order-7", "music": None, **OK})
    assert again.status_code == 200 and again.json() == first.json()
    assert len(services.queue.list(owner_of(key))) == 1
    assert result(url, key, first.json()["id"]).status_code == 200


def test_two_bodies_sent_together_under_one_request_id_make_one_task_and_one_409(idle):
    url, services = idle
    key = new_key(services)
    answers = {}

    def send(prompt: str) -> None:
        answers[prompt] = submit(url, key, {**OK, "prompt": prompt, "request_id": "race"})

    for _ in range(3):
        with services.db.transaction() as conn:
            conn.execute("DELETE FROM jobs WHERE owner = ?", (owner_of(key),))
        answers.clear()
        threads = [threading.Thread(target=send, args=(p,)) for p in
                   ("a red fox in the snow", "a white owl at night")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        codes = sorted(a.status_code for a in answers.values())
        assert codes == [200, 409], {p: a.text for p, a in answers.items()}
        jobs = services.queue.list(owner_of(key))
        winner = next(p for p, a in answers.items() if a.status_code == 200)
        assert len(jobs) == 1 and jobs[0].spec.idea == winner


def test_a_task_sent_before_digests_were_kept_is_answered_as_before(idle):
    """A row from before the migration has no digest: the first repeat is taken as its
    request (as every repeat was), and later ones are held to it."""
    url, services = idle
    key = new_key(services)
    first = submit(url, key, {**OK, "request_id": "old"}).json()
    with services.db.transaction() as conn:
        conn.execute("UPDATE jobs SET request_digest = NULL WHERE id = ?", (first["id"],))
    assert submit(url, key, {**OK, "request_id": "old"}).json() == first
    changed = submit(url, key, {**OK, "prompt": "a red fox in the snow", "request_id": "old"})
    assert changed.status_code == 409
