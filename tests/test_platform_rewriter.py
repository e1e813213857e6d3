"""The operator's platform key writes prompts too: a Zhipu key kept on the Settings tab (or
given as ZHIPUAI_API_KEY) brings the platform's GLM chat model to the rewriter when the
environment names no other model — set or removed on the page, the next message follows.
Real data folders, real engine pools, and a real chat endpoint on 127.0.0.1; nothing leaves
this machine (a rewriter aimed at Zhipu itself is checked as an object, never asked)."""

from __future__ import annotations

import pytest

from agent.llm import LLMRewriter
from agent.llm_endpoint import ZHIPU_BASE_URL, ZHIPU_MODEL
from agent.rewriter import FormulaRewriter, rewriter_from_env
from agent.shot import ShotSpec
from errors import InputError
from studio.director import Director
from studio.parts import Settings, build
from studio_support import open_test_services
from llm_support import GOOD
from video.engines.pool import EnginePool

KEY = "0123456789abcdef0123456789abcdef.AbCdEfGhIjKlMnOp"


def test_a_platform_key_alone_brings_the_platforms_chat_model(formula):
    rewriter = rewriter_from_env({}, formula, platform_key=KEY)
    assert isinstance(rewriter, LLMRewriter) and rewriter.fallback is formula
    config = rewriter.chat.config
    assert (config.base_url, config.api_key, config.model, config.provider) == (
        ZHIPU_BASE_URL, KEY, ZHIPU_MODEL, "zhipu")
    named = rewriter_from_env({"CLIPWRIGHT_LLM_MODEL": "glm-4-plus"}, formula, platform_key=KEY)
    assert named.chat.config.model == "glm-4-plus"


def test_what_the_environment_names_comes_first(formula, chat_server):
    assert rewriter_from_env({"CLIPWRIGHT_REWRITER": "formula"}, formula,
                             platform_key=KEY) is formula
    custom = rewriter_from_env({"CLIPWRIGHT_LLM_BASE_URL": chat_server.base_url,
                                "CLIPWRIGHT_LLM_MODEL": "local-model"}, formula, platform_key=KEY)
    assert custom.chat.config.model == "local-model" and custom.chat.config.api_key != KEY
    with pytest.raises(InputError, match="CLIPWRIGHT_LLM_LOCAL"):  # local means local only
        rewriter_from_env({"CLIPWRIGHT_REWRITER": "local"}, formula, platform_key=KEY)
    assert rewriter_from_env({}, formula, platform_key=None) is formula


def test_the_key_is_sent_to_the_platforms_chat_endpoint(formula, chat_server):
    rewriter = rewriter_from_env({}, formula, platform_key=KEY, platform_url=chat_server.base_url)
    chat_server.script = [GOOD]
    rewrite = rewriter.rewrite(ShotSpec(idea="a cat sleeping on a sofa", seed=1))
    assert rewrite.spec.camera == GOOD["camera"] and rewrite.backend == "llm"
    assert chat_server.headers[-1]["authorization"] == f"Bearer {KEY}"
    assert chat_server.requests[-1]["model"] == ZHIPU_MODEL


def test_setting_and_removing_the_key_on_the_page_changes_who_writes(tmp_path,
                                                                    engine_settings):
    director = Director(EnginePool(engine_settings))
    services = open_test_services(tmp_path / "data", director)
    try:
        assert not isinstance(director.rewriter, LLMRewriter)
        services.studio.platform_key.save(KEY, "en")
        assert isinstance(director.rewriter, LLMRewriter)
        assert director.conversation.llm is director.rewriter  # the chat follows too
        assert director.rewriter.chat.config.api_key == KEY
        services.studio.platform_key.remove("en")
        assert isinstance(director.rewriter, FormulaRewriter) and director.conversation.llm is None
    finally:
        services.db.close()


def test_a_key_for_another_platform_renders_but_does_not_write(tmp_path, engine_settings):
    """A second Clipwright as the platform (CLIPWRIGHT_CLOUD_BASE_URL) serves no chat model."""
    settings = engine_settings.__class__(**{**engine_settings.__dict__,
                                            "cloud_base_url": "http://127.0.0.1:9/api/paas/v4"})
    director = Director(EnginePool(settings))
    services = open_test_services(tmp_path / "data", director)
    try:
        services.studio.platform_key.save(KEY, "en")
        assert not isinstance(director.rewriter, LLMRewriter)
        assert director.engines.get("auto", "t2v").name == "cloud"
    finally:
        services.db.close()


def test_a_kept_key_writes_from_the_start(tmp_path, engine_settings):
    settings = engine_settings.__class__(**{**engine_settings.__dict__, "cloud_api_key": KEY})
    parts = build(Settings(data_dir=tmp_path / "data", engines=settings, env={}))
    assert isinstance(parts.director.rewriter, LLMRewriter)
    assert isinstance(build(Settings(data_dir=tmp_path / "data", engines=engine_settings,
                                     env={})).director.rewriter, FormulaRewriter)
