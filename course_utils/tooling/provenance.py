"""Numbers in prose: every claim-carrying number in the text is measured, cited or definitional.

The check reads every markdown cell of the English notebooks (``notebooks/NN_*.ipynb``), of the
Korean edition (``notebooks/ko/``) and the rows of the README's course map (row ``NN`` is checked
against notebook ``NN``), and sorts each *claim-carrying* number into one of the kinds below.
Commands::

    python -m course_utils.tooling.provenance            # unbacked numbers, counts; exit 1 if any
    python -m course_utils.tooling.provenance --report   # every claim with its kind
    python -m course_utils.tooling.provenance notebooks/03_pooling.ipynb   # some notebooks

**Which numbers carry a claim.** A number with a decimal point (``0.17``), or with a unit:
``%``, ``%p``, ``×`` as a ratio (``557×``; ``3×3`` is a shape), ``x``, ``ms``, ``µs``, ``s``,
``min``, ``px``, ``points``, ``nats``, ``fps``, ``GB``/``MB``/``GiB``…, ``GFLOP/s``,
``GFLOPs``…, and the magnitudes ``k``, ``M``, ``B``, ``million``, ``billion`` (Korean ``배``,
``초``, ``밀리초``, ``만``, ``억``). Plain integers (``1,797 digits``, ``3 seeds``) are counts,
not checked. A range (``0.8–0.95×``, ``3.0 to 7.8``, ``−17…−43 %``) is one claim with two ends.
Text inside ``$math$``, ``code spans``, fenced code, link targets and HTML tags is skipped:
formulas and code are not prose claims.

**Kinds**, tried in this order:

(c) *definitional*, by rule — no marker needed:
  - shapes: a number joined to another by ``×`` (``3×3``, ``224×224``, ``3×32×32``) or after
    ``@`` (``6@5×5``, ``mAP@0.5``);
  - references and names: after Table, Figure, Fig., Section, §, Eq., exercise, notebook,
    cell, step, version, Python, torch…; a version ``2.14.1``; a number glued to a name
    (``ResNet-50``, ``conv3``, ``top-5``) is not read as a number at all;
  - a setting: the number follows a setting's name (learning rate, dropout, momentum,
    threshold, stride, batch, weight decay, IoU, scale, p = …; Korean 학습률, 드롭아웃 …)
    *and* the same value is a literal in one of the notebook's code cells;
  - the title slide's ``Run time:`` line (a budget the standard requires; the measured times
    are in the README's Robustness section);
  - an explicit marker for anything else that is true by definition, an HTML comment in the
    same cell that names the number as written and says why::

        a multiply-add is 2 FLOPs.<!-- definitional: 2 FLOPs (a multiply-add counts as two) -->

    It is invisible when the markdown is rendered (notebook, RISE, the static slides) and
    costs one comment per cell; each item needs its reason in parentheses, and a marker that
    names a number the cell does not contain is an error (no stale markers).

(a) *measured*: a stored output of the same notebook prints it (``text/plain`` results,
  streams, and markdown produced by ``display``). Precision rule:
  - a bare number must be printed with the same value, at least as precisely (``97.0 %``
    needs a printed ``97.0`` or ``97.00``; ``97 %`` a printed ``97``, never ``96.96``);
  - a *hedged* number (``about``, ``approximately``, ``roughly``, ``around``, ``nearly``,
    ``~``, ``≈``; Korean ``약``, ``~``, ``쯤``, ``정도``, ``가량``, ``안팎``) may be a rounding of
    a more precise printed value: ``about 0.17`` is backed by a printed ``0.1742``, ``about
    560×`` by ``557×`` (trailing zeros of a hedged integer are rounding places). Write prose at
    the precision that survives re-runs on other machines and seeds, and say "about";
  - a number with a magnitude (``61 M``, ``483 billion``, ``6,100만``) is a rounding by its
    form and is compared like a hedged one (``61 M`` ← a printed ``61,100,840``);
  - signs are not compared (prose "fell by 29 %" for a printed ``-29%``); a percentage is
    also backed by a printed fraction (``96 %`` ← ``0.96``);
  - a range is backed when both ends are (each printed, with the rule above; a printed
    ``lo–hi`` counts), so "5–8×" needs a printed 5 and a printed 8;
  - a *bound* (``more than 100×``, ``over``, ``above``, ``at least``, ``below``, ``under``,
    ``less than``, ``within``, ``>``, ``≥``…; Korean ``이상``, ``넘``, ``미만``, ``이내``…) is
    also backed when the value is a literal in an ``assert`` of the notebook: the claim is
    then checked on every run (``more than 100×`` ← ``assert speedup > 100``).

(b) *cited*: a figure held in :data:`course_utils.sources.FIGURES` (value, what, paper and
  table/section) whose key a code cell of the notebook names (``cite("key")``,
  ``figure("key")``), compared with the same precision rule.

Anything else is *unbacked*: the check names notebook, cell and number.
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
KO_NOTEBOOKS = NOTEBOOKS / "ko"
README = ROOT / "README.md"

# ---------------------------------------------------------------- number syntax

_SPACE = "[ \u00a0\u2009\u202f]"
_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
# a number atom: optional sign, digits; the lookbehind keeps names (conv3, v2.0, x_1) out
_ATOM = re.compile(rf"(?P<sign>[+\-−±])?(?P<num>{_NUM})")
_MAGNITUDE = {
    "k": Decimal(10) ** 3,
    "thousand": Decimal(10) ** 3,
    "M": Decimal(10) ** 6,
    "million": Decimal(10) ** 6,
    "B": Decimal(10) ** 9,
    "G": Decimal(10) ** 9,
    "billion": Decimal(10) ** 9,
    "만": Decimal(10) ** 4,
    "천만": Decimal(10) ** 7,
    "백만": Decimal(10) ** 6,
    "억": Decimal(10) ** 8,
}
# unit after a number (longest first); a Korean unit may be followed by a particle
_UNITS = [
    "GFLOP/s", "TFLOP/s", "MFLOP/s", "GFLOPs", "TFLOPs", "MFLOPs", "GFLOP", "TFLOP", "GMACs",
    "GiB", "MiB", "KiB", "GB", "MB", "KB", "kB", "fps", "points", "point", "pts", "nats", "nat",
    "million", "billion", "thousand", "ms", "µs", "μs", "ns", "min", "px", "%p", "%", "×", "x",
    "s", "k", "M", "B", "G", "밀리초", "초", "배", "천만", "백만", "만", "억",
]  # fmt: skip
_UNIT = re.compile(
    rf"(?:{_SPACE}|-)?(?P<unit>{'|'.join(re.escape(u) for u in _UNITS)})"
    r"(?![A-Za-z0-9_/큼])"
)
_WORD_UNITS = {"million", "billion", "thousand", "points", "point", "nats", "nat"}
_RANGE_SEP = re.compile(
    rf"^(?:{_SPACE}?(?:–|-|…|\.\.\.){_SPACE}?|{_SPACE}to{_SPACE}|에서{_SPACE})$"
)
_HEDGE_BEFORE = re.compile(
    r"(?:\babout|\bapproximately|\broughly|\baround|\bnearly|\balmost|~|≈|∼|약)[\s*_]*$", re.I
)
_HEDGE_AFTER = re.compile(r"^\s*(?:쯤|정도|가량|안팎|내외)")
_BOUND_BEFORE = re.compile(
    r"(?:\bmore than|\bover|\babove|\bat least|\bat most|\bbelow|\bunder|\bless than|"
    r"\bfewer than|\bwithin|최소|최대|적어도|\bbeyond|\bexceeds?|\bexceeded|\bpassed|\bup to|>=|<=|>|<|≥|≤)"
    r"[\s*_]*(?:a\s+|an\s+|the\s+)?$",
    re.I,
)
_BOUND_AFTER = re.compile(
    r"^\s*(?:를|을|가|이|는|은|도|의)?\s*(?:이상|이하|초과|미만|넘|이내|안쪽|밖|보다)"
)
_REFERENCE = re.compile(
    r"(?:\b(?:Table|Tab\.|Figure|Fig\.|fig\.|figure|table|Section|section|Sec\.|sec\.|Eq\.|eq\.|"
    r"Equation|equation|exercise|Exercise|notebook|Notebook|notebooks|cell|step|Step|version|"
    r"Python|PyTorch|torch|torchvision|CUDA|cuDNN|ILSVRC|VOC|COCO|ImageNet|"
    r"표|그림|연습 문제|노트북|셀|버전)|§)\s*$"
)
_REFERENCE_AFTER = re.compile(r"^(?:절|장|번째|번 셀|번 연습)")
_SETTING = re.compile(
    r"(?:learning rate|\blr|dropout|momentum|weight decay|threshold|thresholds|\bIoU|stride|"
    r"padding|batch(?: size)?|scale|temperature|\bp|\bσ|std|학습률|드롭아웃|모멘텀|가중치 감쇠|"
    r"임곗값|임계값|스트라이드|패딩|배치|확률)\s*(?:of|=|:|≥|>=)?\s*$",
    re.I,
)
_MARKER = re.compile(r"<!--\s*definitional:(?P<body>.*?)-->", re.S)
_RUN_TIME = re.compile(r"^\*\*(?:Run time|실행 시간[^*]*):\*\*.*$", re.M)


@dataclass(frozen=True)
class Number:
    """One number as written: its value (unit magnitude applied) and decimal places."""

    value: Decimal  # absolute value, magnitude applied (61 M → 61,000,000)
    decimals: int  # places written after the point, in the written unit
    scale: Decimal = Decimal(1)  # the magnitude written (10**6 for M)
    text: str = ""

    @property
    def written(self) -> Decimal:
        """The number in its written unit (61 for 61 M)."""
        return self.value / self.scale

    @property
    def trailing_zeros(self) -> int:
        """Zeros at the end of a written integer (rounding places when hedged): 560 → 1."""
        if self.decimals or self.written == 0:
            return 0
        digits = str(int(self.written))
        return len(digits) - len(digits.rstrip("0"))


def parse_number(text: str, unit: str = "") -> Number:
    """``'1,601'`` → Number(1601, 0); ``'0.95'`` → (0.95, 2); with ``unit='M'`` scaled by 10⁶."""
    plain = text.replace(",", "").lstrip("+-−±")
    try:
        value = Decimal(plain)
    except InvalidOperation:
        raise ValueError(f"not a number: {text!r}") from None
    decimals = len(plain.split(".")[1]) if "." in plain else 0
    scale = _MAGNITUDE.get(unit, Decimal(1))
    return Number(abs(value) * scale, decimals, scale, text)


@dataclass
class Claim:
    """A claim-carrying number (or range) in a markdown cell, and what backs it."""

    where: str  # "04 cell 12" or "README 04"
    cell: int  # cell index (README: -1)
    cell_id: str
    text: str  # as written, e.g. "0.8–0.95×"
    ends: tuple[Number, ...]  # one number, or the two ends of a range
    unit: str = ""
    hedged: bool = False
    bound: bool = False
    kind: str = ""  # measured | asserted | cited | definitional | unbacked
    why: str = ""

    def __str__(self) -> str:
        return f"{self.where}: {self.text!r} — {self.kind}" + (f" ({self.why})" * bool(self.why))


# ---------------------------------------------------------------- reading markdown


def _blank(match: re.Match) -> str:
    return " " * len(match.group(0))


_SKIPPED = [
    re.compile(r"```.*?```", re.S),  # fenced code
    re.compile(r"<!--.*?-->", re.S),  # comments (markers are read separately)
    re.compile(r"\$\$.*?\$\$", re.S),  # display math
    re.compile(r"(?<!\\)\$[^$\n]+?(?<!\\)\$"),  # inline math
    re.compile(r"`[^`\n]*`"),  # code spans
    re.compile(r"\]\([^)\s]*\)"),  # link targets
    re.compile(r"<[^>\n]+>"),  # HTML tags
    re.compile(r"\d+(?:\.\d+){2,}"),  # versions 2.14.1
    re.compile(r"\d(?:\.\d+)?e[+-]?\d+\b"),  # scientific notation: a tolerance, not prose
]


def prose(markdown: str) -> str:
    """The markdown with math, code, comments, link targets and tags blanked (offsets kept)."""
    for pattern in _SKIPPED:
        markdown = pattern.sub(_blank, markdown)
    return markdown


def _is_dimension(text: str, start: int, end: int) -> bool:
    after, before = text[end : end + 3], text[max(0, start - 3) : start]
    return bool(
        re.match(rf"{_SPACE}?×(?:{_SPACE}?\d|\()", after)
        or re.search(rf"[\d)]{_SPACE}?×{_SPACE}?$", before)
        or before.endswith("@")
        or re.search(r"[×@/]$", before)  # 3×(3×3), 7×7/2, 11×11/4
    )


@dataclass
class _Atom:
    start: int
    end: int  # end of the number (before the unit)
    stop: int  # end including the unit
    num: str
    unit: str


def _atoms(text: str) -> list[_Atom]:
    atoms = []
    for m in _ATOM.finditer(text):
        start = m.start()
        before = text[start - 1] if start else " "
        if m.group("sign") and m.group("sign") in "+-−" and before.isalnum():
            start = m.start("num")  # a hyphen after a word is not a sign: handled below
            before = text[start - 1]
        prev = text[start - 2] if start >= 2 else " "
        if before.isascii() and (before.isalnum() or before in "_.'\"\\"):
            continue  # conv3, v2, x_1, ' quoted
        if before in "-–" and prev.isascii() and prev.isalpha():
            continue  # ResNet-50, top-5
        end = m.end()
        after = text[end : end + 1]
        unit_match = _UNIT.match(text, end)
        unit = unit_match.group("unit") if unit_match else ""
        sep = unit_match.group(0)[: -len(unit)] if unit_match else ""
        if unit and (
            (sep == "-" and unit not in _WORD_UNITS)  # 483-billion yes, 5-8 no
            or (unit == "x" and sep)  # 5x, not "5 x"
            or (unit == "s" and not sep)  # 40 s, not 1990s
        ):
            unit_match, unit = None, ""
        if not unit and after.isascii() and (after.isalpha() or after == "_"):
            continue  # 3rd, 2D, 1e
        atoms.append(
            _Atom(start, end, unit_match.end() if unit_match else end, text[start:end], unit)
        )
    return atoms


def extract(markdown: str, where: str = "", cell: int = -1, cell_id: str = "") -> list[Claim]:
    """Every claim-carrying number or range in one markdown cell, unclassified."""
    text = prose(markdown)
    atoms = _atoms(text)
    claims: list[Claim] = []
    used: set[int] = set()
    for i, atom in enumerate(atoms):
        if i in used:
            continue
        group = [atom]
        if i + 1 < len(atoms) and _RANGE_SEP.match(text[atom.stop : atoms[i + 1].start]):
            nxt = atoms[i + 1]
            if not (atom.unit and nxt.unit and atom.unit != nxt.unit):
                group.append(nxt)
                used.add(i + 1)
        unit = group[-1].unit or group[0].unit
        start, stop = group[0].start, group[-1].stop
        if any(_is_dimension(text, a.start, a.end) for a in group) and unit in ("", "×"):
            continue
        if unit == "×" and _is_dimension(text, group[-1].start, group[-1].end):
            continue
        claim_carrying = unit or any("." in a.num for a in group)
        if not claim_carrying:
            continue
        ends = tuple(parse_number(a.num, a.unit or unit) for a in group)
        before, after = text[max(0, start - 40) : start], text[stop : stop + 8]
        claims.append(
            Claim(
                where=where,
                cell=cell,
                cell_id=cell_id,
                text=markdown[start:stop].strip(),
                ends=ends,
                unit=unit,
                hedged=bool(_HEDGE_BEFORE.search(before) or _HEDGE_AFTER.match(after)),
                bound=bool(_BOUND_BEFORE.search(before) or _BOUND_AFTER.match(after)),
            )
        )
        # context for the definitional rules, kept on the claim
        claims[-1]._before = before  # type: ignore[attr-defined]
        claims[-1]._after = after  # type: ignore[attr-defined]
        claims[-1]._span = (start, stop)  # type: ignore[attr-defined]
    return claims


def markers(markdown: str) -> tuple[list[str], list[str]]:
    """The numbers a cell's ``<!-- definitional: … -->`` markers name, and malformed items."""
    named, problems = [], []
    for m in _MARKER.finditer(markdown):
        for item in m.group("body").split(";"):
            item = item.strip()
            if not item:
                continue
            head, paren, reason = item.partition("(")
            if not paren or not reason.rstrip(") ").strip():
                problems.append(f"marker item {item!r} gives no reason in parentheses")
            named.append(head.strip())
    return named, problems


# ---------------------------------------------------------------- evidence from a notebook


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def output_text(cell: dict) -> str:
    """What a code cell's stored outputs print: streams, text/plain, text/markdown."""
    parts = []
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream":
            parts.append(_source({"source": out.get("text", "")}))
        elif out.get("output_type") in ("execute_result", "display_data"):
            data = out.get("data", {})
            for mime in ("text/plain", "text/markdown"):
                if mime in data:
                    parts.append(_source({"source": data[mime]}))
    return "\n".join(parts)


_PRINTED = re.compile(rf"(?<![\w.])[+\-−]?(?P<num>{_NUM})(?:{_SPACE}?(?P<mag>[kMBG])(?![A-Za-z]))?")


def printed_numbers(text: str) -> list[Number]:
    """Every number in printed output (a magnitude letter right after it is applied)."""
    numbers = []
    for m in _PRINTED.finditer(text):
        numbers.append(parse_number(m.group("num"), m.group("mag") or ""))
        if m.group("mag"):  # "61.1 M" also as the bare 61.1
            numbers.append(parse_number(m.group("num")))
    return numbers


def _literals(code: str) -> tuple[set[Decimal], set[Decimal]]:
    """Numeric literals of a code cell: (all of them, those inside assert statements)."""
    lines = [ln for ln in code.splitlines() if not ln.lstrip().startswith(("%", "!"))]
    everything, asserted = set(), set()
    try:
        tree = ast.parse("\n".join(lines))
    except SyntaxError:
        return everything, asserted
    asserts = {id(n) for a in ast.walk(tree) if isinstance(a, ast.Assert) for n in ast.walk(a)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and type(node.value) in (int, float):
            value = abs(Decimal(repr(node.value)))
            everything.add(value)
            if id(node) in asserts:
                asserted.add(value)
    return everything, asserted


@dataclass
class Evidence:
    """What a notebook can back a number with."""

    printed: list[Number] = field(default_factory=list)
    literals: set[Decimal] = field(default_factory=set)
    asserted: set[Decimal] = field(default_factory=set)
    code: str = ""  # all code cells' source (for the figure keys)

    @classmethod
    def of(cls, nb: dict) -> Evidence:
        ev = cls()
        codes = []
        for cell in nb.get("cells", []):
            if cell.get("cell_type") != "code":
                continue
            code = _source(cell)
            codes.append(code)
            ev.printed += printed_numbers(output_text(cell))
            everything, asserted = _literals(code)
            ev.literals |= everything
            ev.asserted |= asserted
        ev.code = "\n".join(codes)
        return ev


# ---------------------------------------------------------------- matching and classifying


def _quantize(value: Decimal, places: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def backs(printed: Number, written: Number, rounding: bool) -> bool:
    """Whether a printed number backs a written one (see the module docstring's rule)."""
    if not rounding:
        return (
            printed.value == written.value
            and printed.decimals == written.decimals + (0 if printed.scale == written.scale else 0)
            and printed.scale == written.scale
        )
    in_unit = printed.value / written.scale
    # the printed number must be at least as precise as the written one
    printed_places = printed.decimals - (printed.scale.log10() - written.scale.log10())
    if printed_places < written.decimals:
        return False
    places = written.decimals if written.decimals else -written.trailing_zeros
    return _quantize(in_unit, places) == _quantize(written.written, places)


def _percent_variants(n: Number) -> list[Number]:
    """A printed fraction read as a percentage as well (0.962 → 96.2)."""
    return [n, Number(n.value * 100, max(0, n.decimals - 2), n.scale, n.text)]


def is_printed(written: Number, printed: list[Number], rounding: bool, percent: bool) -> bool:
    candidates = printed
    if percent:
        candidates = [v for n in printed for v in _percent_variants(n)]
    if not rounding:  # exact: same digits, also when the printed fraction is a percentage
        return any(  # the same value, printed at least as precisely (16.40 backs 16.4)
            (c.value == written.value and c.decimals >= written.decimals) for c in candidates
        )
    return any(backs(c, written, True) for c in candidates)


def _literal_matches(written: Number, literals: set[Decimal], percent: bool) -> bool:
    values = {written.value} | ({written.value / 100} if percent else set())
    return any(v == lit for v in values for lit in literals)


def classify(claim: Claim, ev: Evidence, marked: list[str], figures: dict | None = None) -> None:
    """Set ``claim.kind`` and ``claim.why`` from the rules in the module docstring."""
    before = getattr(claim, "_before", "")
    after = getattr(claim, "_after", "")
    percent = claim.unit in ("%", "%p", "points", "point", "pts")
    rounding = claim.hedged or any(e.scale != 1 for e in claim.ends)
    if _REFERENCE.search(before) or _REFERENCE_AFTER.match(after):
        claim.kind, claim.why = "definitional", "a reference or name"
        return
    if any(_same_token(m, claim.text) for m in marked):
        claim.kind, claim.why = "definitional", "marked"
        return
    if all(is_printed(e, ev.printed, rounding, percent) for e in claim.ends):
        claim.kind = "measured"
        claim.why = "printed" + (" (rounded)" if rounding else "")
        return
    if (
        claim.bound
        and len(claim.ends) == 1
        and _literal_matches(claim.ends[0], ev.asserted, percent)
    ):
        claim.kind, claim.why = "asserted", "a bound that an assert checks"
        return
    if (
        _SETTING.search(before)
        and len(claim.ends) == 1
        and _literal_matches(claim.ends[0], ev.literals, False)
    ):
        claim.kind, claim.why = "definitional", "a setting of the notebook's code"
        return
    for key, fig in (figures if figures is not None else _figures()).items():
        if not re.search(rf"""["']{re.escape(key)}["']""", ev.code):
            continue
        held = extract(f"{fig.value} {fig.unit}".strip())
        if held and len(held[0].ends) == len(claim.ends):
            if all(
                is_printed(e, [h], rounding, percent)
                for e, h in zip(claim.ends, held[0].ends, strict=True)
            ):
                claim.kind, claim.why = "cited", f"sources.FIGURES[{key!r}]"
                return
        elif not held and len(claim.ends) == 1:  # a plain integer figure
            n = parse_number(fig.value)
            if is_printed(claim.ends[0], [n], rounding, percent):
                claim.kind, claim.why = "cited", f"sources.FIGURES[{key!r}]"
                return
    claim.kind = "unbacked"


def _same_token(marked: str, written: str) -> bool:
    squash = lambda s: re.sub(rf"{_SPACE}|\s", "", s)  # noqa: E731
    return squash(marked) == squash(written) or squash(marked).startswith(squash(written))


def _figures() -> dict:
    from course_utils.sources import FIGURES

    return FIGURES


# ---------------------------------------------------------------- notebooks and the README


def check_cell(
    markdown: str, ev: Evidence, where: str, cell: int = -1, cell_id: str = "", figures=None
) -> tuple[list[Claim], list[str]]:
    """The classified claims of one markdown cell, and marker problems."""
    marked, problems = markers(markdown)
    text = markdown
    if cell == 0:  # the title slide's run-time line is a budget, not a measurement here
        text = _RUN_TIME.sub(lambda m: " " * len(m.group(0)), markdown)
    claims = extract(text, where, cell, cell_id)
    for c in claims:
        classify(c, ev, marked, figures)
    for m in marked:
        if not any(_same_token(m, c.text) for c in claims):
            problems.append(f"{where}: marker names {m!r}, which the cell does not contain")
    return claims, problems


def check_notebook(path: Path, figures=None) -> tuple[list[Claim], list[str]]:
    """Every claim in a notebook's markdown, classified; and marker problems."""
    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    ev = Evidence.of(nb)
    prefix = ("ko/" if path.parent.name == "ko" else "") + path.name[:2]
    claims, problems = [], []
    for i, cell in enumerate(nb.get("cells", [])):
        if cell.get("cell_type") != "markdown":
            continue
        c, p = check_cell(_source(cell), ev, f"{prefix} cell {i}", i, cell.get("id", ""), figures)
        claims += c
        problems += p
    return claims, problems


def course_map_rows(readme: Path = README) -> dict[str, str]:
    """The README's course map: notebook number → the row's text."""
    text = readme.read_text(encoding="utf-8")
    section = text.split("## Course map", 1)[-1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        m = re.match(r"^\|\s*(\d\d)\s*\|", line)
        if m:
            rows[m.group(1)] = line
    return rows


def check_readme(readme: Path = README, figures=None) -> tuple[list[Claim], list[str]]:
    """The course map's rows, each against its English notebook."""
    claims, problems = [], []
    for number, row in course_map_rows(readme).items():
        matches = sorted(NOTEBOOKS.glob(f"{number}_*.ipynb"))
        if not matches:
            problems.append(f"README {number}: no notebook {number}_*.ipynb")
            continue
        ev = Evidence.of(json.loads(matches[0].read_text(encoding="utf-8")))
        row_text = row.split("|", 3)[-1]  # skip the number and the link/thumbnail column
        c, p = check_cell(row_text, ev, f"README {number}", -1, "", figures)
        claims += c
        problems += p
    return claims, problems


def all_notebooks() -> list[Path]:
    return sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")) + sorted(
        KO_NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: both editions + README")
    parser.add_argument("--report", action="store_true", help="every claim with its kind")
    args = parser.parse_args(argv)
    paths = args.notebooks or all_notebooks()
    results: list[tuple[str, list[Claim], list[str]]] = []
    for path in paths:
        claims, problems = check_notebook(path)
        results.append(
            (("ko/" if path.parent.name == "ko" else "") + path.name[:2], claims, problems)
        )
    if not args.notebooks:
        claims, problems = check_readme()
        results.append(("README", claims, problems))
    failed = False
    for _, claims, problems in results:
        for c in claims:
            if args.report or c.kind == "unbacked":
                print(c)
        for p in problems:
            print(p)
        failed |= bool(problems) or any(c.kind == "unbacked" for c in claims)
    print("\nclaim-carrying numbers per notebook (unbacked / all):")
    for name, claims, problems in results:
        kinds = Counter(c.kind for c in claims)
        detail = ", ".join(f"{k} {v}" for k, v in sorted(kinds.items()) if k != "unbacked")
        bad = kinds["unbacked"] + len(problems)
        print(f"  {name:>6}: {bad:>3} unbacked of {len(claims):>3}   ({detail})")
    total = sum(Counter(c.kind for c in cl)["unbacked"] + len(p) for _, cl, p in results)
    print(f"  total unbacked: {total}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
