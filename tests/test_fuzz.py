"""Fuzzing the text and request edges with hypothesis: the formula rewriter (any unicode,
English and Chinese word salads) and the API's request schema (any JSON value). Each answers
with a result or its own clear error — InputError, ApiError — and nothing else. Bounded:
a few seconds per test."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from agent.formula import MAX_TOKENS, estimate_tokens
from agent.glossary import has_cjk
from agent.reading import emoji_as_words, without_unreadable
from agent.rewriter import FormulaRewriter, Rewrite
from agent.shot import ShotSpec
from api.errors import ApiError
from api.platform import load_rules
from api.schemas import GenerationBody, Render, parse_body, plan_render
from errors import InputError

FUZZ = settings(max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
FORMULA = FormulaRewriter()
NOUNS = sorted(FORMULA.vocabulary.nouns)
PHRASES = sorted({m for entries in FORMULA.vocabulary.entries.values()
                  for entry in entries for m in (entry.en, *entry.match) if m})
CHINESE = sorted(FORMULA.glossary.words)
GLUE_EN = ["a", "the", "and", "with", "in", "at", "of", "slowly", "make", "it", "video",
           "please", "closer", "no", "not", ",", ".", "!", "?", "'s", "-", "\n"]
PRONOUNS = {"a", "an", "the", "he", "she", "it", "they", "him", "her", "them", "i", "me",
            "we", "us", "you"}
GLUE_ZH = ["，", "。", "的", "在", "上", "一只", "和", "！", "？", "、", "请", "不要", " "]


def english_ideas() -> st.SearchStrategy[str]:
    word = st.one_of(st.sampled_from(NOUNS), st.sampled_from(PHRASES),
                     st.sampled_from(GLUE_EN), st.text(max_size=8))
    return st.lists(word, max_size=90).map(" ".join)


def chinese_ideas() -> st.SearchStrategy[str]:
    word = st.one_of(st.sampled_from(CHINESE), st.sampled_from(GLUE_ZH),
                     st.sampled_from(NOUNS), st.text(max_size=4),
                     st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF).map(str))
    return st.lists(word, max_size=120).map("".join)


def check_rewrite(idea: str, *, photo: bool = False, seed: int = 1) -> None:
    """The rewriter's contract: a usable English prompt inside the encoder's limit, or an
    InputError that says why — for any text at all."""
    spec = ShotSpec(idea=idea, seed=seed, source_image="photo.jpg" if photo else None)
    try:
        rewrite = FORMULA.rewrite(spec)
    except InputError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    assert isinstance(rewrite, Rewrite) and rewrite.backend in ("formula", "given")
    prompt = rewrite.prompt
    assert prompt.strip() and "{" not in prompt and "}" not in prompt
    assert estimate_tokens(prompt) <= MAX_TOKENS, (idea, prompt)
    # Words it cannot read (other scripts, endless runs of letters) are left out and said.
    # (emoji are read as their words first, as the reader does: "☀" is "sun with rays")
    readable = emoji_as_words(idea.replace("{", "(").replace("}", ")"))
    for word in without_unreadable(readable)[1]:
        assert word.rstrip("…") not in prompt, (idea, prompt)
        assert any(word in warning for warning in rewrite.warnings), (idea, rewrite.warnings)
    # Nothing is cut without a word: the subject is there, or the user is told it was cut.
    subject = rewrite.spec.subject.lower().split()
    if subject and subject[-1] not in PRONOUNS and not photo:  # a photo's is "him", "it"…
        letters = lambda text: "".join(c for c in text.lower() if c.isalnum())  # noqa: E731
        assert letters(subject[-1]) in letters(prompt) or rewrite.composition.shortened, \
            (idea, prompt)
    if rewrite.composition is not None and rewrite.composition.shortened:
        assert any(str(MAX_TOKENS) in warning for warning in rewrite.warnings)
    assert all(isinstance(w, str) and w for w in rewrite.warnings)
    json.dumps(rewrite.to_dict(), ensure_ascii=False)  # the CLI's --json never fails


@FUZZ
@given(st.text(max_size=300), st.booleans())
def test_the_formula_takes_any_unicode(idea, photo):
    check_rewrite(idea, photo=photo)


@FUZZ
@given(english_ideas(), st.integers(0, 2**31 - 1))
def test_the_formula_takes_english_word_salad(idea, seed):
    check_rewrite(idea, seed=seed)


@FUZZ
@given(chinese_ideas(), st.integers(0, 2**31 - 1), st.booleans())
@example("希望，airplaneairplane00000000", 0, False)  # an occasion dropped the unreadable note
def test_the_formula_takes_chinese_word_salad(idea, seed, photo):
    check_rewrite(idea, seed=seed, photo=photo)
    try:
        rewrite = FORMULA.rewrite(ShotSpec(idea=idea, seed=seed))
    except InputError:
        return
    # Chinese the glossary does not know is reported, never passed on to the encoder.
    assert not has_cjk(rewrite.prompt), (idea, rewrite.prompt)


# --- the API's request schema -------------------------------------------------------------------

RULES = load_rules()
KNOWN = frozenset({"tiny", "cogvideox-2b"})
JSON_SCALARS = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True)
                | st.text(max_size=40))
JSON_VALUES = st.recursive(JSON_SCALARS, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.text(max_size=10), inner, max_size=4),
                           max_leaves=12)
PLAUSIBLE = {
    "model": st.sampled_from(sorted(RULES.model_aliases | KNOWN) + ["sora", ""]),
    "prompt": st.text(max_size=60) | st.just("a" * 2001) | st.just("a cat\x00"),
    "image_url": st.sampled_from([None, "", "ftp://x", "data:image/png;base64,AAAA", []]),
    "quality": st.sampled_from([None, "speed", "quality", "best", ""]),
    "with_audio": st.sampled_from([None, True, False, "yes", 1]),
    "size": st.sampled_from([None, "720x480", "1440 × 960", "1x1", "0x0", "99999x99999", "x"]),
    "fps": st.sampled_from([None, 8, 16, 30, 60, 0, -1, 10**20, 16.5, "16"]),
    "duration": st.sampled_from([None, 1, 5, 10, 0, -5, 1e308, float("nan"), float("inf")]),
    "aspect_ratio": st.sampled_from([None, "16:9", "9:16", "1:1", "0:0", "a:b", "16:9:4",
                                     "99999:1", ""]),
    "request_id": st.text(max_size=20), "user_id": st.text(max_size=20),
    "style": st.sampled_from([None, "cinematic", "nope", ""]),
    "music": st.sampled_from([None, "auto", "none", "../x", ""]),
    "seed": st.sampled_from([None, 0, -1, 2**63, 2**63 - 1, 1.5, "7"]),
    "sensitive_word_check": JSON_VALUES,  # ignored by the platform's rules, any value
}


def bodies() -> st.SearchStrategy[dict]:
    """Mostly well-shaped bodies with odd values, some with a stray field."""
    fields = st.fixed_dictionaries({}, optional={k: v | JSON_SCALARS if k != "model" else v
                                                 for k, v in PLAUSIBLE.items()})
    stray = st.dictionaries(st.text(max_size=12), JSON_SCALARS, max_size=2)
    return st.tuples(fields, stray, st.booleans()).map(
        lambda parts: {**parts[0], **(parts[1] if parts[2] else {})})


def check_request(data: object) -> None:
    """parse_body then plan_render: a Render or an ApiError (400), for any JSON value."""
    try:
        body = parse_body(data, RULES)
    except ApiError as exc:
        assert exc.status == 400 and exc.message
        return
    assert isinstance(body, GenerationBody)
    try:
        render = plan_render(body, RULES, engine="tiny", default_model=None,
                             known_models=KNOWN)
    except ApiError as exc:
        assert exc.status == 400 and exc.message and "\n" not in exc.message
        return
    assert isinstance(render, Render)
    spec = render.spec_without_image
    assert spec.idea.strip() and len(spec.idea) <= RULES.max_prompt_chars
    if spec.duration is not None:
        assert RULES.min_duration_s <= spec.duration <= RULES.max_duration_s


@FUZZ
@given(JSON_VALUES)
def test_any_json_value_is_a_body_or_a_400(data):
    check_request(data)


@settings(FUZZ, max_examples=200)
@given(bodies())
def test_odd_bodies_are_a_render_or_a_400(data):
    check_request(data)


@FUZZ
@given(st.binary(max_size=200))
def test_raw_bytes_never_pass_as_a_body(raw):
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        return  # what the route answers as "not valid JSON"
    assume(not isinstance(data, dict))
    with pytest.raises(ApiError):
        parse_body(data, RULES)
