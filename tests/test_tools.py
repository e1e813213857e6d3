"""tools/ holds the build-time tools (the music composer, the style-gallery builder): the app
never imports them, and their entry points answer."""

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOT_THE_APP = {"tools", "tests", "bench", "deploy"}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    return names


def test_the_app_never_imports_the_build_tools():
    offenders = []
    for path in ROOT.rglob("*.py"):
        relative = path.relative_to(ROOT)
        if relative.parts[0] in NOT_THE_APP or any(p.startswith(".") for p in relative.parts):
            continue
        if any(name == "tools" or name.startswith("tools.") for name in imported_modules(path)):
            offenders.append(str(relative))
    assert offenders == []


def test_the_entry_points_answer():
    for module in ("tools.compose_music", "tools.style_gallery"):
        done = subprocess.run([sys.executable, "-m", module, "--help"], cwd=ROOT,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0 and f"python -m {module}" in done.stdout, done.stderr
