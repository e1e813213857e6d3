"""The prompt rewriter's front door: a ShotSpec's idea → the formula prompt, camera → scene →
details, in English and inside the text encoder's 226 tokens.

`FormulaRewriter` (agent/formula_rewriter.py) works offline from the vocabularies in
agent/data; `agent.llm.LLMRewriter` asks a chat model and falls back to the formula.
`rewriter_from_env` picks one the way the environment says. This module sits above every
backend: none of them imports it."""

from __future__ import annotations

import os
from typing import Mapping

from agent.formula_rewriter import FormulaRewriter
from agent.llm import LLMRewriter
from agent.llm_endpoint import LLMConfig, timeout_from_env
from agent.llm_local import LocalChat, local_source
from agent.rewrite import BACKENDS, Rewrite, Rewriter, StyleHints, given, parts_given
from errors import InputError

# What callers of the rewriter use, whichever module defines it.
__all__ = ["BACKENDS", "FormulaRewriter", "Rewrite", "Rewriter", "StyleHints", "given",
           "parts_given", "rewriter_from_env"]


def rewriter_from_env(environ: Mapping[str, str] = os.environ,
                      formula: FormulaRewriter | None = None, *,
                      platform_key: str | None = None,
                      platform_url: str | None = None) -> Rewriter:
    """The rewriter the environment asks for.

    CLIPWRIGHT_REWRITER
      auto     (default) a chat endpoint when one is configured — CLIPWRIGHT_LLM_BASE_URL
               (+ _MODEL, _API_KEY), ZHIPUAI_API_KEY or OPENAI_API_KEY; else the local model
               CLIPWRIGHT_LLM_LOCAL names; else, on a CUDA host only, the first model of
               agent/data/local_llms.toml in the Hugging Face cache; else the offline formula
      llm      the same choice of model, but an error instead of the formula
      local    the local model only (CLIPWRIGHT_LLM_LOCAL, else the registry on a CUDA host)
      formula  the offline formula
    CLIPWRIGHT_LLM_LOCAL    a hub id (from the HF cache only, never downloaded) or a folder
    CLIPWRIGHT_LLM_TIMEOUT  seconds for a whole answer, either backend (default 20)
    platform_key: the Zhipu platform key the operator keeps for rendering (the Settings
    tab); when nothing above names a model, it drives the platform's GLM chat model too
    (`platform_url`: the platform's base URL, default Zhipu's open platform).
    Every LLM falls back to the formula, with a note, when it fails. Without CUDA and
    without settings this imports neither torch nor transformers."""
    formula = formula or FormulaRewriter()
    mode = environ.get("CLIPWRIGHT_REWRITER", "auto").strip().lower() or "auto"
    if mode not in ("auto", "formula", "llm", "local"):
        raise InputError(f"CLIPWRIGHT_REWRITER must be auto, formula, llm or local; "
                         f"got '{mode}'")
    if mode == "formula":
        return formula
    config = LLMConfig.from_env(environ) if mode != "local" else None
    if config is not None:
        return LLMRewriter(config, fallback=formula)
    timeout = timeout_from_env(environ)
    source = local_source(environ)
    if source is not None:
        return LLMRewriter(LocalChat(source), fallback=formula, timeout=timeout)
    if platform_key and mode != "local":  # the key kept for rendering: the platform's GLM
        return LLMRewriter(LLMConfig.for_platform(platform_key, platform_url, environ),
                           fallback=formula)
    if mode == "llm":
        raise InputError("CLIPWRIGHT_REWRITER=llm needs CLIPWRIGHT_LLM_BASE_URL (with "
                         "CLIPWRIGHT_LLM_MODEL), ZHIPUAI_API_KEY, OPENAI_API_KEY or "
                         "CLIPWRIGHT_LLM_LOCAL")
    if mode == "local":
        raise InputError("CLIPWRIGHT_REWRITER=local needs CLIPWRIGHT_LLM_LOCAL (a Hugging "
                         "Face hub id in the cache, or a model folder), or a CUDA GPU with a "
                         "model of agent/data/local_llms.toml in the Hugging Face cache")
    return formula
