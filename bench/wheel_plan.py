"""Which carried wheels a GPU device run installs, judged on the device against what it has.

    python3 -m bench.wheel_plan .whl diffusers torchao     # on the device, before the suite

bench/gpu_wheels.sh carries diffusers and torchao with every dependency they declare; the
device already has most of them (a CUDA torch, numpy, transformers …). This installs the
named packages, then each dependency the device lacks or has at a version that does not
satisfy the requirement, and skips the rest, saying why on stdout ("install …" / "skip …" /
"conflict …" / "warn …" lines, which bench/gpu_session.sh copies into gpu.md). The paths to
install are written one a line to the file named by --install-list. Standard library only
(`packaging` from pip when not installed): it runs before anything is installed.
"""

from __future__ import annotations

import argparse
import sys
import zipfile
from dataclasses import dataclass
from email.parser import Parser
from importlib import metadata
from pathlib import Path

try:
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name, parse_wheel_filename
    from packaging.version import Version
except ImportError:  # a bare interpreter: pip vendors the same library
    from pip._vendor.packaging.requirements import Requirement
    from pip._vendor.packaging.utils import canonicalize_name, parse_wheel_filename
    from pip._vendor.packaging.version import Version

# torchao loads its C++ kernels only with a torch at least this new (torchao 0.18's notes);
# older, its int8/fp8 paths fall back to slower Python or fail, which the rows must say.
TORCHAO_TORCH_MIN = Version("2.11")


@dataclass(frozen=True)
class Wheel:
    """A carried wheel: its file, distribution name, version and declared requirements."""

    path: Path
    name: str
    version: Version
    requires: tuple[Requirement, ...]


def read_wheel(path: Path) -> Wheel:
    """Name, version and Requires-Dist (markers evaluated for this interpreter, no extras)."""
    name, version, _, _ = parse_wheel_filename(path.name)
    with zipfile.ZipFile(path) as archive:
        meta_name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        meta = Parser().parsestr(archive.read(meta_name).decode("utf-8"))
    requires = tuple(r for r in map(Requirement, meta.get_all("Requires-Dist") or ())
                     if r.marker is None or r.marker.evaluate({"extra": ""}))
    return Wheel(path, canonicalize_name(name), version, requires)


def installed_version(name: str) -> Version | None:
    """The device's version of a distribution, None when it has none."""
    try:
        return Version(metadata.version(name))
    except metadata.PackageNotFoundError:
        return None


def plan(wheels: dict[str, Wheel], targets: list[str], have=installed_version
         ) -> tuple[list[Wheel], list[str]]:
    """The wheels to install and one line per decision. `targets` are always installed; a
    dependency only when the device lacks it or its version does not satisfy a requirement."""
    chosen: dict[str, Wheel] = {}
    lines: list[str] = []
    queue: list[tuple[str, Requirement | None, str]] = [(canonicalize_name(t), None, "asked for")
                                                         for t in targets]
    seen: set[str] = set()
    while queue:
        name, requirement, why = queue.pop(0)
        if name in seen:
            continue
        seen.add(name)
        carried, device = wheels.get(name), have(name)
        if requirement is not None and device is not None and \
                requirement.specifier.contains(device, prereleases=True):
            lines.append(f"skip {name}: the device has {device}, {why} needs "
                         f"{requirement.specifier or 'any'}")
            continue
        if requirement is None and carried is not None and device == carried.version:
            lines.append(f"skip {name}: the device has {device} already")
            queue += [(canonicalize_name(r.name), r, f"{name} {device}") for r in carried.requires]
            continue
        if carried is None:
            lines.append(f"missing {name}: {why} needs {requirement.specifier if requirement else ''}"
                         f", the device has {device or 'none'} and no wheel is carried")
            continue
        chosen[name] = carried
        lines.append(f"install {name} {carried.version}: {why}"
                     + (f" needs {requirement.specifier}" if requirement else "")
                     + f" (the device has {device or 'none'})")
        queue += [(canonicalize_name(r.name), r, f"{name} {carried.version}")
                  for r in carried.requires]
    lines += conflicts(chosen)
    return list(chosen.values()), lines


def conflicts(chosen: dict[str, Wheel]) -> list[str]:
    """Installed packages that declare a requirement the chosen versions break (they still
    run: the suite will show whether they work; gpu.md says so)."""
    lines = []
    for dist in metadata.distributions():
        owner = canonicalize_name(dist.metadata["Name"] or "")
        if owner in chosen:
            continue
        for text in dist.requires or ():
            requirement = Requirement(text)
            if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
                continue
            wheel = chosen.get(canonicalize_name(requirement.name))
            if wheel and not requirement.specifier.contains(wheel.version, prereleases=True):
                lines.append(f"conflict {owner} {dist.version} needs {requirement.name}"
                             f"{requirement.specifier}; installing {wheel.version}")
    return lines


def torch_note(chosen: list[Wheel], have=installed_version) -> list[str]:
    """Whether the carried torchao can load its kernels with the device's torch."""
    if not any(w.name == "torchao" for w in chosen):
        return []
    torch = have("torch")
    if torch is not None and Version(torch.base_version) >= TORCHAO_TORCH_MIN:
        return [f"ok torchao kernels: torch {torch} ≥ {TORCHAO_TORCH_MIN}"]
    return [f"warn torchao C++ kernels will not load: torch {torch or 'none'} < "
            f"{TORCHAO_TORCH_MIN} (a CUDA torch is too big to carry); the int8/fp8 rows "
            f"run without them or are skipped"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m bench.wheel_plan", description=__doc__)
    parser.add_argument("folder", type=Path, help="the carried wheels (.whl)")
    parser.add_argument("targets", nargs="+", help="the packages the suite needs")
    parser.add_argument("--install-list", type=Path, required=True,
                        help="write the wheel paths to install here, one a line")
    args = parser.parse_args(argv)
    wheels = {w.name: w for w in map(read_wheel, sorted(args.folder.glob("*.whl")))}
    chosen, lines = plan(wheels, args.targets)
    lines += torch_note(chosen)
    args.install_list.write_text("".join(f"{w.path}\n" for w in chosen), encoding="utf-8")
    print("\n".join(lines))
    return 1 if any(line.startswith("missing ") for line in lines) else 0


if __name__ == "__main__":
    sys.exit(main())
