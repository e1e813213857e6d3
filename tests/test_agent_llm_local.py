"""The local LLM backend (agent/llm_local.py) on real transformers classes: a tiny chat model
built here — a byte-level BPE tokenizer with a ChatML template and a 2-layer Qwen2 — loaded
by folder through LocalChat. Random weights give garbage (asked again, then the formula, with
a note); trained for a few seconds to memorise one answer, it is used end to end; one that
drops the idea's place is refused by the fidelity guard. Plus the configuration: which
backend the environment picks, the registry file, and a start-up that never imports torch."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

from errors import DataFileError
from agent.glossary import has_cjk
from agent.llm import LLMRewriter, user_turn
from agent.llm_endpoint import EndpointChat
from agent.llm_local import REGISTRY, LocalChat, first_cached, load_registry
from agent.rewriter import FormulaRewriter, rewriter_from_env
from agent.shot import ShotSpec
from errors import InputError
from test_agent_llm import GOOD

ROOT = Path(__file__).resolve().parents[1]
IDEA = "a cat sleeping on a sofa"
IDEA_VENICE = "a cat sleeping on a sofa in Venice"  # the memorised answer drops Venice
CHATML = ("{% for m in messages %}{{ '<|im_start|>' + m['role'] + '\\n' + m['content'] + "
          "'<|im_end|>\\n' }}{% endfor %}{% if add_generation_prompt %}"
          "{{ '<|im_start|>assistant\\n' }}{% endif %}")


class Recorder:
    """A ChatModel that records what LLMRewriter sends and answers nothing."""

    name, where = "recorder", "the recorder"

    def __init__(self):
        self.sent: list[list[dict]] = []

    def complete(self, messages: list[dict]) -> str:
        self.sent.append(list(messages))
        return ""


def first_request(idea: str) -> list[dict]:
    """The messages LLMRewriter sends for a new idea (system prompt + the idea as JSON)."""
    recorder = Recorder()
    LLMRewriter(recorder, fallback=FormulaRewriter()).rewrite(ShotSpec(idea=idea, seed=1))
    return recorder.sent[0]


def build_tokenizer(system: str):
    from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    corpus = [json.dumps(GOOD), IDEA_VENICE, user_turn(IDEA), system[:3000],
              json.dumps({"task": "new_idea", "idea": IDEA, "photo": False, "language": "en"})]
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.train_from_iterator(corpus * 10, trainers.BpeTrainer(
        vocab_size=700, special_tokens=["<|endoftext|>", "<|im_start|>", "<|im_end|>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    # The whole system prompt is one token: sequences stay short, so training takes a second.
    tok.add_tokens([AddedToken(system, normalized=False)])
    return PreTrainedTokenizerFast(tokenizer_object=tok, eos_token="<|im_end|>",
                                   pad_token="<|endoftext|>", chat_template=CHATML)


def tiny_model(tokenizer):
    from transformers import Qwen2Config, Qwen2ForCausalLM

    return Qwen2ForCausalLM(Qwen2Config(
        vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
        num_attention_heads=2, num_key_value_heads=2, max_position_embeddings=1024,
        tie_word_embeddings=True, bos_token_id=None, eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id))


def memorise(model, tokenizer, pairs: list[tuple[list[dict], str]], steps: int = 400) -> int:
    """Train until the model answers each request with its answer; the steps it took."""
    import torch

    batches = []
    for messages, answer in pairs:
        prompt = tokenizer.apply_chat_template(messages, add_generation_prompt=True,
                                               sanitize_control_tokens=True)["input_ids"]
        target = tokenizer(answer, add_special_tokens=False)["input_ids"]
        ids = torch.tensor([prompt + target + [tokenizer.eos_token_id]])
        labels = ids.clone()
        labels[0, :len(prompt)] = -100  # learn the answer, not the request
        batches.append((ids, labels))
    optimiser = torch.optim.AdamW(model.parameters(), lr=1e-2)
    model.train()
    for step in range(1, steps + 1):
        losses = [model(input_ids=ids, labels=labels).loss for ids, labels in batches]
        optimiser.zero_grad()
        sum(losses).backward()
        optimiser.step()
        if max(loss.item() for loss in losses) < 0.005:
            return step
    raise AssertionError(f"not memorised in {steps} steps: {[x.item() for x in losses]}")


@pytest.fixture(scope="session")
def tiny_chat_models(shared_cache) -> dict[str, Path]:
    """Two tiny chat models saved as folders: random weights, and one that memorised GOOD
    for IDEA and for IDEA_VENICE (which drops the place). Built once into the cache the
    xdist workers share (a few seconds on a CPU), keyed by what they were trained on."""
    import transformers

    requests = {idea: first_request(idea) for idea in (IDEA, IDEA_VENICE)}
    recipe = json.dumps([requests, GOOD, CHATML, transformers.__version__, 1]).encode()
    target = shared_cache / "models" / f"tiny-chat-{hashlib.sha256(recipe).hexdigest()[:12]}"
    if not (target / "trained" / "config.json").is_file():
        build_tiny_chat_models(requests, target)
    return {"random": target / "random", "trained": target / "trained"}


def build_tiny_chat_models(requests: dict[str, list[dict]], target: Path) -> None:
    """Build both, atomically: a half-built folder is never seen."""
    import torch

    torch.manual_seed(0)
    started = time.monotonic()
    tokenizer = build_tokenizer(requests[IDEA][0]["content"])
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        with one_thread():
            for name in ("random", "trained"):
                model = tiny_model(tokenizer)
                if name == "trained":
                    steps = memorise(model, tokenizer,
                                     [(requests[idea], json.dumps(GOOD)) for idea in requests])
                model.save_pretrained(staging / name)
                tokenizer.save_pretrained(staging / name)
        try:
            os.rename(staging, target)
        except OSError:  # another worker finished first; its models are the same
            if not (target / "trained" / "config.json").is_file():
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    print(f"tiny chat models in {time.monotonic() - started:.1f} s ({steps} steps)")


@contextlib.contextmanager
def one_thread():
    """Torch on one thread: ops this small only fight over a shared machine's cores (a
    training step took 100× longer on two busy threads than on one)."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


@pytest.fixture(scope="module", autouse=True)
def _one_thread():
    with one_thread():
        yield


def local(folder: Path, formula: FormulaRewriter, timeout: float = 60) -> LLMRewriter:
    """The rewriter on a tiny model, greedy; room for GOOD's ~250 tokens, no more."""
    return LLMRewriter(LocalChat(folder, temperature=0, max_new_tokens=300), fallback=formula,
                       timeout=timeout)


@pytest.fixture(scope="module")
def formula():
    return FormulaRewriter()


@pytest.mark.slow  # the tiny models take a few seconds to build
def test_random_weights_are_asked_again_then_the_formula_answers(tiny_chat_models, formula):
    result = local(tiny_chat_models["random"], formula).rewrite(ShotSpec(idea=IDEA, seed=4))
    assert result.backend == "formula"
    note = result.warnings[0]
    assert "twice an unusable answer from the local model random" in note
    assert "offline formula" in note
    assert "cat" in result.spec.camera and not has_cjk(result.prompt)
    assert len(result.prompt.split()) >= 25


@pytest.mark.slow  # the tiny models take a few seconds to build
def test_a_memorised_answer_is_used_end_to_end(tiny_chat_models, formula):
    rewriter = local(tiny_chat_models["trained"], formula)
    result = rewriter.rewrite(ShotSpec(idea=IDEA, seed=1))
    assert result.backend == "llm" and result.warnings == ()
    assert (result.spec.camera, result.spec.scene, result.spec.details) == (
        GOOD["camera"], GOOD["scene"], GOOD["details"])
    assert result.reply == GOOD["reply"] and result.spec.title == GOOD["title"]
    # Thread-safe: two at once get the same (greedy) answer, one generate at a time.
    answers: list[str] = []
    threads = [threading.Thread(target=lambda: answers.append(rewriter.chat.complete(
        first_request(IDEA)))) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert answers == [json.dumps(GOOD)] * 2


@pytest.mark.slow  # the tiny models take a few seconds to build
def test_an_answer_that_drops_the_place_falls_back(tiny_chat_models, formula):
    result = local(tiny_chat_models["trained"], formula).rewrite(
        ShotSpec(idea=IDEA_VENICE, seed=1))
    assert result.backend == "formula"
    note = result.warnings[0]
    assert "the local model trained left out what you asked for" in note and "Venice" in note
    assert "Venice" in result.prompt  # the formula kept it


@pytest.mark.slow  # the tiny models take a few seconds to build
def test_a_model_still_loading_times_out_and_says_so(tiny_chat_models, formula):
    result = local(tiny_chat_models["trained"], formula, timeout=0.01).rewrite(
        ShotSpec(idea=IDEA, seed=1))
    assert result.backend == "formula"
    assert ("no answer from the local model trained within 0.01 s; it is still loading"
            in result.warnings[0])


@pytest.mark.slow  # the tiny models take a few seconds to build
def test_models_that_cannot_be_loaded_fall_back_with_the_reason(tiny_chat_models, formula,
                                                                 tmp_path):
    from transformers import AutoTokenizer, T5Config

    template_less = tmp_path / "no-template"
    tokenizer = AutoTokenizer.from_pretrained(tiny_chat_models["trained"])
    tokenizer.chat_template = None
    tokenizer.save_pretrained(template_less)
    not_causal = tmp_path / "t5"
    AutoTokenizer.from_pretrained(tiny_chat_models["trained"]).save_pretrained(not_causal)
    T5Config(vocab_size=64, d_model=8, num_layers=1, num_heads=1).save_pretrained(not_causal)
    for source, reason in [(tmp_path / "missing", "does not exist"),
                           ("clipwright-test/no-such-model", "nor a model in the Hugging Face"),
                           (template_less, "has no chat template"),
                           (not_causal, "is not a causal language model")]:
        rewriter = rewriter_from_env({"CLIPWRIGHT_LLM_LOCAL": str(source)}, formula)
        result = rewriter.rewrite(ShotSpec(idea=IDEA, seed=1))
        assert result.backend == "formula", source
        assert reason in result.warnings[0] and "offline formula" in result.warnings[0]


@pytest.mark.slow  # the tiny models take a few seconds to build
def test_the_environment_picks_the_backend(tiny_chat_models, formula, monkeypatch):
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")  # no GPU: the registry is not consulted
    folder = str(tiny_chat_models["trained"])
    picked = rewriter_from_env({"CLIPWRIGHT_LLM_LOCAL": folder}, formula)
    assert isinstance(picked.chat, LocalChat) and picked.chat.where == "the local model trained"
    endpoint = rewriter_from_env({"CLIPWRIGHT_LLM_LOCAL": folder, "ZHIPUAI_API_KEY": "z"},
                                 formula)
    assert isinstance(endpoint.chat, EndpointChat)  # auto: a configured endpoint wins
    forced = rewriter_from_env({"CLIPWRIGHT_LLM_LOCAL": folder, "ZHIPUAI_API_KEY": "z",
                                "CLIPWRIGHT_REWRITER": "local",
                                "CLIPWRIGHT_LLM_TIMEOUT": "7"}, formula)
    assert isinstance(forced.chat, LocalChat) and forced.timeout == 7
    assert rewriter_from_env({}, formula) is formula
    with pytest.raises(InputError, match="=local needs CLIPWRIGHT_LLM_LOCAL"):
        rewriter_from_env({"CLIPWRIGHT_REWRITER": "local", "ZHIPUAI_API_KEY": "z"}, formula)
    with pytest.raises(InputError, match="or CLIPWRIGHT_LLM_LOCAL"):
        rewriter_from_env({"CLIPWRIGHT_REWRITER": "llm"}, formula)


def test_auto_without_cuda_or_settings_is_the_formula_and_never_imports_torch(tmp_path):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("CLIPWRIGHT_", "ZHIPUAI", "OPENAI"))}
    env.update(HF_HUB_CACHE=str(tmp_path), PYTHONPATH=str(ROOT))  # nothing cached
    code = ("import sys, time; t = time.monotonic(); import agent.rewriter as r; "
            "x = r.rewriter_from_env({}); print(type(x).__name__, "
            "'torch' in sys.modules, 'transformers' in sys.modules, time.monotonic() - t)")
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=tmp_path, text=True,
                         capture_output=True, timeout=60, check=True).stdout.split()
    # Not importing torch or transformers is the point (about 0.1 s here; they take
    # seconds): the modules are checked, not the clock, which a busy CI machine stretches.
    assert out[:3] == ["FormulaRewriter", "False", "False"], out


def test_the_registry_file_is_valid_and_a_broken_one_is_named(tmp_path):
    ids = load_registry(REGISTRY)
    assert ids[0] == "Qwen/Qwen2.5-7B-Instruct" and "THUDM/glm-4-9b-chat-hf" in ids
    for body, message in [
        ('[[model]]\nid = "Qwen/Qwen2.5-7B-Instruct"\n[[model]]\nid = 42\n',
         "[[model]] #2: field 'id': must be text, got 42"),
        ('[[model]]\nid = "qwen 7b"\n', "[[model]] 'qwen 7b': field 'id': 'qwen 7b' is not a Hugging Face hub id"),
        ('[[model]]\nid = "a/b"\nsize = 7\n', "[[model]] 'a/b': field 'size': unknown field"),
        ('[[model]]\nid = "a/b"\n[[model]]\nid = "a/b"\n', "[[model]] 'a/b': field 'id': is listed twice"),
        ("models = []\n", "field 'models': unknown field"), ("", "field 'model': needs at least one [[model]] entry"),
        ("[[model]\n", "not valid TOML")]:
        path = tmp_path / "local_llms.toml"
        path.write_text(body, encoding="utf-8")
        with pytest.raises(DataFileError, match=r"local_llms\.toml: .*" + re.escape(message)):
            load_registry(path)


def test_the_first_cached_registry_model_is_found_without_the_network(tmp_path):
    snapshot = tmp_path / "models--Qwen--Qwen2.5-3B-Instruct" / "snapshots" / "abc123"
    snapshot.mkdir(parents=True)
    (snapshot / "config.json").write_text("{}")
    (tmp_path / "models--Qwen--Qwen2.5-3B-Instruct" / "refs").mkdir()
    (tmp_path / "models--Qwen--Qwen2.5-3B-Instruct" / "refs" / "main").write_text("abc123")
    assert first_cached(load_registry(), cache_dir=tmp_path) == "Qwen/Qwen2.5-3B-Instruct"
    assert first_cached(load_registry(), cache_dir=tmp_path / "empty") is None
