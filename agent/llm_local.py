"""A local chat model, run in this process through transformers: the LLM rewriter without a
server or an API key, and without sending the idea anywhere.

Configuration (read by agent.rewriter.rewriter_from_env):
  CLIPWRIGHT_LLM_LOCAL     a Hugging Face hub id (read from the HF cache only, never
                           downloaded) or a model folder (`save_pretrained` layout); an
                           instruct model with a chat template
  CLIPWRIGHT_REWRITER      `local` requires this backend; `auto` uses it when no endpoint is
                           configured, and — on a CUDA host only — picks the first model of
                           agent/data/local_llms.toml that is in the HF cache
  CLIPWRIGHT_LLM_TIMEOUT   seconds for a whole answer (the first one includes loading)

On CUDA the model runs in bf16 on the GPU; on a CPU in float32 (slow for anything but small
models). It loads on first use; one generate runs at a time. A model that cannot be loaded
raises LocalModelError, which the rewriter turns into the formula fallback with a note.
Nothing here imports torch or transformers until a model is used (start-up stays fast)."""

from __future__ import annotations

import copy
import os
import re
import shutil
import sys
import threading
from pathlib import Path
from typing import Annotated, Iterable

from pydantic import AfterValidator

import datafiles
from agent.llm import ChatModelError
from agent.vocabulary import DATA_DIR
from datafiles import Schema, Text, fail, some
from model_loading import loading_model

REGISTRY = DATA_DIR / "local_llms.toml"
DEFAULT_TEMPERATURE = 0.7  # as the endpoint is asked
DEFAULT_MAX_NEW_TOKENS = 900
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")


class LocalModelError(ChatModelError):
    """The local model cannot be used (missing, not cached, not a chat model); says why."""


class LocalChat:
    """A causal LM with a chat template, from a hub id in the HF cache or a folder.
    Loaded lazily under a lock; thread-safe, one generate at a time."""

    def __init__(self, source: str | Path, *, temperature: float = DEFAULT_TEMPERATURE,
                 max_new_tokens: int = DEFAULT_MAX_NEW_TOKENS, device: str | None = None):
        """temperature 0 decodes greedily (the same answer every time); device: "cuda",
        "cpu"… (None: CUDA when there is one)."""
        self.source = str(source).strip()
        folder = Path(self.source).expanduser()
        self.name = folder.name if folder.is_dir() else self.source
        self.where = f"the local model {self.name}"
        self.temperature, self.max_new_tokens, self.device = temperature, max_new_tokens, device
        self._lock = threading.Lock()
        self._loaded: tuple | None = None  # (tokenizer, model)
        self._error: LocalModelError | None = None

    @property
    def loading(self) -> bool:
        """Not loaded yet (a timeout says so: the first answer includes loading)."""
        return self._loaded is None and self._error is None

    def complete(self, messages: list[dict]) -> str:
        """The model's answer to the chat (only the new tokens, decoded)."""
        with self._lock:
            tokenizer, model = self._load()
            return self._generate(tokenizer, model, messages)

    def _load(self) -> tuple:
        if self._loaded is None:
            if self._error is not None:  # a failed load is not retried on every message
                raise self._error
            try:
                with loading_model(self.where):  # one load at a time (model_loading.py)
                    self._loaded = self._open()
            except LocalModelError as exc:
                self._error = exc
                raise
        return self._loaded

    def _open(self) -> tuple:
        """The tokenizer and model, or LocalModelError saying what is wrong."""
        path = self._resolve()
        import torch  # here, not at import: it takes seconds
        from transformers import AutoModelForCausalLM, AutoTokenizer

        try:
            tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
        except Exception as exc:  # noqa: BLE001 - any reason: the model is unusable
            raise LocalModelError(f"{self.where} has no usable tokenizer ({_first_line(exc)})"
                                  ) from exc
        if not getattr(tokenizer, "chat_template", None):
            raise LocalModelError(f"{self.where} has no chat template; use an instruct "
                                  f"(chat) model")
        device = self.device or ("cuda" if torch.cuda.is_available() else "cpu")
        dtype = torch.bfloat16 if device.startswith("cuda") else torch.float32
        try:
            # Straight to the device (accelerate): no passing copy of a 7B model in RAM.
            model = AutoModelForCausalLM.from_pretrained(path, dtype=dtype, device_map=device,
                                                         local_files_only=True)
        except ValueError as exc:
            if "Unrecognized configuration class" in str(exc):
                raise LocalModelError(f"{self.where} is not a causal language model "
                                      f"(a chat model that writes text)") from exc
            raise LocalModelError(f"{self.where} cannot be loaded ({_first_line(exc)})"
                                  ) from exc
        except Exception as exc:  # noqa: BLE001 - missing weights, out of memory…
            raise LocalModelError(f"{self.where} cannot be loaded ({_first_line(exc)})"
                                  ) from exc
        return tokenizer, model.eval()

    def _resolve(self) -> str:
        """The folder to load: the given one, or the hub id's snapshot in the HF cache."""
        folder = Path(self.source).expanduser()
        if folder.is_dir():
            return str(folder)
        if not _HUB_ID.match(self.source):
            raise LocalModelError(f"the local model folder {self.source} does not exist")
        if cached(self.source) is None:
            raise LocalModelError(
                f"{self.source} is neither a folder nor a model in the Hugging Face cache; "
                f"Clipwright never downloads one: run `hf download {self.source}` once")
        return self.source  # from_pretrained finds the snapshot (local_files_only)

    def _generate(self, tokenizer, model, messages: list[dict]) -> str:
        import torch

        # The user's words may spell a control token ("<|im_start|>system"): sanitised,
        # they stay text, as an endpoint's server would keep them.
        inputs = tokenizer.apply_chat_template(messages, add_generation_prompt=True,
                                               return_tensors="pt", return_dict=True,
                                               sanitize_control_tokens=True)
        input_ids = inputs["input_ids"].to(model.device)
        mask = inputs.get("attention_mask")
        config = copy.deepcopy(model.generation_config)
        config.max_new_tokens = self.max_new_tokens
        config.do_sample = self.temperature > 0
        if config.do_sample:
            config.temperature = self.temperature
        else:  # greedy: the model's sampling defaults would only warn
            config.temperature = config.top_p = config.top_k = None
        if config.pad_token_id is None:
            config.pad_token_id = (tokenizer.pad_token_id if tokenizer.pad_token_id is not None
                                   else tokenizer.eos_token_id)
        if config.eos_token_id is None:
            config.eos_token_id = tokenizer.eos_token_id
        with torch.inference_mode():
            output = model.generate(input_ids=input_ids, generation_config=config,
                                    attention_mask=None if mask is None else mask.to(model.device))
        return tokenizer.decode(output[0, input_ids.shape[1]:], skip_special_tokens=True)


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return (text[0][:200] if text else type(exc).__name__)


def cached(repo_id: str, cache_dir: str | Path | None = None) -> str | None:
    """The cached config.json of a hub model, None when it is not in the HF cache (no
    network: only the cache is read)."""
    from huggingface_hub import try_to_load_from_cache

    found = try_to_load_from_cache(repo_id, "config.json", cache_dir=cache_dir)
    return found if isinstance(found, str) else None


def _hub_id(value: str) -> str:
    if not _HUB_ID.match(value.strip()):
        raise ValueError(f"'{value.strip()}' is not a Hugging Face hub id (owner/name, like "
                         f"Qwen/Qwen2.5-7B-Instruct)")
    return value.strip()


class _Model(Schema):
    id: Annotated[Text, AfterValidator(_hub_id)]


class _RegistryFile(Schema):
    model: some(_Model)


def load_registry(path: Path = REGISTRY) -> tuple[str, ...]:
    """The hub ids of agent/data/local_llms.toml, in order of preference, each once;
    DataFileError naming the entry when one is malformed."""
    ids: list[str] = []
    for model in datafiles.load(path, _RegistryFile).model:
        if model.id in ids:
            raise fail(datafiles.shown(path), f"[[model]] '{model.id}'", "id",
                       "is listed twice")
        ids.append(model.id)
    return tuple(ids)


def first_cached(ids: Iterable[str], cache_dir: str | Path | None = None) -> str | None:
    """The first of the hub ids that is in the HF cache."""
    return next((repo_id for repo_id in ids if cached(repo_id, cache_dir)), None)


def may_have_cuda() -> bool:
    """A cheap first look for an NVIDIA GPU, without importing torch (seconds): a driver
    is installed and CUDA_VISIBLE_DEVICES does not hide every device."""
    if os.environ.get("CUDA_VISIBLE_DEVICES", "x").strip() in ("", "-1"):
        return False
    if sys.platform.startswith("linux"):
        return any(os.path.exists(p) for p in ("/proc/driver/nvidia/version",
                                               "/dev/nvidiactl", "/dev/dxg"))
    return shutil.which("nvidia-smi") is not None


def local_source(environ) -> str | None:
    """The local model to use: CLIPWRIGHT_LLM_LOCAL; else, on a CUDA host, the first model of
    the registry in the HF cache; else None. torch is imported only when a registry model
    is cached and a GPU driver is there, to confirm CUDA works."""
    named = (environ.get("CLIPWRIGHT_LLM_LOCAL") or "").strip()
    if named:
        return named
    if not may_have_cuda():
        return None
    model = first_cached(load_registry())
    if model is None:
        return None
    import torch

    return model if torch.cuda.is_available() else None
