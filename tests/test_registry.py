"""The model registry is data, validated on load; memory savers follow free GPU memory."""

import pytest

from errors import InputError
from video.engines.memory import plan_memory
from errors import DataFileError
from video.engines.registry import find_model, load_registry


def test_registry_has_the_cogvideox_family():
    models = load_registry()
    for model_id in ("cogvideox-2b", "cogvideox-5b", "cogvideox-5b-i2v", "cogvideox1.5-5b",
                     "cogvideox1.5-5b-i2v"):
        info = models[model_id]
        assert info.hub_id and info.max_tokens == 226
    assert (models["cogvideox-5b"].width, models["cogvideox-5b"].height) == (720, 480)
    assert models["cogvideox-5b"].frames == 49 and models["cogvideox-5b"].fps == 8
    assert models["cogvideox1.5-5b"].frames == 81 and models["cogvideox1.5-5b"].fps == 16


def test_unknown_model_lists_the_known_ones():
    with pytest.raises(InputError, match="unknown model 'cogvideox-9b'.*cogvideox-5b"):
        find_model("cogvideox-9b", load_registry())


@pytest.mark.parametrize("mutation, message", [
    ('task = "t2v"', 'task = "x2y"'),
    ("width = 720", "width = 721"),
    ("frames = 49", "frames = 50"),
])
def test_a_broken_registry_names_the_model_and_key(tmp_path, mutation, message):
    from video.engines.registry import REGISTRY_FILE

    text = REGISTRY_FILE.read_text().replace(mutation, message, 1)
    broken = tmp_path / "models.toml"
    broken.write_text(text)
    with pytest.raises(DataFileError, match=r"models.toml: \[\[model\]\] 'cogvideox-2b': field "):
        load_registry(broken)


def test_unknown_key_is_named(tmp_path):
    from video.engines.registry import REGISTRY_FILE

    broken = tmp_path / "models.toml"
    broken.write_text(REGISTRY_FILE.read_text().replace("fps = 8", "fps = 8\nfsp = 8", 1))
    with pytest.raises(DataFileError, match=r"'cogvideox-2b': field 'fsp': unknown field"):
        load_registry(broken)


def test_memory_plan_follows_free_memory():
    info = load_registry()["cogvideox-5b"]
    assert plan_memory(info, 80.0).offload == "none"
    assert not plan_memory(info, 80.0).vae_tiling
    assert plan_memory(info, 20.0).offload == "model"
    assert plan_memory(info, 8.0).offload == "sequential"
    assert plan_memory(info, 8.0).vae_tiling
    assert plan_memory(info, 80.0, offload="sequential", vae_tiling="on").offload == "sequential"
    assert plan_memory(info, None).offload == "none"  # CPU: nothing to save
