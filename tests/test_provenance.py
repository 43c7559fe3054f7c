"""Numbers in prose (course_utils.tooling.provenance): extraction, the kinds, and the notebooks.

The unit tests build small in-memory notebooks; the enforcement tests read every stored notebook
of both editions (:data:`PASSING`: all of them) and the README's course-map rows.
"""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from pathlib import Path

import pytest

from course_utils.sources import FIGURES, Figure, cite, figure
from course_utils.tooling import provenance as pv

ROOT = Path(__file__).resolve().parents[1]

# Every notebook: its prose passes the check in both editions and in the README's course map.
PASSING = tuple(sorted(p.name[:2] for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")))


def texts(markdown: str) -> list[str]:
    return [c.text for c in pv.extract(markdown)]


def notebook(markdown: list[str], printed: list[str], code: str = "x = 1") -> dict:
    """A notebook with markdown cells and one code cell printing ``printed`` (a stream)."""
    cells = [{"cell_type": "markdown", "id": f"m{i}", "source": s} for i, s in enumerate(markdown)]
    cells.append(
        {
            "cell_type": "code",
            "id": "c0",
            "source": code,
            "outputs": [{"output_type": "stream", "name": "stdout", "text": "\n".join(printed)}],
        }
    )
    return {"cells": cells}


def kinds(nb: dict, figures: dict | None = None) -> dict[str, str]:
    ev = pv.Evidence.of(nb)
    found = {}
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] == "markdown":
            claims, problems = pv.check_cell(cell["source"], ev, f"t {i}", i, "", figures or {})
            assert not problems, problems
            found |= {c.text: c.kind for c in claims}
    return found


# ---------------------------------------------------------------- extraction


def test_claim_carrying_numbers_are_decimals_and_numbers_with_units():
    found = texts(
        "We trained 3 seeds on 1,797 digits: accuracy 97.0 %, loss 0.136, 557× faster, "
        "18.6 ms per call, 61 M parameters, 483 billion weights, shifts of 2 px, 40 s in all."
    )
    assert found == [
        "97.0 %",
        "0.136",
        "557×",
        "18.6 ms",
        "61 M",
        "483 billion",
        "2 px",
        "40 s",
    ]


def test_shapes_names_versions_math_and_code_are_not_claims():
    found = texts(
        "A 3×3 filter on a 224×224 image, 3×32×32 input, C1 6@5×5, ResNet-50, top-5 error, "
        "conv3, torch 2.14.1, Table 2, $(224 - 11)/4 + 1 = 54.25$, `atol=1e-5`, "
        "[link](notebooks/05_vgg.ipynb), the 1990s, within 1e-6."
    )
    assert found == []


def test_a_range_is_one_claim_with_two_ends():
    claims = pv.extract("ratio 0.8–0.95×, gains 3.0 to 7.8 points, loss −17…−43 %")
    assert [c.text for c in claims] == ["0.8–0.95×", "3.0 to 7.8 points", "−17…−43 %"]
    assert [(e.value, e.decimals) for e in claims[0].ends] == [
        (Decimal("0.8"), 1),
        (Decimal("0.95"), 2),
    ]
    assert [e.value for e in claims[2].ends] == [17, 43]  # signs are not compared


def test_korean_units_hedges_ranges_and_magnitudes():
    claims = pv.extract("약 0.17, 100배, 0.4에서 3.7%p, 4,830억 개, 2만큼 패딩, 40초")
    assert [c.text for c in claims] == ["0.17", "100배", "0.4에서 3.7%p", "4,830억", "40초"]
    assert claims[0].hedged and not claims[1].hedged
    assert claims[3].ends[0].value == 483 * 10**9


def test_hedges_and_bounds_are_read_from_the_words_around():
    about, more, korean_bound = pv.extract("about 0.17, more than 100×, 90 %를 넘겼다")
    assert about.hedged and not about.bound
    assert more.bound and not more.hedged
    assert korean_bound.bound


# ---------------------------------------------------------------- classification


def test_measured_needs_the_printed_precision_unless_hedged():
    ev = pv.Evidence.of(notebook([], ["test acc 96.96%", "ratio 0.1742", "loss 0.136"]))
    kind = lambda md: [c.kind for c in pv.check_cell(md, ev, "t", figures={})[0]]  # noqa: E731
    assert kind("accuracy 97.0 %") == ["unbacked"]  # a bare number needs the printed digits
    assert kind("accuracy 97 %") == ["unbacked"]
    assert kind("accuracy about 97 %") == ["measured"]
    assert kind("accuracy about 97.0 %") == ["measured"]
    assert kind("ratio 0.17") == ["unbacked"]
    assert kind("ratio about 0.17") == ["measured"]
    assert kind("ratio ~0.17") == ["measured"]
    assert kind("비율은 약 0.17") == ["measured"]
    assert kind("loss 0.136") == ["measured"]
    assert kind("loss 0.137") == ["unbacked"]


def test_hedged_numbers_round_at_their_trailing_zeros_and_never_beyond_the_print():
    ev = pv.Evidence.of(notebook([], ["557× faster", "ratio 0.2"]))
    kind = lambda md: [c.kind for c in pv.check_cell(md, ev, "t", figures={})[0]]  # noqa: E731
    assert kind("about 560× faster") == ["measured"]
    assert kind("about 600× faster") == ["measured"]
    assert kind("about 500× faster") == ["unbacked"]
    assert kind("about 0.17") == ["unbacked"]  # printed 0.2 is coarser than the text
    assert kind("about 0.2") == ["measured"]


def test_magnitudes_and_percent_fractions():
    ev = pv.Evidence.of(notebook([], ["61,100,840 parameters", "share 0.962", "714 M MACs"]))
    kind = lambda md: [c.kind for c in pv.check_cell(md, ev, "t", figures={})[0]]  # noqa: E731
    assert kind("61 M parameters") == ["measured"]
    assert kind("62 M parameters") == ["unbacked"]
    assert kind("96.2 % of them") == ["measured"]
    assert kind("714 M MACs") == ["measured"]
    assert kind("6,110만 개") == ["measured"]


def test_a_range_needs_both_ends_printed():
    ev = pv.Evidence.of(notebook([], ["seed 0: 5.0×", "seed 1: 7.9×"]))
    kind = lambda md: [c.kind for c in pv.check_cell(md, ev, "t", figures={})[0]]  # noqa: E731
    assert kind("5.0–7.9× faster") == ["measured"]
    assert kind("about 5–8× faster") == ["measured"]
    assert kind("5–8× faster") == ["unbacked"]  # bare: neither end printed as written
    assert kind("about 5–9× faster") == ["unbacked"]


def test_a_bound_is_backed_by_an_assert_on_the_same_value():
    code = "speedup = 557\nassert speedup > 100, 'slow'\nacc = 0.97\nassert acc > 0.90"
    ev = pv.Evidence.of(notebook([], ["557×"], code))
    kind = lambda md: [c.kind for c in pv.check_cell(md, ev, "t", figures={})[0]]  # noqa: E731
    assert kind("more than 100× faster") == ["asserted"]
    assert kind("more than 200× faster") == ["unbacked"]
    assert kind("100× faster") == ["unbacked"]  # not a bound: the literal alone is no evidence
    assert kind("passed 90 % accuracy") == ["asserted"]


def test_settings_definitional_rules_and_markers():
    code = "model = Net(dropout=0.5)\nfit(model, lr=0.003)"
    ev = pv.Evidence.of(notebook([], ["done"], code))
    kind = lambda md: [c.kind for c in pv.check_cell(md, ev, "t", figures={})[0]]  # noqa: E731
    assert kind("with dropout 0.5") == ["definitional"]
    assert kind("with dropout 0.4") == ["unbacked"]  # not the code's value
    assert kind("accuracy 0.5") == ["unbacked"]  # a literal in code is not a measurement
    assert kind("see Table 2.1 and Section 3.2") == ["definitional", "definitional"]
    marked = "A multiply-add is 2 FLOPs, i.e. 2.0 operations.<!-- definitional: 2.0 operations (the definition of a FLOP) -->"
    assert kind(marked) == ["definitional"]
    _, problems = pv.check_cell("It is 2.0 ops.<!-- definitional: 2.0 ops -->", ev, "t", figures={})
    assert problems and "no reason" in problems[0]
    _, problems = pv.check_cell("Nothing.<!-- definitional: 3.5 s (why) -->", ev, "t", figures={})
    assert problems and "does not contain" in problems[0]


def test_cited_figures_need_the_source_module_and_the_notebook_naming_the_key():
    figures = {
        "alexnet_top5": Figure("16.4", "%", "AlexNet top-5 error", "Krizhevsky 2012, Table 2")
    }
    used = pv.Evidence.of(notebook([], ["plotted"], 'print(cite("alexnet_top5"))'))
    unused = pv.Evidence.of(notebook([], ["plotted"], "print('nothing')"))
    cell = "AlexNet's top-5 error was 16.4 %."
    assert [c.kind for c in pv.check_cell(cell, used, "t", figures=figures)[0]] == ["cited"]
    assert [c.kind for c in pv.check_cell(cell, unused, "t", figures=figures)[0]] == ["unbacked"]
    wrong = "AlexNet's top-5 error was 15.4 %."
    assert [c.kind for c in pv.check_cell(wrong, used, "t", figures=figures)[0]] == ["unbacked"]


def test_the_sources_module_holds_each_figure_with_its_citation():
    for key, fig in FIGURES.items():
        assert fig.source and fig.what and fig.value, key
        assert figure(key) is fig and fig.value in cite(key) and fig.source in cite(key)
    with pytest.raises(KeyError, match="known"):
        figure("no such figure")


def test_changing_a_stored_output_under_prose_that_quotes_it_fails_the_check(tmp_path):
    """The prose quotes a printed 0.171; re-running prints 0.195: the check names the cell."""
    nb = notebook(["## Takeaways\n\nThe fixed-batch loss is about 0.17."], ["loss 0.171"])
    nb["cells"][0]["id"] = "takeaway"
    path = tmp_path / "99_demo.ipynb"
    path.write_text(json.dumps(nb), encoding="utf-8")
    claims, problems = pv.check_notebook(path, figures={})
    assert [(c.text, c.kind) for c in claims] == [("0.17", "measured")] and not problems

    changed = copy.deepcopy(nb)
    changed["cells"][1]["outputs"][0]["text"] = "loss 0.195"
    path.write_text(json.dumps(changed), encoding="utf-8")
    claims, _ = pv.check_notebook(path, figures={})
    assert [(c.where, c.text, c.kind) for c in claims] == [("99 cell 0", "0.17", "unbacked")]
    assert pv.main([str(path)]) == 1


def test_the_title_slides_run_time_line_is_a_budget():
    ev = pv.Evidence.of(notebook([], ["done"]))
    title = "# 00 · Title\n\n**Run time:** about 40 s on a laptop CPU.\n\nIt is 2.5× faster."
    claims, _ = pv.check_cell(title, ev, "t", cell=0, figures={})
    assert [(c.text, c.kind) for c in claims] == [("2.5×", "unbacked")]
    claims, _ = pv.check_cell(title, ev, "t", cell=3, figures={})
    assert len(claims) == 2  # elsewhere the same line is an ordinary claim


# ---------------------------------------------------------------- the notebooks themselves


def _passing_paths() -> list[Path]:
    paths = []
    for number in PASSING:
        english = sorted((ROOT / "notebooks").glob(f"{number}_*.ipynb"))
        assert len(english) == 1, number
        paths += [english[0], ROOT / "notebooks" / "ko" / english[0].name]
    return paths


@pytest.mark.parametrize(
    "path", _passing_paths(), ids=lambda p: ("ko/" if p.parent.name == "ko" else "") + p.name[:2]
)
def test_every_number_in_the_prose_is_backed(path):
    claims, problems = pv.check_notebook(path)
    unbacked = [str(c) for c in claims if c.kind == "unbacked"]
    assert not unbacked + problems, "\n".join(unbacked + problems)
    assert claims, "the check found no numbers at all: the extraction is broken"


def test_the_readmes_course_map_is_backed_for_the_passing_notebooks():
    claims, problems = pv.check_readme()
    rows = {c.where.split()[-1] for c in claims}
    assert set(PASSING) <= rows, f"course-map rows found: {sorted(rows)}"
    assert len(PASSING) == 13, PASSING
    bad = [str(c) for c in claims if c.kind == "unbacked"]
    assert not bad + problems, "\n".join(bad + problems)
