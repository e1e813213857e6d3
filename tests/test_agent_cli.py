"""`python app.py rewrite IDEA`, and `generate` using the rewriter before the engine.
Runs call app.main in this process (conftest's run_cli); one runs a real process, to show
that a fresh interpreter gives the same prompt and prints nothing else."""

from __future__ import annotations

import json
import socket

import pytest

from agent.formula import MAX_TOKENS, estimate_tokens
from agent.glossary import has_cjk

KEYS = {"camera", "scene", "details", "prompt", "subject", "backend", "untranslated"}


def free_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def outcome(result) -> tuple[int, str, str]:
    """A run's (exit code, stdout, stderr)."""
    return result.returncode, result.stdout, result.stderr


@pytest.fixture(autouse=True)
def offline_rewriter(monkeypatch):
    """No LLM from the developer's environment leaks into these runs."""
    for name in ("CLIPWRIGHT_LLM_BASE_URL", "ZHIPUAI_API_KEY", "OPENAI_API_KEY",
                 "CLIPWRIGHT_REWRITER"):
        monkeypatch.delenv(name, raising=False)


def test_rewrite_json_is_deterministic_and_quiet(run_app_process, run_cli):
    idea = "写实描绘,近距离,猎豹卧在地上,身体微微起伏"
    first = run_app_process("rewrite", idea, "--seed", "3", "--json")
    assert first.returncode == 0, first.stderr
    assert first.stderr == ""  # jieba's start-up chatter is silenced
    data = json.loads(first.stdout)
    assert KEYS <= set(data)
    assert data["backend"] == "formula" and data["untranslated"] == [] and data["seed"] == 3
    assert data["prompt"] == " ".join([data["camera"], data["scene"], data["details"]])
    assert data["subject"] == "a cheetah" and "close-up" in data["camera"]
    assert not has_cjk(data["prompt"]) and estimate_tokens(data["prompt"]) <= MAX_TOKENS
    assert "来自你的" in data["reply"] and "a cheetah lying on the ground" in data["reply"]
    again = run_cli("rewrite", idea, "--seed", "3", "--json")
    assert json.loads(again.stdout)["prompt"] == data["prompt"]  # same seed, other process
    # (its own hash seed: nothing may depend on set or dict order of strings)


def test_rewrite_prints_the_prompt_and_notes(run_cli):
    code, out, err = outcome(run_cli("rewrite", "一只小猫在梦里飞，㐅㐆", "--seed", "1"))
    assert code == 0, err
    [line] = out.strip().splitlines()
    assert line.startswith("A") and "kitten" in line and "dream" in line
    assert err.startswith("note: ") and "㐅㐆" in err


def test_rewrite_passes_the_style_through(run_cli):
    code, out, err = outcome(run_cli("rewrite", "a lighthouse in a storm", "--style",
                                     "cinematic", "--seed", "2", "--json"))
    assert code == 0, err
    assert json.loads(out)["style"] == "cinematic"


@pytest.mark.parametrize("args,message", [
    (["rewrite", ""], "idea is empty"),
    (["rewrite", "㐅㐆"], "㐅㐆"),
    (["rewrite", "a zorblax dancing"], "zorblax"),
    (["rewrite", "做一个那个视频"], "要拍什么"),
    (["rewrite", "close-up, slow motion"], "say what the video should show"),
    (["rewrite", "a cat", "--image", "missing.jpg"], "no photo at"),
    (["rewrite", "a cat", "--seed", "-4"], "--seed must be"),
])
def test_rewrite_refuses_bad_input_in_one_line(run_cli, args, message):
    code, out, err = outcome(run_cli(*args))
    assert code == 2 and out == ""
    assert message in err and len(err.strip().splitlines()) == 1


def test_an_unreachable_llm_falls_back_and_says_so(run_cli, monkeypatch):
    monkeypatch.setenv("CLIPWRIGHT_LLM_BASE_URL", f"http://127.0.0.1:{free_port()}/v1")
    monkeypatch.setenv("CLIPWRIGHT_LLM_MODEL", "local-model")
    monkeypatch.setenv("CLIPWRIGHT_LLM_TIMEOUT", "5")
    code, out, err = outcome(run_cli("rewrite", "a cat sleeping on a sofa", "--seed", "4",
                                     "--json"))
    assert code == 0, err
    data = json.loads(out)
    assert data["backend"] == "formula" and "could not reach" in data["warnings"][0]
    assert "cat sleeping on a sofa" in data["camera"]


def test_generate_renders_the_rewritten_prompt(run_cli, tmp_path):
    out = tmp_path / "clip.mp4"
    result = run_cli("generate", "猎豹卧在地上", "--engine", "tiny", "--seed", "5", "--out",
                     str(out), "--music", "none", "--json")
    assert result.returncode == 0, result.stderr
    prompt = json.loads(result.stdout)["prompt"]
    code, stdout, _ = outcome(run_cli("rewrite", "猎豹卧在地上", "--seed", "5", "--json"))
    rewritten = json.loads(stdout)
    assert rewritten["prompt"] in prompt and "cheetah lying on the ground" in prompt
    assert not has_cjk(prompt)
