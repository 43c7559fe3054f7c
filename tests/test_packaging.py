"""The dependency files agree: constraints.txt pins, environment.yml mirrors, pyproject bounds."""

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pins(lines) -> dict[str, str]:
    pins = {}
    for line in lines:
        line = line.strip().lstrip("- ").strip()
        if "==" in line and not line.startswith("#"):
            name, version = line.split("==", 1)
            pins[_norm(name)] = version.strip()
    return pins


def _constraints():
    return _pins((ROOT / "constraints.txt").read_text().splitlines())


def _pyproject():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


GRADER_EXTRAS = ("grading",)  # the lecturer's grading environment, pinned by constraints-grader.txt


def _direct_requirements(extras=None):
    """Base dependencies plus those of ``extras`` (all but the grader's when None)."""
    project = _pyproject()["project"]
    reqs = [Requirement(r) for r in project["dependencies"]]
    for extra, items in project["optional-dependencies"].items():
        if (extras is None and extra not in GRADER_EXTRAS) or (extras and extra in extras):
            reqs += [Requirement(r) for r in items if not r.startswith("course-utils")]
    return reqs


STUDENT_EXTRAS = ("lab",)  # what a student's environment installs besides the base
DEVELOPER_TOOLS = {"pytest", "pytest-xdist", "pytest-timeout", "nbval", "ruff", "playwright"}


def test_torch_pins():
    pins = _constraints()
    assert pins["torch"] == "2.14.1" and pins["torchvision"] == "0.29.1"


def _environment_yml() -> str:
    return (ROOT / "environment.yml").read_text()


def test_environment_yml_mirrors_constraints():
    text = _environment_yml()
    assert re.search(r"^\s*-\s*python=3\.11\s*$", text, re.MULTILINE)
    env = _pins(line for line in text.splitlines() if "==" in line)
    pins = _constraints()
    assert env, "environment.yml pins nothing"
    for name, version in env.items():
        assert pins.get(name) == version, (
            f"{name}: environment.yml {version}, constraints {pins.get(name)}"
        )
    for req in _direct_requirements(STUDENT_EXTRAS):
        assert _norm(req.name) in env, (
            f"{req.name} is a base or lab dependency but not pinned in environment.yml"
        )


def test_environment_yml_installs_the_kit_and_no_developer_tools():
    text = _environment_yml()
    pip_lines = [ln.strip()[1:].strip() for ln in text.splitlines() if ln.strip().startswith("-")]
    assert "-e .[lab]" in pip_lines, "environment.yml should install the kit (pip: -e .[lab])"
    listed = {_norm(re.split(r"[=<>\[ ]", ln, maxsplit=1)[0]) for ln in pip_lines}
    assert not listed & DEVELOPER_TOOLS, (
        f"developer tools in environment.yml: {listed & DEVELOPER_TOOLS}"
    )
    assert "pip install -e ." not in text.replace("pip install -e .[dev]", ""), (
        "no manual install step left for the student"
    )


def _binder_requirements() -> list[str]:
    text = (ROOT / "binder" / "requirements.txt").read_text()
    return [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]


def test_binder_has_cpu_torch_the_pins_and_nbgitpuller():
    lines = _binder_requirements()
    assert "--extra-index-url https://download.pytorch.org/whl/cpu" in lines
    pins = _constraints()
    binder = {}
    for line in lines:
        if "==" in line:
            name, version = line.split("==", 1)
            binder[_norm(name)] = version
    assert binder["torch"] == pins["torch"] + "+cpu", "torch from the CPU index, at the pin"
    assert binder["torchvision"] == pins["torchvision"] + "+cpu", "torchvision: the same index"
    for name, version in binder.items():
        if name in ("torch", "torchvision") or name not in pins:
            continue
        assert version == pins[name], f"{name}: binder {version}, constraints {pins[name]}"
    for req in _direct_requirements(STUDENT_EXTRAS):
        assert _norm(req.name) in binder, f"{req.name} is missing from binder/requirements.txt"
    assert "nbgitpuller" in binder
    assert not set(binder) & DEVELOPER_TOOLS
    assert (ROOT / "binder" / "runtime.txt").read_text().strip() == "python-3.11"


def test_binder_post_build_installs_the_kit_and_the_lab_settings():
    post_build = ROOT / "binder" / "postBuild"
    assert post_build.stat().st_mode & 0o111, "postBuild must be executable"
    commands = [
        ln.strip() for ln in post_build.read_text().splitlines()
        if ln.strip() and not ln.lstrip().startswith("#")
    ]  # fmt: skip
    assert commands[0] == "set -euo pipefail"
    assert "python -m pip install --no-cache-dir --no-deps ." in commands
    assert "python -m course_utils.tooling.cli lab-settings" in commands
    settings = ROOT / "course_utils" / "tooling" / "lab_settings" / "course-kit.json"
    package_data = _pyproject()["tool"]["setuptools"]["package-data"]["course_utils.tooling"]
    assert settings.is_file() and "lab_settings/*.json" in package_data


def test_every_dependency_is_pinned_within_its_bounds():
    pins = _constraints()
    for req in _direct_requirements():
        name = _norm(req.name)
        assert name in pins, f"{req.name} is not pinned in constraints.txt"
        assert Version(pins[name]) in req.specifier, f"{name}=={pins[name]} violates {req}"


def test_the_grading_environment_is_pinned_and_differs_from_the_lab_only_where_it_must():
    grader = _pins((ROOT / "constraints-grader.txt").read_text().splitlines())
    for req in _direct_requirements(GRADER_EXTRAS):
        name = _norm(req.name)
        assert name in grader, f"{req.name} is not pinned in constraints-grader.txt"
        assert Version(grader[name]) in req.specifier, f"{name}=={grader[name]} violates {req}"
    lab = _constraints()
    # the same torch, numpy, … as the notebooks ran with; only the widget front end moves
    # (otter-grader 7 needs ipywidgets>=8.1.5, the lab's RISE pin keeps jupyterlab_widgets<3.0.11)
    differ = {name for name in grader.keys() & lab.keys() if grader[name] != lab[name]}
    assert differ <= {"ipywidgets", "jupyterlab-widgets", "widgetsnbextension"}, differ
    assert grader["torch"] == lab["torch"] and grader["otter-grader"].startswith("7.")


def test_ci_calls_make_test_and_readme_shows_it():
    assert "make test" in (ROOT / ".ci" / "run").read_text()
    readme = (ROOT / "README.md").read_text()
    assert "make test" in readme and "make lab" in readme
    makefile = (ROOT / "Makefile").read_text()
    for target in ("lab:", "test:", "execute:", "slides:", "lint:"):
        assert re.search(rf"^{target}", makefile, re.MULTILINE), target
    # the pytest command line lives in the cli, which make test calls (tests/test_cli.py)
    assert "-m course_utils.tooling.cli test" in makefile
    cli_source = (ROOT / "course_utils" / "tooling" / "cli.py").read_text()
    assert '"loadscope"' in cli_source and '"--nbval-lax"' in cli_source


def test_the_lowest_versions_claimed_are_the_ones_make_test_compat_installs():
    """pyproject's minimum of each base dependency is the version the Colab-like lane runs."""
    compat = ROOT / "tests" / "compat"
    lane = _pins((compat / "colab-packages.txt").read_text().splitlines())
    lane |= _pins((compat / "colab-opencv.txt").read_text().splitlines())
    lane["opencv-contrib-python-headless"] = lane["opencv-contrib-python"]  # the same cv2 build
    unchecked = []
    for req in (Requirement(r) for r in _pyproject()["project"]["dependencies"]):
        name = _norm(req.name)
        if name not in lane:
            unchecked.append(name)
            continue
        lowest = [s.version for s in req.specifier if s.operator == ">="]
        assert lowest, f"{name}: no minimum version in pyproject.toml"
        assert Version(lowest[0]) == Version(lane[name]), (
            f"{name}: pyproject claims >={lowest[0]}, make test-compat installs {lane[name]}"
        )
    # Colab lacks torchmetrics: its setup cell installs the newest, so no lane pins its lowest
    assert unchecked == ["torchmetrics"], unchecked
