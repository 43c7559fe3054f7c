"""Every message an exercise checker gives reads as Korean under ``COURSE_LANG=ko``.

Korean students are graded on these messages (the autograder's feedback is the checker's
message), so none may be left in English. Two ways in:

- the checkers run on the reference solutions, the typical mistakes and a set of wrong answers
  chosen to draw each message (``test_checker_message_is_korean``): the real messages, with
  their hints and the values they name;
- every message in the checkers' catalogue (:data:`course_utils.i18n.CATALOGUE`, each
  identifier with its English and Korean template) has its Korean template read with sample
  values, and the checkers' source is read to make sure that every ``report(...)`` gives a
  message of the catalogue, never a string, so a message added without a Korean template
  fails here even before a wrong answer reaches it.

Particles after a field follow the field's sound (``{shape|이다}``), and each real message,
stored as English text in a notebook's outputs, reads back to the same message
(:func:`course_utils.i18n.parse`), which is how the Korean edition shows stored verdicts.

"English left" means a word of three or more Latin letters once code is set aside (code
spans, identifiers with ``_`` or ``.``, calls, ``name=value``, numbers, quoted values) and
apart from the few terms the kit's term list keeps in English (NMS, IoU, …) and the code
names the messages quote. Under ``COURSE_LANG=en`` the message is shown unchanged.
"""

from __future__ import annotations

import ast
import math
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from exercise_asserts import placeholder

from course_utils.exercises import (
    Verdict,
    nb00,
    nb01,
    nb02,
    nb03,
    nb04,
    nb05,
    nb06,
    nb07,
    nb08,
    nb09,
    nb10,
    nb11,
    nb12,
)
from course_utils.exercises.solutions import SOLUTIONS, checker_for, reference
from course_utils.i18n import CATALOGUE, parse, particle
from course_utils.tooling import translate

CHECKERS = Path(nb00.__file__).parent
_ALL = (nb00, nb01, nb02, nb03, nb04, nb05, nb06, nb07, nb08, nb09, nb10, nb11, nb12)
MODULES = {module.__name__.rsplit(".", 1)[1]: module for module in _ALL}

# ---------------------------------------------------------------------------------------------
# what counts as English left over

#: Terms the term list (i18n/terms.yml) keeps in English, and names.
KEPT_TERMS = {
    "NMS", "IoU", "AP", "RoI", "FLOP", "SGD", "MAC", "TP", "FP", "ReLU", "BN", "PyTorch",
    "AlexNet", "ZFNet", "VGG", "VOC", "NaN", "Linear", "torchvision", "torch",
}  # fmt: skip
#: Code the messages quote as it is: Python values and types, and the exercises' arguments
#: where a formula or a sentence names them (`4·planes`, `len(sizes)`, `fraction`).
CODE_WORDS = {
    "None", "True", "False", "int", "float", "list", "tuple", "str", "dict", "bool",
    "NoneType", "Tensor", "ndarray", "inf", "nan", "round", "floor", "ceil", "bin",
    "size", "sizes", "ratio", "ratios", "cells", "context", "planes", "channels", "side",
    "hidden", "groups", "stride", "backward", "kernel", "conv", "dense", "fraction",
}  # fmt: skip
_CODE = re.compile(
    r"`[^`]*`"  # a code span
    r"|'[^']*'"  # a quoted Python value
    r"|\(in place\)"  # the PyTorch term, kept beside 제자리에서
    r"|\b[\w.]*[_.][\w.]*\b"  # in_channels, F.conv2d, torch.float32
    r"|\b\w+(?=\()"  # a call: round(…)
    r"|\b\w+ ?= ?\S+"  # name=value
    r"|\b[\w.]*\d[\w.]*\b"  # numbers, masks1, x2
)
#: What the learner's own code raised is quoted as it is (not the checker's words).
_RAISED = re.compile(r"함수에서 (?P<exc>\w+) 예외가 발생했다: .*?(?= \([^()]*[가-힣][^()]*\)$|$)")


def english_left(text: str) -> list[str]:
    """The English words of ``text`` outside code and the kept terms."""
    text = _RAISED.sub(r"함수에서 \g<exc> 예외가 발생했다: …", text)
    words = re.findall(r"[A-Za-z]{3,}", _CODE.sub(" ", text))
    return [w for w in words if w not in KEPT_TERMS | CODE_WORDS and not w.endswith("Error")]


def test_english_left_finds_english_and_spares_code():
    assert english_left("❌ 아직 아님: replace None with your number") == [
        "replace", "with", "your", "number",
    ]  # fmt: skip
    assert english_left("is_tp=['TP', 'FP'], num_gt=3에서 틀렸다: this is the area") == [
        "this", "the", "area",
    ]  # fmt: skip
    assert english_left("torch.rand(x.shape, generator=generator)로 `stride` NMS, IoU") == []
    assert english_left("함수에서 ValueError 예외가 발생했다: not one of mine (aux2가 None)") == []


#: Korean spellings the term list rules out (특징맵, 스텝, 지름길, …).
AVOID = {bad: term.ko for term in translate.load_terms() for bad in term.avoid}


def assert_korean(verdict: Verdict, monkeypatch: pytest.MonkeyPatch) -> None:
    """``verdict`` reads as Korean under ko, and as the checker's own English under en."""
    assert isinstance(verdict, Verdict)
    message = verdict.message
    monkeypatch.setenv("COURSE_LANG", "en")
    english = repr(verdict)
    if verdict:
        assert english == "✅ correct" + (f": {message}" if message else ""), english
    else:
        assert english == f"❌ not yet: {message}", english
    monkeypatch.setenv("COURSE_LANG", "ko")
    korean = repr(verdict)
    assert korean.startswith("✅ 정답" if verdict else "❌ 아직 아님: "), korean
    left = english_left(korean)
    assert not left, f"English left {left} in\n  {korean}\n  (from: {english})"
    ruled_out = {bad: ko for bad, ko in AVOID.items() if bad in korean}
    assert not ruled_out, f"spellings the term list rules out {ruled_out} in\n  {korean}"
    # a stored English verdict (a notebook's output) reads back to the same message
    if message:
        again = parse(message)
        assert again is not None, f"{message!r} reads back to no message of the catalogue"
        assert again.render("ko") == verdict.content.render("ko"), (again, verdict.content)


#: Strings in the checkers that are not messages (keys of a table of wrong answers).
NOT_MESSAGES = {"no bias", "no reduce", "k×k on input", "no pool proj", "3×3 branch 3"}


# ---------------------------------------------------------------------------------------------
# A: the catalogue — every message has an identifier and a Korean template; the checkers'
# source gives no message any other way


def _checker_modules() -> list[tuple[str, ast.Module]]:
    return [
        (path.stem, ast.parse(path.read_text(encoding="utf-8")))
        for path in sorted(CHECKERS.glob("nb[0-9][0-9].py"))
    ]


def _calls(tree: ast.AST, name: str) -> list[ast.Call]:
    return [
        n for n in ast.walk(tree)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == name
    ]  # fmt: skip


def _filled(template: str) -> str:
    """A template with each field set to a sample value (a number)."""
    return re.sub(r"\{(\w+)(?::[^}|]*)?(?:\|([가-힣]+))?\}", lambda m: "3" + (m[2] or ""), template)


def test_every_korean_template_reads_korean():
    assert len(CATALOGUE) >= 300, len(CATALOGUE)  # 13 notebooks' checkers
    for key, template in CATALOGUE.items():
        korean = _filled(template.ko)
        assert re.search("[가-힣]", korean), f"{key}: no Korean in {template.ko!r}"
        left = english_left(korean)
        assert not left, f"{key}: English left {left} in {template.ko!r}"
        ruled_out = {bad: ko for bad, ko in AVOID.items() if bad in korean}
        assert not ruled_out, f"{key}: spellings the term list rules out {ruled_out}"


#: A particle written right after a field, which should follow the field's sound instead.
_FIXED_PARTICLE = re.compile(r"\}(이|가|을|를|은|는|과|와|으로|로|이다|다|이며|며)(?![가-힣])")


def test_particles_after_a_field_follow_its_sound():
    fixed = {k: t.ko for k, t in CATALOGUE.items() if _FIXED_PARTICLE.search(t.ko)}
    assert not fixed, f"write {{field|을}} for a particle after a field: {fixed}"


def test_every_report_gives_a_message():
    reports = 0
    for name, tree in _checker_modules():
        for call in _calls(tree, "report"):
            if len(call.args) < 2:
                continue
            reports += 1
            message = call.args[1]
            text = isinstance(message, ast.JoinedStr | ast.BinOp) or (
                isinstance(message, ast.Constant) and isinstance(message.value, str)
            )
            assert not text, f"{name}:{call.lineno}: report() with a string; use M(identifier, ...)"
    assert reports >= 250, reports


def test_every_message_identifier_is_defined_and_used():
    for name, tree in _checker_modules():
        number = name[2:]
        used = set()
        for call in _calls(tree, "M"):
            if not isinstance(call.args[0], ast.Constant):
                continue  # a key chosen in code (M(key)): the source count below finds it
            key = call.args[0].value
            assert key in CATALOGUE, f"{name}:{call.lineno}: {key!r} is not in the catalogue"
            given = {k.arg for k in call.keywords}
            if None not in given:  # no **fields
                assert given == set(CATALOGUE[key].fields), (
                    f"{name}:{call.lineno}: {key!r} takes {CATALOGUE[key].fields}, given {given}"
                )
            used.add(key)
        defined = set()
        for call in _calls(tree, "define"):
            defined |= {k.value for k in call.args[0].keys}
        assert all(k.startswith(f"{number}.") for k in defined), name
        # a key may be built from a table (M(HINTS[...])); every defined key appears in the code
        source = (CHECKERS / f"{name}.py").read_text(encoding="utf-8")
        unused = {k for k in defined - used if source.count(f'"{k}"') < 2}
        assert not unused, f"{name}: messages defined and never given: {sorted(unused)}"


def _english_literals(tree: ast.Module) -> list[tuple[int, str]]:
    """String literals with English words outside define(), docstrings, raise and tables of
    typical mistakes: messages given without an identifier."""
    skip: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            if isinstance(body[0].value, ast.Constant):
                skip.add(id(body[0].value))
        if (
            isinstance(node, ast.Raise)
            or (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id in ("define", "M"))
            or (isinstance(node, ast.Assign | ast.AnnAssign) and isinstance(
                t := (node.targets[0] if isinstance(node, ast.Assign) else node.target), ast.Name)
                and t.id in ("TYPICAL_MISTAKES", "__all__"))
        ):  # fmt: skip
            skip.update(id(n) for n in ast.walk(node))
    found = []
    for node in ast.walk(tree):
        if id(node) in skip or not isinstance(node, ast.Constant | ast.JoinedStr):
            continue
        text = node.value if isinstance(node, ast.Constant) else ast.unparse(node)
        if isinstance(text, str) and re.search(r"[A-Za-z]{3,} [a-z]{2,} [a-z]{2,}", text):
            found.append((node.lineno, text))
    return found


def test_no_message_without_an_identifier():
    for name, tree in _checker_modules():
        found = [(line, text) for line, text in _english_literals(tree)
                 if text not in NOT_MESSAGES]  # fmt: skip
        assert not found, f"{name}: English text outside the catalogue: {found[:3]}"


@pytest.mark.parametrize(
    "word, form, expected",
    [("커널", "을", "을"), ("스트라이드", "을", "를"), ("필터", "으로", "로"), ("층", "으로", "으로"),
     ("커널", "으로", "로"), ("(4, 3)", "이", "이"), ("12", "은", "는"), ("10", "과", "과"), ("1", "으로", "로"), ("3", "로", "으로"),
     ("100", "이", "이"), ("0.25", "이다", "다"), ("K", "이", "가"), ("N", "을", "을"),
     ("50%", "이다", "다"), ("tensor", "이", "이(가)"), ("list", "으로", "(으)로")],
)  # fmt: skip
def test_particle_follows_the_sound_before_it(word, form, expected):
    assert particle(word, form) == expected


# ---------------------------------------------------------------------------------------------
# B: the checkers run on answers that draw their messages

#: name → a call of a checker on one answer; the name says which message it draws.
CASES: dict[str, Callable[[], Verdict]] = {}


def case(name: str, checker: Callable[..., Verdict], answer: object) -> None:
    CASES[name] = lambda: checker(answer)


def _typical(key: str) -> object:
    """The module's TYPICAL_MISTAKES answer of exercise ``key``, run as the notebook would."""
    module = MODULES[f"nb{key[:2]}"]
    namespace: dict = {}
    exec(module.TYPICAL_MISTAKES[key], namespace)  # noqa: S102 - the kit's own code
    return namespace[SOLUTIONS[key].name]


for _key in sorted(SOLUTIONS):
    CASES[f"{_key} reference"] = lambda k=_key: checker_for(k)(reference(k))
    if _key in MODULES[f"nb{_key[:2]}"].__dict__.get("TYPICAL_MISTAKES", {}):
        CASES[f"{_key} typical mistake"] = lambda k=_key: checker_for(k)(_typical(k))
    if callable(reference(_key)):
        CASES[f"{_key} placeholder"] = lambda k=_key: checker_for(k)(placeholder)


def _raises(*args):
    return [1][5]  # IndexError: the learner's own bug


def _none(*args):
    return None


def _as_list(fn):
    return lambda *a: fn(*a).tolist()


def _plus(fn, amount=1.0):
    return lambda *a: fn(*a) + amount


# ------------------------------------------------------------------ 00
_r001 = reference("00.1")
case("00.1 factor 2", nb00.check_mse_gradient, lambda w, X, y: 2 * _r001(w, X, y))
case("00.1 shape", nb00.check_mse_gradient, lambda w, X, y: X.T @ X)
case("00.1 raises", nb00.check_mse_gradient, _raises)
case("00.1 off", nb00.check_mse_gradient, _plus(_r001))
case("00.2 factor", nb00.check_conv_flops, lambda *a: 0)


def _step_tensor(model, optimizer, x, y):
    optimizer.zero_grad()
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    optimizer.step()
    return loss


def _step_none(model, optimizer, x, y):
    optimizer.zero_grad()
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    return loss.item()


case("00.3 tensor", nb00.check_training_step, _step_tensor)
case("00.3 no step", nb00.check_training_step, _step_none)
case("00.3 loss", nb00.check_training_step, lambda *a: 0.0)
# ------------------------------------------------------------------ 01
_r011 = reference("01.1")
case("01.1 list", nb01.check_conv2d_single, _as_list(_r011))
case("01.1 3-D", nb01.check_conv2d_single, lambda i, k, s: _r011(i, k, s)[None])
case("01.1 swapped", nb01.check_conv2d_single, lambda i, k, s: _r011(i, k, s).T)
case("01.1 stride", nb01.check_conv2d_single, lambda i, k, s: _r011(i, k, 1))
case("01.1 values", nb01.check_conv2d_single, _plus(_r011))
_r012 = reference("01.2")
case("01.2 pair", nb01.check_param_counts, lambda *a: 5)


def _counts(dense=None, conv=None):
    def counts(h, w, c_in, c_out, k):
        right_dense, right_conv = _r012(h, w, c_in, c_out, k)
        d = {"no bias": c_in * h * w * c_out * h * w, "pixel": (c_in + 1) * c_out * h * w,
             "other": 7}.get(dense, right_dense)  # fmt: skip
        c = {"positions": right_conv * h * w, "no bias": k * k * c_in * c_out,
             "one channel": (k * k + 1) * c_out, "other": 7}.get(conv, right_conv)  # fmt: skip
        return d, c

    return counts


for _d in ("no bias", "pixel", "other"):
    case(f"01.2 dense {_d}", nb01.check_param_counts, _counts(dense=_d))
for _c in ("positions", "no bias", "one channel", "other"):
    case(f"01.2 conv {_c}", nb01.check_param_counts, _counts(conv=_c))
case("01.3 not a tensor", nb01.check_horizontal_edge_kernel, lambda: "edge")
case("01.3 shape", nb01.check_horizontal_edge_kernel, lambda: torch.ones(2, 2))
case("01.3 zeros", nb01.check_horizontal_edge_kernel, lambda: torch.zeros(3, 3))
case("01.3 flat", nb01.check_horizontal_edge_kernel, lambda: torch.ones(3, 3))
case(
    "01.3 weak",
    nb01.check_horizontal_edge_kernel,
    lambda: torch.tensor([[1.0, -1.0, 0.0], [-1.0, 1.0, 0.0], [0.0, 0.0, 0.0]]),
)
_r014 = reference("01.4")
case("01.4 list", nb01.check_conv_as_matrix, _as_list(_r014))
case("01.4 shape", nb01.check_conv_as_matrix, lambda k, n: torch.zeros(n, n))
case("01.4 wrapped", nb01.check_conv_as_matrix, nb01._conv_matrix_circular)
case("01.4 entries", nb01.check_conv_as_matrix, _plus(_r014))
# ------------------------------------------------------------------ 02


def _eff(f, d):
    return d * (f - 1) + 1


for _name, _fn in {
    "number": lambda *a: "55",
    "not whole": lambda w, f, p, s, d: (w + 2 * p - _eff(f, d)) / s + 1,
    "dilation": lambda w, f, p, s, d: (w + 2 * p - f) // s + 1,
    "one side": lambda w, f, p, s, d: (w + p - _eff(f, d)) // s + 1,
    "no + 1": lambda w, f, p, s, d: (w + 2 * p - _eff(f, d)) // s,
    "other": lambda *a: 0,
}.items():
    case(f"02.1 {_name}", nb02.check_dilated_output_size, _fn)
for _name, _fn in {
    "no bias": lambda c, k, f, g: f * f * c // g * k,
    "filters": lambda c, k, f, g: (f * f * c // g + 1) * (k // g),
    "one channel": lambda c, k, f, g: (f * f + 1) * k,
    "one filter": lambda c, k, f, g: f * f * c // g + 1,
    "other": lambda *a: 0,
    "not a number": lambda *a: None,
}.items():
    case(f"02.2 {_name}", nb02.check_grouped_params, _fn)
for _name, _fn in {
    "both sides": lambda f, d: d * (f - 1),
    "too little": lambda f, d: 0,
    "too much": lambda f, d: 100,
    "negative": lambda f, d: -1,
    "whole": lambda f, d: 0.5,
    "none": lambda f, d: None,
}.items():
    case(f"02.3 {_name}", nb02.check_same_padding, _fn)


def _own_stride(layers):
    size, jump = 1, 1
    for k, s in layers:
        jump *= s
        size += (k - 1) * jump
    return size


case("02.4 own stride", nb02.check_receptive_field, _own_stride)
case(
    "02.4 product", nb02.check_receptive_field, lambda layers: int(np.prod([k for k, _ in layers]))
)
case("02.4 other", nb02.check_receptive_field, lambda layers: 0)
case("02.4 not a number", nb02.check_receptive_field, lambda layers: [1])
# ------------------------------------------------------------------ 03
for _name, _fn in {
    "none": _none,
    "axes": lambda x, k, s: F.max_pool2d(x, k, s)[0],
    "windows": lambda x, k, s: F.max_pool2d(x, k, 1),
    "average": lambda x, k, s: F.avg_pool2d(x, k, s),
    "from 0": lambda x, k, s: F.max_pool2d(x, k, s).clamp(min=0),
    "swapped": lambda x, k, s: F.max_pool2d(x, k, s).transpose(-1, -2),
    "values": lambda x, k, s: F.max_pool2d(x, k, s) + 1,
}.items():
    case(f"03.1 {_name}", nb03.check_max_pool, _fn)
for _name, _fn in {
    "none": _none,
    "channels": lambda x, k: F.avg_pool2d(x, k)[:, :1],
    "overlap": lambda x, k: F.avg_pool2d(x, k, stride=1),
    "stride": lambda x, k: F.avg_pool2d(x, k)[..., :-1],
    "mixed": lambda x, k: F.avg_pool2d(x, k).sum(1, keepdim=True).expand(-1, x.shape[1], -1, -1),
    "values": lambda x, k: F.avg_pool2d(x, k) + 1,
}.items():
    case(f"03.2 {_name}", nb03.check_avg_pool_as_conv, _fn)
_r033 = reference("03.3")
for _name, _fn in {
    "not int": lambda *a: "many",
    "flops": lambda *a: 2 * _r033(*a),
    "halves": lambda i, w, s, pool: _r033(i, w, s, pool) + (1 if pool else 0),
    "other": lambda *a: 0,
    "float accepted": lambda *a: float(_r033(*a)),
}.items():
    case(f"03.3 {_name}", nb03.check_conv_stack_macs, _fn)
# ------------------------------------------------------------------ 04


def _dropout(mask="right", scale="right", evaluate="right", zero="right", generator=True,
             fails=None, in_place=False):  # fmt: skip
    """Inverted dropout with one mistake switched on."""
    calls = []

    def dropout(x, p, training, g):
        calls.append(training)
        if fails is not None and calls.count(True) >= fails:
            raise RuntimeError("out of memory")
        if training and in_place and p > 0:
            x.mul_(2)
        if training and zero == "wrong" and p == 0:
            return x * 2
        if not training:
            return {"right": x.clone, "half": lambda: x * 0.5, "plus": lambda: x + 1,
                    "list": x.tolist, "shape": lambda: x[0], "in place": x.zero_}[evaluate]()  # fmt: skip
        if p == 0 and zero == "right":
            return x.clone()
        shape = (x.shape[0], 1) if mask == "rows" else x.shape
        coins = torch.rand(shape, generator=g if generator else None)
        keep = {"right": coins >= p, "rows": coins >= p, "inverted": coins < p,
                "half": coins >= p / 2}[mask]  # fmt: skip
        kept = x * keep
        return {"right": kept / (1 - p), "none": kept, "times": kept * (1 - p),
                "other": kept * 2}[scale]  # fmt: skip

    return dropout


for _name, _kw in {
    "eval scaled": {"evaluate": "half"},
    "eval changed": {"evaluate": "plus"},
    "not a tensor": {"evaluate": "list"},
    "shape": {"evaluate": "shape"},
    "in place": {"evaluate": "in place"},
    "p = 0": {"zero": "wrong"},
    "keep probability": {"mask": "inverted"},
    "rate": {"mask": "half"},
    "rows": {"mask": "rows"},
    "times": {"scale": "times"},
    "not divided": {"scale": "other"},
    "generator": {"generator": False},
    "in place in training": {"in_place": True},
    "fails at p = 0": {"fails": 1},
    "fails in training": {"fails": 2},
    "fails on the repeat": {"fails": 5},
}.items():
    case(f"04.1 {_name}", nb04.check_dropout, _dropout(**_kw))


def _conv_side(w, f, s, p):
    return (w + 2 * p - f) // s + 1


def _pool_side(w, ceil):
    return math.ceil((w - 3) / 2) + 1 if ceil else (w - 3) // 2 + 1


for _name, _fn in {
    "not a number": lambda *a: "big",
    "conv only": lambda w, f, s, p, c: _conv_side(w, f, s, p),
    "2×2": lambda w, f, s, p, c: (_conv_side(w, f, s, p) - 2) // 2 + 1,
    "no padding": lambda w, f, s, p, c: _pool_side(_conv_side(w, f, s, 0), c),
    "other": lambda *a: 0,
}.items():
    case(f"04.2 {_name}", nb04.check_conv_pool_side, _fn)
_r043 = reference("04.3")
for _name, _fn in {
    "not a number": lambda *a: "x",
    "side": lambda c, side, h, n: _r043(c, 1, h, n),
    "last layer": lambda c, side, h, n: (
        _r043(c, side, h, n) - ((h[-1] if h else c * side * side) + 1) * n
    ),
    "other": lambda *a: 0,
}.items():
    case(f"04.3 {_name}", nb04.check_dense_head_params, _fn)
# ------------------------------------------------------------------ 05
_r051 = reference("05.1")


def _field(n=None, fraction=None, impossible=None):
    def stack_for_field(field):
        if field % 2 == 0 or field < 3:
            if impossible == "other error":
                raise TypeError("not a field")
            if impossible == "none":
                return 0, 0.0
            raise ValueError("even or too small")
        right_n, right_f = _r051(field)
        got_n = {"plus one": right_n + 1, "thirds": field // 3, "zero": 0, "text": "a"}.get(
            n, right_n
        )
        got_f = {"inverse": 1 / right_f, "k": 3 * right_n / field, "one": 9 / field**2,
                 "other": 0.5, "text": "x"}.get(fraction, right_f)  # fmt: skip
        return got_n, got_f

    return stack_for_field


case("05.1 not a pair", nb05.check_stack_for_field, lambda f: 5)
for _n in ("plus one", "thirds", "zero", "text"):
    case(f"05.1 n {_n}", nb05.check_stack_for_field, _field(n=_n))
for _f in ("inverse", "k", "one", "other", "text"):
    case(f"05.1 fraction {_f}", nb05.check_stack_for_field, _field(fraction=_f))
case("05.1 other error", nb05.check_stack_for_field, _field(impossible="other error"))
case("05.1 not refused", nb05.check_stack_for_field, _field(impossible="none"))
_r052 = reference("05.2")


def _swap_square(kernel):
    return kernel.transpose(0, 1) if kernel.shape[0] == kernel.shape[1] else kernel


for _name, _fn in {
    "none": _none,
    "size": lambda ws: ws[0],
    "axes": lambda ws: _r052(ws).transpose(0, 1),
    "rank": lambda ws: torch.zeros(3),
    "square swapped": lambda ws: _swap_square(_r052(ws)),
    "chain": lambda ws: _r052(ws) + 1,
    "flipped": lambda ws: _r052(ws).flip(-1, -2),
}.items():
    case(f"05.2 {_name}", nb05.check_compose_kernels, _fn)
for _name, _kw in {"no bias": {"bias": False}, "no head": {"head": False},
                   "no pools": {"pools": False}, "one hidden": {"hidden_layers": 1}}.items():  # fmt: skip
    case(f"05.3 {_name}", nb05.check_vgg_params, lambda *a, kw=_kw: nb05._vgg_count(*a, **kw))
case("05.3 not int", nb05.check_vgg_params, lambda *a: "x")
case("05.3 other", nb05.check_vgg_params, lambda *a: 0)
# ------------------------------------------------------------------ 06
for _name in ("no bias", "no reduce", "no pool proj", "3×3 branch 3"):
    case(
        f"06.1 {_name}",
        nb06.check_inception_params,
        lambda *c, n=_name: nb06._inception_variants(*c)[n],
    )
case("06.1 not int", nb06.check_inception_params, lambda *c: "x")
case("06.1 other", nb06.check_inception_params, lambda *c: 0)
_r062 = reference("06.2")
for _name, _fn in {
    "flops": lambda *a: 2 * _r062(*a),
    "in_channels": lambda c, r, k, kernel, s: s * s * (c * r + c * k * kernel * kernel),
    "kernel": lambda c, r, k, kernel, s: s * s * (c * r + r * k * kernel),
    "size": lambda c, r, k, kernel, s: s * (c * r + r * k * kernel * kernel),
    "other": lambda *a: 0,
    "not int": lambda *a: "x",
}.items():
    case(f"06.2 {_name}", nb06.check_reduced_conv_macs, _fn)


def _aux_loss(mistake):
    def loss(outputs, target, aux_weight=0.3):
        if isinstance(outputs, torch.Tensor):
            ce = F.cross_entropy(outputs, target)
            return {"eval": ce * 2, "list": [ce]}.get(mistake, ce)
        heads = [F.cross_entropy(h, target) for h in outputs if h is not None]
        if mistake == "raises" and outputs.aux2 is None:
            raise ValueError("no aux2")
        if mistake == "main only":
            return heads[0]
        if mistake == "unweighted":
            return sum(heads)
        if mistake == "mean":
            return sum(heads) / len(heads)
        if mistake == "weight on main":
            return aux_weight * heads[0] + sum(heads[1:])
        if mistake == "other":
            return heads[0] + 1
        return heads[0] + aux_weight * sum(heads[1:])

    return loss


for _name in ("eval", "list", "raises", "main only", "unweighted", "mean", "weight on main",
              "other"):  # fmt: skip
    case(f"06.3 {_name}", nb06.check_auxiliary_loss, _aux_loss(_name))
# ------------------------------------------------------------------ 07


def _block(mistake):
    def forward(block, x):
        def bn(i, t):
            return t if mistake == "no bn" else getattr(block, f"bn{i}")(t)

        out = bn(1, block.conv1(x))
        out = out if mistake == "no middle relu" else F.relu(out)
        out = bn(2, block.conv2(out))
        return {"no shortcut": F.relu(out), "no last relu": out + x, "none": None,
                "shape": out[0], "other": F.relu(out + x) + 1}.get(mistake, F.relu(out + x))  # fmt: skip

    return forward


for _name in ("no shortcut", "no last relu", "no middle relu", "no bn", "none", "shape", "other"):
    case(f"07.1 {_name}", nb07.check_residual_forward, _block(_name))


def _shortcut(mistake):
    def shortcut(x, out_channels, stride):
        kept = {"average": F.avg_pool2d(x, stride, ceil_mode=True) if stride > 1 else x,
                "no stride": x, "from 1": x[:, :, 1::stride, 1::stride]}.get(
            mistake, x[:, :, ::stride, ::stride])  # fmt: skip
        extra = out_channels - x.shape[1]
        pad = kept.new_ones if mistake == "ones" else kept.new_zeros
        if mistake == "no channels":
            return kept
        out = torch.cat([kept, pad(kept.shape[0], extra, *kept.shape[2:])], dim=1)
        return {"none": None, "rank": out[0], "other": out * 2}.get(mistake, out)

    return shortcut


for _name in ("average", "no stride", "from 1", "ones", "no channels", "none", "rank", "other"):
    case(f"07.2 {_name}", nb07.check_zero_pad_shortcut, _shortcut(_name))


def _bottleneck(mistake):
    def params(c_in, planes):
        out = 4 * planes
        convs = c_in * planes + 9 * planes * planes + planes * out
        bn = 2 * (planes + planes + out)
        proj = (c_in * out + 2 * out) if c_in != out else 0
        return {
            "no bn": convs + proj,
            "conv bias": convs + bn + proj + planes + planes + out + (out if proj else 0),
            "always projected": convs + bn + c_in * out + 2 * out,
            "not expanded": c_in * planes
            + 9 * planes * planes
            + planes * planes
            + 6 * planes
            + proj,
            "other": 0,
            "not int": "x",
        }.get(mistake, convs + bn + proj)

    return params


for _name in ("no bn", "conv bias", "always projected", "not expanded", "other", "not int"):
    case(f"07.3 {_name}", nb07.check_bottleneck_params, _bottleneck(_name))
# ------------------------------------------------------------------ 08
for _name, _value in {"none": None, "text": "1/6", "area": 400, "negative": -0.1,
                      "one box": 400 / 1200, "union": 400 / 2800, "overlap": 0.3}.items():  # fmt: skip
    case(f"08.1 {_name}", nb08.check_iou_by_hand, _value)


def _convert(mistake):
    def convert(boxes):
        x, y, w, h = boxes.unbind(-1)
        if mistake == "in place":
            boxes[:, :2] += boxes[:, 2:] / 2
            return boxes.clone()
        return {
            "list": lambda: boxes.tolist(),
            "shape": lambda: boxes.flatten(),
            "same": lambda: boxes.clone(),
            "corner": lambda: torch.stack((x + w / 2, y + h / 2, x + w, y + h), -1),
            "swapped": lambda: torch.stack((y + h / 2, x + w / 2, h, w), -1),
            "other": lambda: boxes + 1,
        }[mistake]()

    return convert


for _name in ("in place", "list", "shape", "same", "corner", "swapped", "other"):
    case(f"08.2 {_name}", nb08.check_xywh_to_cxcywh, _convert(_name))
for _name, _value in {"not indices": "abc", "empty": [], "range": [9], "repeat": [4, 4],
                      "order": [0, 4, 2, 3], "suppressed": [4, 0, 1, 2, 3],
                      "best dropped": [0, 2, 3]}.items():  # fmt: skip
    case(f"08.3 {_name}", nb08.check_nms_kept, _value)


def _ap(mistake):
    from course_utils.detection import average_precision, precision_recall

    def ap(is_tp, num_gt):
        scores = torch.linspace(1.0, 0.1, len(is_tp), dtype=torch.float64)
        denominator = {"by tps": max(sum(is_tp), 1), "by detections": len(is_tp)}.get(
            mistake, num_gt
        )
        precision, recall = precision_recall(scores, torch.tensor(is_tp), num_gt)
        if mistake == "voc11":
            return average_precision(recall, precision, "voc11")
        if mistake in ("by tps", "by detections"):
            recall = recall * num_gt / denominator
            return average_precision(recall, precision, "all")
        return {"text": "x", "above 1": 2.0, "other": 0.123}[mistake]

    return ap


for _name in ("voc11", "by tps", "by detections", "text", "above 1", "other"):
    case(f"08.4 {_name}", nb08.check_average_precision, _ap(_name))
# ------------------------------------------------------------------ 09


def _targets(mistake):
    from course_utils.detection import encode_boxes, xyxy_to_cxcywh

    def targets(proposals, gt):
        right = encode_boxes(proposals, gt, weights=(1.0, 1.0, 1.0, 1.0))
        p, q = xyxy_to_cxcywh(proposals), xyxy_to_cxcywh(gt)
        if mistake == "in place":
            gt += 0
            gt[:, 0] += 1
            return right
        return {
            "list": lambda: right.tolist(),
            "shape": lambda: right[:, :2],
            "weighted": lambda: encode_boxes(proposals, gt),
            "object units": lambda: torch.cat(((q[:, :2] - p[:, :2]) / q[:, 2:], right[:, 2:]), 1),
            "no unit": lambda: torch.cat((q[:, :2] - p[:, :2], right[:, 2:]), 1),
            "no log": lambda: torch.cat((right[:, :2], q[:, 2:] / p[:, 2:]), 1),
            "sign": lambda: torch.cat((right[:, :2], -right[:, 2:]), 1),
            "tw": lambda: torch.cat((right[:, :2], right[:, 2:] + 1), 1),
            "tx": lambda: torch.cat((right[:, :2] + 1, right[:, 2:]), 1),
            "other": lambda: right + 1,
        }[mistake]()

    return targets


for _name in ("in place", "list", "shape", "weighted", "object units", "no unit", "no log",
              "sign", "tw", "tx", "other"):  # fmt: skip
    case(f"09.1 {_name}", nb09.check_regression_targets, _targets(_name))


def _context(mistake):
    from course_utils.detection import cxcywh_to_xyxy, xyxy_to_cxcywh

    def context(boxes, warp, ctx):
        c = xyxy_to_cxcywh(boxes)
        if mistake == "in place":
            boxes += 1
            return nb09.context_box_reference(boxes - 1, warp, ctx)
        grown = {"outer": (warp + 2 * ctx) / warp}.get(mistake, warp / (warp - 2 * ctx))
        return {
            "list": lambda: boxes.tolist(),
            "shape": lambda: boxes[:, :2],
            "outer": lambda: cxcywh_to_xyxy(torch.cat((c[:, :2], c[:, 2:] * grown), 1)),
            "unchanged": lambda: boxes.clone(),
            "corner": lambda: torch.cat((boxes[:, :2], boxes[:, :2] + c[:, 2:] * grown), 1),
            "other": lambda: boxes * 2 + 1,
        }[mistake]()

    return context


for _name in ("in place", "list", "shape", "outer", "unchanged", "corner", "other"):
    case(f"09.2 {_name}", nb09.check_context_box, _context(_name))


def _labels(mistake):
    from course_utils.detection import box_iou

    def labels(proposals, gt, gt_labels):
        if mistake == "per object":
            return torch.zeros(len(gt), dtype=torch.int64)
        if not len(gt):
            return torch.full((len(proposals),), {"empty": -1, "ones": 1}.get(mistake, 0))
        iou = box_iou(gt, proposals)
        best_iou, best = iou.max(dim=0)
        right = torch.where(best_iou >= 0.5, gt_labels[best], 0)
        return {
            "list": lambda: right.tolist(),
            "float": lambda: right.float(),
            "index": lambda: torch.where(best_iou >= 0.5, best, -1),
            "first": lambda: torch.where(
                (iou >= 0.5).any(0), gt_labels[(iou >= 0.5).int().argmax(0)], 0
            ),
            "minus one": lambda: torch.where(best_iou >= 0.5, gt_labels[best], -1),
            "empty": lambda: right,
            "ones": lambda: right,
            "other": lambda: right + 1,
        }[mistake]()

    return labels


for _name in ("per object", "list", "float", "index", "first", "minus one", "empty", "ones",
              "other"):  # fmt: skip
    case(f"09.3 {_name}", nb09.check_proposal_labels, _labels(_name))
# ------------------------------------------------------------------ 10
for _name, _value in {
    "none": None, "three": (5, 10, 23), "projected": (5.25, 9.5, 22.5, 18.75),
    "fractions": (5.2, 9.5, 22.5, 18.7), "pixels": nb10.ROI_PROPOSAL, "order": (10, 5, 19, 23),
    "floor": (5, 9, 22, 18), "ceil": (6, 10, 23, 19), "python round": (5, 10, 22, 19),
    "times": (84, 152, 360, 300), "other": (1, 2, 3, 4),
}.items():  # fmt: skip
    case(f"10.1 {_name}", nb10.check_roi_cells, _value)
for _name, _kw in {"mean": {"reduce": "mean"}, "floor": {"rounding": math.floor},
                   "python round": {"rounding": lambda v: int(round(v))},
                   "no + 1": {"plus_one": 0}, "bins": {"edges": "floor-floor"}}.items():  # fmt: skip
    case(
        f"10.2 {_name}",
        nb10.check_roi_pool_one,
        lambda f, b, o, s, kw=_kw: nb10._roi_pool_variant(f, b, o, s, **kw),
    )
case("10.2 scale", nb10.check_roi_pool_one, lambda f, b, o, s: nb10._roi_pool_variant(f, b, o, 1.0))
case("10.2 list", nb10.check_roi_pool_one, lambda f, b, o, s: [0.0])
case("10.2 shape", nb10.check_roi_pool_one, lambda f, b, o, s: torch.zeros(o))
case("10.2 other", nb10.check_roi_pool_one, lambda f, b, o, s: torch.full((o, o), -1.0))
for _index in range(9):
    case(
        f"10.3 variant {_index}",
        nb10.check_multitask_loss,
        lambda *a, i=_index: list(nb10._loss_variants(*a).values())[i],
    )
case("10.3 vector", nb10.check_multitask_loss, lambda *a: torch.zeros(2))
case("10.3 text", nb10.check_multitask_loss, lambda *a: "x")
case("10.3 other", nb10.check_multitask_loss, lambda *a: 123.0)
# ------------------------------------------------------------------ 11
for _name, _kw in {"unrounded": {}, "size major": {"size_major": True},
                   "no sqrt": {"no_sqrt": True}, "full": {"full": True},
                   "corner": {"corner": True}}.items():  # fmt: skip
    case(
        f"11.1 {_name}",
        nb11.check_cell_anchors,
        lambda s, r, kw=_kw: (
            nb11._unrounded(s, r, **kw) if not kw else nb11._unrounded(s, r, **kw).round()
        ),
    )
case("11.1 list", nb11.check_cell_anchors, lambda s, r: [0.0])
case("11.1 shape", nb11.check_cell_anchors, lambda s, r: torch.zeros(2))
case("11.1 other", nb11.check_cell_anchors, lambda s, r: torch.zeros(len(s) * len(r), 4))


def _anchor_labels(mistake):
    from course_utils.detection import anchor_labels, box_iou, match_anchors

    def labels(anchors, gt):
        right = anchor_labels(match_anchors(anchors, gt)).clone()
        if not len(gt):
            return torch.ones(len(anchors)) if mistake == "empty" else right
        best = box_iou(gt, anchors).max(dim=0).values
        if mistake == "strict":
            return anchor_labels(match_anchors(anchors, gt, allow_low_quality=False))
        if mistake == "mid as background":
            right[right == -1] = 0
        elif mistake == "background":
            right[(right == 0)] = -1
        elif mistake == "too many":
            right[right == -1] = 1
        elif mistake == "0.7 excluded":
            right[(best >= 0.7) & (best < 0.7001)] = -1
        elif mistake == "ties":
            strict = anchor_labels(match_anchors(anchors, gt, allow_low_quality=False)).clone()
            strict[box_iou(gt, anchors).argmax(dim=1)] = 1
            return strict
        elif mistake == "values":
            return right * 2
        elif mistake == "list":
            return right.tolist()
        elif mistake == "shape":
            return right[:-1]
        elif mistake == "other":
            return -right
        return right

    return labels


for _name in ("empty", "strict", "mid as background", "background", "too many", "0.7 excluded",
              "ties", "values", "list", "shape", "other"):  # fmt: skip
    case(f"11.2 {_name}", nb11.check_label_anchors, _anchor_labels(_name))


def _recall(mistake):
    from course_utils.detection import proposal_recall

    def recall(props, gts, k, iou):
        if mistake == "all":
            return proposal_recall(props, gts, iou)
        if mistake == "per image":
            pairs = [(p, t) for p, t in zip(props, gts, strict=True) if len(t)]
            return sum(proposal_recall(p[:k], t, iou) for p, t in pairs) / len(pairs)
        return {"text": "x", "above 1": 2.0, "other": 0.123}[mistake]

    return recall


for _name in ("all", "per image", "text", "above 1", "other"):
    case(f"11.3 {_name}", nb11.check_recall_at_k, _recall(_name))
# ------------------------------------------------------------------ 12
_r121 = reference("12.1")
for _name, _fn in {
    "list": lambda m, b, s: [0.0],
    "shape": lambda m, b, s: _r121(m, b, s)[None],
    "transposed": lambda m, b, s: _r121(m, b, s).T,
    "whole": lambda m, b, s: F.interpolate(m[None, None].float(), size=(s, s))[0, 0],
    "negative": lambda m, b, s: _r121(m, b, s) * 0 - 1,
    "other": lambda m, b, s: torch.zeros(s, s),
}.items():
    case(f"12.1 {_name}", nb12.check_mask_target, _fn)


def _mask_iou(mistake):
    def iou(m1, m2):
        a, b = m1.flatten(1).double(), m2.flatten(1).double()
        inter = a @ b.T
        union = a.sum(1)[:, None] + b.sum(1)[None] - (0 if mistake == "union" else inter)
        if mistake == "nan":
            return inter / union
        if mistake == "list":
            return inter.tolist()
        if mistake == "shape":
            return inter.T if len(m1) != len(m2) else inter[:0]
        if mistake == "other":
            return torch.zeros_like(inter)
        return inter / union.clamp(min=1)

    return iou


for _name in ("union", "nan", "list", "shape", "other"):
    case(f"12.2 {_name}", nb12.check_mask_iou, _mask_iou(_name))


@pytest.mark.parametrize("name", sorted(CASES))
def test_checker_message_is_korean(name, monkeypatch):
    monkeypatch.setenv("COURSE_LANG", "en")  # the checker itself runs as in any notebook
    verdict = CASES[name]()
    assert bool(verdict) == name.endswith(("reference", "accepted")), f"{name}: {verdict!r}"
    assert_korean(verdict, monkeypatch)
