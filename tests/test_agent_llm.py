"""The LLM rewriter against a real chat-completions server started here on 127.0.0.1: good
JSON is used, bad JSON is asked for again, and a timeout, an error or two bad answers fall
back to the offline formula — each visible to the user."""

from __future__ import annotations

import json

import pytest

from agent.conversation import Conversation, Session
from agent.formula import MAX_TOKENS, estimate_tokens
from agent.glossary import has_cjk
from agent.llm import LLMConfig, LLMOutputError, LLMRewriter, parse_answer
from agent.llm_endpoint import OPENAI_MODEL, ZHIPU_BASE_URL, ZHIPU_MODEL
from agent.rewriter import rewriter_from_env
from agent.shot import ShotSpec
from errors import InputError
from llm_support import GOOD, ChatServer

def llm(chat_server, formula, timeout: float = 10) -> LLMRewriter:
    config = LLMConfig.from_env({"CLIPWRIGHT_LLM_BASE_URL": chat_server.base_url,
                                 "CLIPWRIGHT_LLM_MODEL": "test-model",
                                 "CLIPWRIGHT_LLM_API_KEY": "k-123",
                                 "CLIPWRIGHT_LLM_TIMEOUT": str(timeout)})
    return LLMRewriter(config, fallback=formula)


def test_good_json_is_used(chat_server, formula):
    chat_server.script = [GOOD]
    result = llm(chat_server, formula).rewrite(ShotSpec(idea="a cat sleeping", seed=1))
    assert result.backend == "llm" and result.warnings == ()
    assert result.spec.camera == GOOD["camera"] and result.spec.details == GOOD["details"]
    assert result.spec.prompt.startswith("A close-up") and result.reply == "I kept it cosy."
    assert (result.spec.title, result.spec.mood) == ("Sleeping cat", "calm")
    [request] = chat_server.requests
    assert request["model"] == "test-model"
    assert chat_server.headers[0]["authorization"] == "Bearer k-123"
    system, user = request["messages"][0], request["messages"][-1]
    assert system["role"] == "system" and "camera" in system["content"]
    # The user's words travel as data inside JSON, never as the instructions themselves.
    assert json.loads(user["content"]) == {"task": "new_idea", "idea": "a cat sleeping",
                                           "photo": False, "language": "en"}


def test_bad_json_is_asked_for_again(chat_server, formula):
    chat_server.script = ["Sure! Here is a lovely prompt about a cat.", GOOD]
    result = llm(chat_server, formula).rewrite(ShotSpec(idea="a cat sleeping", seed=1))
    assert result.backend == "llm" and result.spec.scene == GOOD["scene"]
    assert len(chat_server.requests) == 2
    retry = chat_server.requests[1]["messages"]
    assert retry[-2]["role"] == "assistant" and "not usable" in retry[-1]["content"]
    assert any("asked again" in w for w in result.warnings)


def test_two_bad_answers_fall_back_to_the_formula(chat_server, formula):
    chinese = dict(GOOD, scene="一只猫在沙发上睡觉")
    chat_server.script = [chinese, {"camera": "A close-up."}]
    result = llm(chat_server, formula).rewrite(ShotSpec(idea="a cat sleeping", seed=1))
    assert result.backend == "formula" and len(chat_server.requests) == 2
    assert "twice an unusable answer" in result.warnings[0]
    assert "offline formula" in result.warnings[0]
    assert not has_cjk(result.spec.prompt) and "cat" in result.spec.camera


def test_an_answer_that_drops_the_place_is_asked_again_then_falls_back(chat_server, formula):
    chat_server.script = [GOOD, GOOD]  # a fine prompt, but of a cat anywhere, twice
    result = llm(chat_server, formula).rewrite(ShotSpec(idea="a cat sleeping in Venice", seed=1))
    assert result.backend == "formula" and len(chat_server.requests) == 2
    retry = chat_server.requests[1]["messages"][-1]["content"]
    assert retry.startswith("Your prompt lost what the user asked for:") and "Venice" in retry
    assert "keep every one of them" in retry
    note = result.warnings[0]
    assert "test-model at 127.0.0.1" in note and "left out what you asked for" in note
    assert "Venice" in note and "offline formula" in note
    assert "Venice" in result.prompt


def test_a_place_kept_on_the_second_answer_is_used(chat_server, formula):
    venice = dict(GOOD, scene="The scene is set in a small apartment in Venice in the late "
                  "afternoon, soft light from the canal falling across the cushions.")
    chat_server.script = [GOOD, venice]
    result = llm(chat_server, formula).rewrite(ShotSpec(idea="a cat sleeping in Venice", seed=1))
    assert result.backend == "llm" and "Venice" in result.spec.scene
    assert any("lost what you asked for" in w and "asked again" in w
               for w in result.warnings)


def test_a_timeout_falls_back_to_the_formula(chat_server, formula):
    chat_server.script = [("sleep", 4)]
    result = llm(chat_server, formula, timeout=1).rewrite(ShotSpec(idea="一只猫在沙发上睡觉",
                                                            seed=2))
    assert result.backend == "formula" and len(chat_server.requests) == 1
    assert "within 1 s" in result.warnings[0] and "离线公式" in result.warnings[0]
    assert "cat" in result.spec.camera and estimate_tokens(result.spec.prompt) <= MAX_TOKENS


def test_an_http_error_falls_back(chat_server, formula):
    chat_server.script = [("status", 500)]
    result = llm(chat_server, formula).rewrite(ShotSpec(idea="a cat sleeping", seed=1))
    assert result.backend == "formula" and "HTTP 500" in result.warnings[0]


def test_a_server_that_is_gone_falls_back(formula):
    chat = ChatServer()
    chat.close()
    result = llm(chat, formula, timeout=3).rewrite(ShotSpec(idea="a cat", seed=1))
    assert result.backend == "formula" and "could not reach" in result.warnings[0]


def test_photo_requests_say_so_and_need_a_movement(chat_server, formula, tmp_path):
    photo = tmp_path / "p.jpg"
    photo.write_bytes(b"x")
    motion = dict(GOOD, camera="A slow push in on the cat, keeping the original framing.")
    chat_server.script = [GOOD, motion]  # the first names no movement the photo engine knows
    result = llm(chat_server, formula).rewrite(ShotSpec(idea="make the cat breathe",
                                                   source_image=photo, seed=1))
    assert json.loads(chat_server.requests[0]["messages"][-1]["content"])["photo"] is True
    assert result.backend == "llm" and "push in" in result.spec.camera


def test_parse_answer_checks_everything():
    fenced = "```json\n" + json.dumps(dict(GOOD, mood="groovy", intent="refine")) + "\n```"
    fields = parse_answer(fenced)
    assert fields["mood"] == "" and fields["intent"] == "refine"
    for broken, reason in [(dict(GOOD, camera=""), "'camera' is missing"),
                           (dict(GOOD, details="细节"), "not in English"),
                           (dict(GOOD, scene="light " * 400), "too long"),
                           (dict(GOOD, camera="Wide.", scene="Sea.", details="Waves."),
                            "too short"),
                           ([1, 2], "no JSON object")]:
        with pytest.raises(LLMOutputError, match=reason):
            parse_answer(json.dumps(broken))
    over = dict(GOOD, details=" ".join(["glistening"] * 90))
    with pytest.raises(LLMOutputError, match="tokens"):
        parse_answer(json.dumps(over))


def test_config_from_the_environment():
    assert LLMConfig.from_env({}) is None
    zhipu = LLMConfig.from_env({"ZHIPUAI_API_KEY": "z"})
    assert (zhipu.base_url, zhipu.model, zhipu.api_key) == (ZHIPU_BASE_URL, ZHIPU_MODEL, "z")
    openai = LLMConfig.from_env({"OPENAI_API_KEY": "o", "CLIPWRIGHT_LLM_MODEL": "gpt-x"})
    assert (openai.base_url, openai.model, openai.provider) == (None, "gpt-x", "openai")
    assert LLMConfig.from_env({"OPENAI_API_KEY": "o"}).model == OPENAI_MODEL
    local = LLMConfig.from_env({"CLIPWRIGHT_LLM_BASE_URL": "http://127.0.0.1:1/v1",
                                "CLIPWRIGHT_LLM_MODEL": "qwen", "ZHIPUAI_API_KEY": "z"})
    assert local.provider == "custom" and local.api_key == "not-needed"
    assert "qwen at 127.0.0.1:1" == local.where
    for env, message in [({"CLIPWRIGHT_LLM_BASE_URL": "http://x/v1"}, "CLIPWRIGHT_LLM_MODEL"),
                         ({"CLIPWRIGHT_LLM_BASE_URL": "ftp://x", "CLIPWRIGHT_LLM_MODEL": "m"},
                          "http"),
                         ({"OPENAI_API_KEY": "o", "CLIPWRIGHT_LLM_TIMEOUT": "soon"}, "seconds")]:
        with pytest.raises(InputError, match=message):
            LLMConfig.from_env(env)


def test_rewriter_from_env(formula):
    assert rewriter_from_env({}, formula) is formula
    assert rewriter_from_env({"ZHIPUAI_API_KEY": "z", "CLIPWRIGHT_REWRITER": "formula"},
                             formula) is formula
    assert isinstance(rewriter_from_env({"ZHIPUAI_API_KEY": "z"}, formula), LLMRewriter)
    with pytest.raises(InputError, match="needs CLIPWRIGHT_LLM_BASE_URL"):
        rewriter_from_env({"CLIPWRIGHT_REWRITER": "llm"}, formula)
    with pytest.raises(InputError, match="auto, formula, llm or local"):
        rewriter_from_env({"CLIPWRIGHT_REWRITER": "gpt"}, formula)


def test_a_conversation_through_the_llm(chat_server, formula):
    chat = Conversation(llm(chat_server, formula))
    session = Session()
    chat_server.script = [GOOD]
    first = chat.turn(session, "a cat sleeping on a sofa")
    assert first.intent == "new_idea" and first.spec.camera == GOOD["camera"]
    assert "Camera: A close-up" in first.text and "I kept it cosy." in first.text

    night = dict(GOOD, intent="refine", scene="The scene is set in a dark living room at "
                 "night, lit by a single warm lamp, with a hushed, calm mood.",
                 reply="Only the scene changed to night.")
    chat_server.script = [night]
    refined = chat.turn(session, "make it night")
    assert refined.intent == "refine" and refined.changed == ("scene",)
    assert refined.spec.camera == GOOD["camera"] and "night" in refined.spec.scene
    request = json.loads(chat_server.requests[-1]["messages"][-1]["content"])
    assert request["task"] == "refine" and request["message"] == "make it night"
    assert request["current"]["scene"] == GOOD["scene"]
    assert any(m["role"] == "assistant" for m in chat_server.requests[-1]["messages"][1:-1])

    chat_server.script = [("status", 503)]  # the model is down: rules take over, and say so
    closer = chat.turn(session, "closer")
    assert closer.intent == "refine" and closer.changed == ("camera",)
    assert "HTTP 503" in closer.text and closer.spec.scene == refined.spec.scene


def test_the_llm_can_say_a_message_is_a_new_idea(chat_server, formula):
    chat = Conversation(llm(chat_server, formula))
    session = Session()
    chat_server.script = [GOOD, dict(GOOD, intent="new_idea", subject="a dog",
                                camera=GOOD["camera"].replace("cat", "dog"), scene=BEACH)]
    chat.turn(session, "a cat sleeping on a sofa")
    reply = chat.turn(session, "actually, a dog running on the beach")
    assert reply.intent == "new_idea" and "dog" in reply.spec.camera
    assert reply.spec.idea == "actually, a dog running on the beach"
    assert len(chat_server.requests) == 2 and reply.rewrite.backend == "llm"


BEACH = ("The scene is set on a sandy beach in the late afternoon, low sun glittering on the "
         "waves, with a bright, playful mood.")


def test_a_new_idea_in_the_chat_is_held_to_its_facts_a_refinement_is_not(chat_server, formula):
    chat = Conversation(llm(chat_server, formula))
    session = Session()
    chat_server.script = [GOOD]
    chat.turn(session, "a cat sleeping on a sofa")
    dog = dict(GOOD, intent="new_idea", subject="a dog",
               camera=GOOD["camera"].replace("cat", "dog"), scene=BEACH)
    # The new idea is in Venice; the answer forgets it twice as a refinement, and twice
    # more when the rules, seeing a new idea, ask for one.
    chat_server.script = [dog] * 4
    reply = chat.turn(session, "now a dog running on the beach in Venice")
    assert len(chat_server.requests) == 5 and reply.intent == "new_idea"
    assert "lost the place 'Venice'" in reply.text and "offline formula" in reply.text
    assert "Venice" in reply.spec.prompt and reply.rewrite.backend == "formula"
    # A refinement may drop what the idea named: the user asked for the change.
    elsewhere = dict(dog, intent="refine", scene=BEACH.replace("a sandy beach", "a quiet "
                                                               "pebble shore"))
    chat_server.script = [elsewhere]
    refined = chat.turn(session, "put it on a pebble shore instead")
    assert len(chat_server.requests) == 6 and refined.intent == "refine"
    assert "pebble shore" in refined.spec.scene


def test_a_refinement_is_held_to_the_shot_as_refined(chat_server, formula):
    """"make it night" may change the light, not lose the two white cats, and it must bring
    the night: an answer that does not is asked for again, then the rules refine instead."""
    chat = Conversation(llm(chat_server, formula))
    session = Session()
    two = {k: v.replace("a cat", "two white cats") for k, v in GOOD.items()}
    chat_server.script = [two]
    chat.turn(session, "two white cats sleeping on a sofa")
    assert "two white cats" in session.spec.camera
    lost = dict(GOOD, intent="refine", scene=GOOD["scene"].replace("late afternoon", "night"))
    chat_server.script = [lost, lost]
    reply = chat.turn(session, "make it night")
    assert len(chat_server.requests) == 3 and reply.intent == "refine"
    assert "two white cats" in reply.spec.camera and "night" in reply.spec.scene
    assert "lost the count 'two'" in reply.text and "offline formula" in reply.text
    # A faithful refinement is taken as the model wrote it.
    kept = dict(two, intent="refine", scene=two["scene"].replace("night", "dawn"))
    kept["scene"] = kept["scene"].replace("late afternoon", "dawn")
    chat_server.script = [kept]
    reply = chat.turn(session, "make it dawn")
    assert len(chat_server.requests) == 4 and reply.spec.scene == kept["scene"]
