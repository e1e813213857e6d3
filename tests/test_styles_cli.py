"""`python app.py styles` and `generate --style` as a user runs them."""

from __future__ import annotations

import json

from styles.presets import StyleLibrary

LIBRARY = StyleLibrary.load()


def test_styles_json_lists_every_preset_with_what_the_gallery_needs(run_cli):
    result = run_cli("styles", "--json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [row["id"] for row in rows] == list(LIBRARY.ids())
    ink = next(row for row in rows if row["id"] == "ink-wash")
    assert ink["name"] == {"en": "Chinese Ink Wash", "zh": "水墨"}
    assert "{prompt}" in ink["prompt_template"] and ink["negative_prompt"]
    assert ink["music_moods"][0] == "chinese-traditional"
    assert "mono" in [step["filter"] for step in ink["grade"]]
    assert ink["thumbnail"].endswith("styles/assets/ink-wash.webp")


def test_styles_prints_a_readable_list_in_either_language(run_cli):
    english = run_cli("styles")
    assert english.returncode == 0, english.stderr
    assert "cinematic  —  Cinematic" in english.stdout and "grade:     curve(" in english.stdout
    assert f"{len(LIBRARY)} styles" in english.stdout and "look preview" in english.stdout
    chinese = run_cli("styles", "--zh")
    assert "ink-wash  —  水墨" in chinese.stdout


def test_styles_filters_documents_every_filter_and_parameter(run_cli):
    result = run_cli("styles", "--filters", "--json")
    assert result.returncode == 0, result.stderr
    filters = {row["filter"]: row for row in json.loads(result.stdout)}
    assert {"mono", "curve", "split_tone", "grain", "letterbox", "kuwahara"} <= set(filters)
    letterbox = filters["letterbox"]["params"][0]
    assert letterbox == {"name": "aspect", "type": "float", "default": 2.39, "range": [1, 4]}
    palette = next(p for p in filters["pixelate"]["params"] if p["name"] == "palette")
    assert palette["type"] == "pico-8 | game-boy | levels"


def test_generate_refuses_an_unknown_style_before_rendering(run_cli):
    result = run_cli("generate", "a cat", "--engine", "tiny", "--style", "oil-paint")
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: unknown style 'oil-paint'")
    assert "did you mean 'oil-painting'" in lines[0] and "pixel-art" in lines[0]
