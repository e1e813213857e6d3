"""API keys: stored hashed, verified, revoked; the `keys` CLI; the rate limiter's buckets."""

import json

from api.auth import RateLimiter
from store.db import Database
from store.keys import KeyStore


def test_keys_are_stored_hashed_and_verify_only_when_whole(tmp_path):
    path = tmp_path / "app.db"
    keys = KeyStore(Database(path))
    key, secret_key = keys.create("shop", submits_per_minute=5, max_in_flight=2)
    key_id, secret = secret_key.split(".")
    assert key_id == key.id and len(secret) >= 40
    assert (key.submits_per_minute, key.max_in_flight, key.owner) == (5, 2, f"key:{key.id}")
    keys.db.close()
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    assert secret.encode() not in raw  # neither the database nor its WAL holds the secret

    keys = KeyStore(Database(path))
    assert keys.verify(secret_key).id == key.id
    assert keys.verify(f"  {secret_key} ").id == key.id
    assert keys.get(key.id).last_used_at is not None
    for wrong in (key_id, f"{key_id}.", f"{key_id}.{secret[:-1]}", f".{secret}", "", "a.b.c"):
        assert keys.verify(wrong) is None, wrong
    other, other_key = keys.create("other")
    assert keys.verify(f"{other.id}.{secret}") is None  # a secret belongs to its own id

    assert keys.revoke(key.id) and not keys.revoke(key.id)
    assert keys.verify(secret_key) is None and keys.verify(other_key).id == other.id
    assert [(k.id, k.active) for k in keys.list()] == [(key.id, False), (other.id, True)]


def test_rate_limiter_refills_evenly_per_bucket():
    now = [1000.0]
    limiter = RateLimiter(clock=lambda: now[0])
    assert [limiter.take("a", 3) for _ in range(3)] == [0.0, 0.0, 0.0]
    wait = limiter.take("a", 3)
    assert 19.9 < wait <= 20.0  # 3 a minute: one every 20 s
    assert limiter.take("b", 3) == 0.0  # another key has its own bucket
    now[0] += 20.0
    assert limiter.take("a", 3) == 0.0
    assert limiter.take("a", 3) > 0
    now[0] += 3600
    assert [limiter.take("a", 3) for _ in range(4)][:3] == [0.0] * 3  # bursts cap at 3


def test_keys_cli_create_list_revoke(run_cli, tmp_path):
    made = run_cli("keys", "create", "--name", "my shop", "--max-in-flight", "4", "--json")
    assert made.returncode == 0, made.stderr
    created = json.loads(made.stdout)
    assert created["name"] == "my shop" and created["key"].startswith(created["id"] + ".")

    plain = run_cli("keys", "create")
    assert plain.returncode == 0 and "shown only now" in plain.stdout

    listed = json.loads(run_cli("keys", "list", "--json").stdout)
    assert [k["id"] for k in listed][0] == created["id"] and len(listed) == 2
    assert listed[0]["max_in_flight"] == 4 and listed[0]["submits_per_minute"] == 10
    assert created["key"].split(".")[1] not in run_cli("keys", "list").stdout

    revoked = run_cli("keys", "revoke", created["key"])  # the whole key works as the id
    assert revoked.returncode == 0 and created["id"] in revoked.stdout
    again = run_cli("keys", "revoke", created["id"])
    assert again.returncode == 2 and again.stderr.startswith("error: no active key")
    assert "revoked" in run_cli("keys", "list").stdout

    for args in (("keys",), ("keys", "create", "--max-in-flight", "0"),
                 ("keys", "create", "--submits-per-minute", "many"), ("keys", "burn")):
        bad = run_cli(*args)
        assert bad.returncode == 2 and bad.stderr.count("\n") == 1, (args, bad.stderr)
