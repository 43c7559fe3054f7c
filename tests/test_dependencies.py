"""Everything the notebooks and course_utils import is a base dependency in pyproject.toml.

A module only a development extra brings (or one that arrives by chance, as another
package's dependency) works here and fails for a student who installed the kit alone.
The modules are read with ``ast`` from the English notebooks' code cells and from
``course_utils`` outside ``tooling/`` (plus the ``tooling`` modules a notebook imports).
"""

import ast
import json
import re
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "course_utils"

# import name → distribution name, where the two differ
DISTRIBUTION = {
    "cv2": "opencv-contrib-python-headless",
    "skimage": "scikit-image",
    "sklearn": "scikit-learn",
    "PIL": "pillow",
    "IPython": "ipython",
    "yaml": "pyyaml",
}
# needed at run time without an import statement naming them: (distribution, what needs it)
INDIRECT = {
    "pycocotools": 'backend="pycocotools"',  # torchmetrics' MeanAveragePrecision loads it
}


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _base_dependencies() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return {_norm(Requirement(r).name) for r in project["dependencies"]}


def _code(source: str) -> str:
    """A notebook cell's Python: IPython magics and shell escapes dropped."""
    return "\n".join(ln for ln in source.splitlines() if not ln.lstrip().startswith(("%", "!")))


def imported_modules(source: str, where: str) -> set[str]:
    """Full dotted names of the absolute imports in ``source`` (nested imports included)."""
    try:
        tree = ast.parse(_code(source))
    except SyntaxError as exc:
        raise ValueError(f"{where}: cannot parse its code ({exc.msg}, line {exc.lineno})") from exc
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def _notebook_sources() -> dict[str, str]:
    sources = {}
    for path in sorted((ROOT / "notebooks").glob("[0-9]*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        code = [c["source"] for c in cells if c["cell_type"] == "code"]
        sources[path.name] = "\n".join("".join(s) if isinstance(s, list) else s for s in code)
    return sources


def _module_file(dotted: str) -> Path | None:
    base = ROOT.joinpath(*dotted.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def collect_imports() -> dict[str, set[str]]:
    """Top-level third-party module → where it is imported (notebook or file)."""
    found: dict[str, set[str]] = {}
    sources = _notebook_sources()
    sources.update(
        {
            str(p.relative_to(ROOT)): p.read_text(encoding="utf-8")
            for p in sorted((ROOT / PACKAGE).rglob("*.py"))
            if "tooling" not in p.relative_to(ROOT).parts
        }
    )
    queue = list(sources.items())
    seen = set(sources)
    while queue:
        where, source = queue.pop()
        for dotted in imported_modules(source, where):
            top = dotted.split(".")[0]
            if top == PACKAGE:  # follow the kit's tooling modules that notebooks import
                path = _module_file(dotted)
                name = str(path.relative_to(ROOT)) if path else None
                if path and name not in seen:
                    seen.add(name)
                    queue.append((name, path.read_text(encoding="utf-8")))
            elif top not in sys.stdlib_module_names and top != "__future__":
                found.setdefault(top, set()).add(where)
    return found


def test_every_imported_module_is_a_base_dependency():
    base = _base_dependencies()
    imports = collect_imports()
    assert {"torch", "torchvision", "cv2", "scipy", "torchmetrics"} <= set(imports), (
        "the scan should see the kit's known imports; did it read the notebooks and course_utils?"
    )
    missing = {
        module: sorted(where)[:3]
        for module, where in imports.items()
        if _norm(DISTRIBUTION.get(module, module)) not in base
    }
    assert not missing, (
        "imported but not a base dependency in pyproject.toml [project] dependencies "
        f"(module: where): {missing}; add the distribution there (and pin it in constraints.txt), "
        "or extend DISTRIBUTION in this test if its import name differs"
    )


def test_indirect_runtime_dependencies_are_base_dependencies():
    base = _base_dependencies()
    notebooks = "\n".join(_notebook_sources().values())
    for distribution, marker in INDIRECT.items():
        if marker in notebooks:
            assert _norm(distribution) in base, (
                f"a notebook uses {marker}, which needs {distribution} installed; "
                "make it a base dependency in pyproject.toml"
            )


def test_tooling_modules_that_notebooks_import_are_scanned():
    imports = collect_imports()
    # course_utils.tooling.checkpoints (imported by notebooks 04-12) imports torch itself
    assert any("course_utils/tooling/checkpoints.py" in where for where in imports.get("torch", ()))


def test_python_versions_are_not_capped():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    spec = project["requires-python"].replace(" ", "")
    assert spec == ">=3.11", f"requires-python is {spec!r}; expected '>=3.11' (no upper cap)"


def test_a_cell_that_is_not_python_is_named():
    with pytest.raises(ValueError, match=r"08_x\.ipynb: cannot parse its code"):
        imported_modules("def broken(:\n", "08_x.ipynb")
    assert imported_modules("%matplotlib inline\n!ls\nimport cv2", "cell") == {"cv2"}
