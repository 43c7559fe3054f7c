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


def _direct_requirements():
    project = _pyproject()["project"]
    reqs = [Requirement(r) for r in project["dependencies"]]
    for extra in project["optional-dependencies"].values():
        reqs += [Requirement(r) for r in extra if not r.startswith("course-utils")]
    return reqs


def test_torch_pins():
    pins = _constraints()
    assert pins["torch"] == "2.14.1" and pins["torchvision"] == "0.29.1"


def test_environment_yml_mirrors_constraints():
    text = (ROOT / "environment.yml").read_text()
    assert re.search(r"^\s*-\s*python=3\.11\s*$", text, re.MULTILINE)
    env = _pins(line for line in text.splitlines() if "==" in line)
    pins = _constraints()
    assert env, "environment.yml pins nothing"
    for name, version in env.items():
        assert pins.get(name) == version, (
            f"{name}: environment.yml {version}, constraints {pins.get(name)}"
        )
    for req in _direct_requirements():
        assert _norm(req.name) in env, (
            f"{req.name} is a dependency but not pinned in environment.yml"
        )


def test_every_dependency_is_pinned_within_its_bounds():
    pins = _constraints()
    for req in _direct_requirements():
        name = _norm(req.name)
        assert name in pins, f"{req.name} is not pinned in constraints.txt"
        assert Version(pins[name]) in req.specifier, f"{name}=={pins[name]} violates {req}"


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
