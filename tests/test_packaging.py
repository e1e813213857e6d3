"""pyproject.toml: the `clipwright` package holds every part of the app and every file it
reads, and its console script is app.main. (Building a wheel takes too long for a test;
tests/README.md says how to check one by hand.)"""

from __future__ import annotations

import fnmatch
import tomllib
from importlib import metadata

from tests.conftest import ROOT

PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
SETUPTOOLS = PROJECT["tool"]["setuptools"]
# Top-level folders and modules that are not the app: they stay out of the package.
NOT_THE_APP = {"bench", "tests", "tools"}


def app_folders() -> list[str]:
    """Every package of the checkout (dotted): top-level folders with an __init__.py and
    the packages inside them, bench/, tools/ and tests/ aside."""
    tops = [folder for folder in ROOT.iterdir()
            if (folder / "__init__.py").is_file() and folder.name not in NOT_THE_APP]
    return sorted(".".join(init.parent.relative_to(ROOT).parts)
                  for top in tops for init in top.rglob("__init__.py"))


def test_every_package_and_module_of_the_app_is_in_the_package():
    assert sorted(SETUPTOOLS["packages"]) == app_folders()
    modules = {path.stem for path in ROOT.glob("*.py")} - {"setup", "conftest"}
    assert set(SETUPTOOLS["py-modules"]) >= modules, modules - set(SETUPTOOLS["py-modules"])


def test_every_file_the_app_reads_is_package_data():
    globs = SETUPTOOLS["package-data"]
    missed = []
    for package in SETUPTOOLS["packages"]:
        folder = ROOT.joinpath(*package.split("."))
        for path in folder.rglob("*"):
            inner = path.relative_to(folder)
            # .pyi: the typing stub Gradio writes beside a component subclass (not data)
            if (not path.is_file() or path.suffix in (".py", ".pyc", ".pyi")
                    or path.name == "README.md"
                    or "__pycache__" in inner.parts):
                continue
            if inner.parent != folder and (folder / inner.parts[0] / "__init__.py").is_file():
                continue  # a subpackage's file: its own entry says
            if not any(fnmatch.fnmatch(inner.as_posix(), glob) for glob in globs.get(package, ())):
                missed.append(f"{package}: {inner.as_posix()}")
    assert not missed, missed


def test_the_console_script_is_app_main():
    assert PROJECT["project"]["scripts"] == {"clipwright": "app:main"}
    import app

    assert callable(app.main)
    try:  # installed (tests/run.sh installs the checkout in editable mode): the same entry
        installed = metadata.distribution("clipwright").entry_points
    except metadata.PackageNotFoundError:
        return
    assert [(e.name, e.value) for e in installed if e.group == "console_scripts"] == \
        [("clipwright", "app:main")]
