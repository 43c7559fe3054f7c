"""Checkers for notebook 09 (R-CNN: proposals, warping with context, region labels, box regression).

Each checker runs the learner's function on fresh seeded cases, compares it with the kit's
``course_utils.detection`` (itself tested against torchvision and the papers' formulas) and,
when the answer is off, names the usual mistake it looks like, never the expected values.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from course_utils.detection import box_iou, cxcywh_to_xyxy, encode_boxes, xyxy_to_cxcywh
from course_utils.exercises import (
    M,
    Verdict,
    call_answer,
    check_seed,
    draw_int,
    report,
    seeded_generator,
)
from course_utils.i18n import define

__all__ = [
    "TYPICAL_MISTAKES",
    "check_regression_targets",
    "check_context_box",
    "check_proposal_labels",
    "context_box_reference",
]


define(
    {
        # any exercise: a result that is not a tensor of the right shape
        "09.result_shape": (
            "for {where} the result is {shape}; it must be {want}",
            "{where}에서 결과의 모양이 {shape|이다}: {want} 모양이어야 한다",
        ),
        # exercise 1
        "09.proposal": ("{n} proposal ({dtype})", "제안 영역 {n}개 ({dtype})"),
        "09.proposals": ("{n} proposals ({dtype})", "제안 영역 {n}개 ({dtype})"),
        "09.one_row_per_proposal": (
            "{msg} (one row tx, ty, tw, th per proposal)",
            "{msg} (제안 영역마다 tx, ty, tw, th 한 행)",
        ),
        "09.targets_weighted": (
            "these are torchvision's weighted targets (×10, ×10, ×5, ×5); the exercise asks for "
            "the paper's unweighted ones",
            "이것은 torchvision의 가중 목표값(×10, ×10, ×5, ×5)이다: 이 연습 문제는 논문의 "
            "가중치 없는 목표값을 묻는다",
        ),
        "09.targets_object_units": (
            "the shifts are measured in *proposal* widths and heights, not the object's",
            "이동량은 객체가 아니라 *제안 영역*의 너비와 높이로 잰다",
        ),
        "09.targets_corner": (
            "tx and ty move the box *centre*, not its top-left corner",
            "tx와 ty는 상자의 왼쪽 위 꼭짓점이 아니라 *중심*을 옮긴다",
        ),
        "09.targets_no_unit": (
            "divide the centre shift by the proposal's width (and height): targets have no unit",
            "중심 이동량을 제안 영역의 너비(와 높이)로 나누어라: 목표값에는 단위가 없다",
        ),
        "09.targets_no_log": (
            "tw and th are *log* size ratios (so that growing and shrinking are symmetric)",
            "tw와 th는 크기 비의 *로그*다 (커지는 것과 줄어드는 것이 대칭이 되도록)",
        ),
        "09.targets_sign": (
            "tw and th have the wrong sign: the ratio is object size over proposal size",
            "tw와 th의 부호가 틀렸다: 비율은 객체 크기 ÷ 제안 영역 크기다",
        ),
        "09.targets_check_size": (
            "tx and ty are right; check tw and th",
            "tx와 ty는 맞다: tw와 th를 확인하라",
        ),
        "09.targets_check_shift": (
            "tw and th are right; check tx and ty",
            "tw와 th는 맞다: tx와 ty를 확인하라",
        ),
        "09.targets_other": (
            "check each column against the formulas in the exercise",
            "연습 문제의 공식과 열을 하나씩 비교하라",
        ),
        "09.targets_ok": (
            "equals encode_boxes with unit weights on six sets, the empty one included",
            "빈 집합을 포함한 상자 집합 여섯 개에서 단위 가중치의 encode_boxes와 같다",
        ),
        # exercise 2
        "09.box_warp": (
            "{n} box, warp_size {warp}, context {context}",
            "상자 {n}개, 워핑 크기 {warp}, 주변 영역 {context}",
        ),
        "09.boxes_warp": (
            "{n} boxes, warp_size {warp}, context {context}",
            "상자 {n}개, 워핑 크기 {warp}, 주변 영역 {context}",
        ),
        "09.context_image_pixels": (
            "the context is measured in *warped* pixels: one warped pixel is box width ÷ "
            "(warp_size − 2·context) image pixels, so the margin depends on the box size",
            "주변 영역은 *워핑한* 픽셀로 잰다: 워핑한 픽셀 하나는 이미지 픽셀로 상자 너비 ÷ "
            "(warp_size − 2·context)이므로, 여백은 상자 크기에 따라 달라진다",
        ),
        "09.context_outer": (
            "after warping, the box fills warp_size − 2·context pixels, not warp_size: grow by "
            "warp_size / (warp_size − 2·context)",
            "워핑한 뒤 상자는 warp_size가 아니라 warp_size − 2·context 픽셀을 채운다: "
            "warp_size / (warp_size − 2·context)배로 키워라",
        ),
        "09.context_unchanged": (
            "the boxes came back unchanged: add the context",
            "상자가 그대로 돌아왔다: 주변 영역을 더하라",
        ),
        "09.context_corner": (
            "grow the box about its centre, not from its top-left corner",
            "상자를 왼쪽 위 꼭짓점이 아니라 중심을 기준으로 키워라",
        ),
        "09.context_other": (
            "the region keeps the box's centre; only its width and height grow",
            "영역은 상자의 중심을 그대로 둔다: 너비와 높이만 커진다",
        ),
        "09.context_ok": (
            "the same region RCNN.warp cuts out, for three warp sizes",
            "워핑 크기 세 가지에서 RCNN.warp가 잘라 내는 영역과 같다",
        ),
        # exercise 3
        "09.proposals_objects": ("{n} proposals and {m} objects", "제안 영역 {n}개와 객체 {m}개"),
        "09.labels_per_object": (
            "for {where} you returned one value per object; return one label per proposal",
            "{where}에서 객체마다 값 하나를 반환했다: 제안 영역마다 레이블 하나를 반환하라",
        ),
        "09.one_label_per_proposal": (
            "{msg} (one label per proposal)",
            "{msg} (제안 영역마다 레이블 하나)",
        ),
        "09.labels_float": (
            "return integer class labels (torch.int64), not floats",
            "실수가 아니라 정수 클래스 레이블(torch.int64)을 반환하라",
        ),
        "09.labels_strict": (
            "an IoU of exactly 0.5 counts as an object (≥, not >)",
            "IoU가 정확히 0.5여도 객체로 센다 (> 대신 ≥)",
        ),
        "09.labels_index": (
            "return the object's class label, not its index",
            "객체의 인덱스가 아니라 클래스 레이블을 반환하라",
        ),
        "09.labels_first": (
            "when several objects overlap by ≥ 0.5, take the one with the highest IoU",
            "여러 객체가 0.5 이상 겹치면 IoU가 가장 높은 객체를 택하라",
        ),
        "09.labels_minus_one": (
            "background is label 0 (not −1)",
            "배경은 레이블 0이다 (−1이 아니다)",
        ),
        "09.labels_no_objects": (
            "an image without objects: every proposal is background (0)",
            "객체가 없는 이미지: 모든 제안 영역이 배경(0)이다",
        ),
        "09.labels_other": (
            "compare each proposal with every object (IoU), keep the best",
            "제안 영역마다 모든 객체와 비교하고(IoU), 가장 좋은 객체를 택하라",
        ),
        "09.labels_ok": (
            "the labelling rule of sample_proposals, edge cases included",
            "까다로운 경우를 포함해 sample_proposals의 레이블 규칙과 같다",
        ),
    }
)


def _random_boxes(k: int, g: torch.Generator, size: float = 128.0) -> torch.Tensor:
    corner = torch.rand(k, 2, generator=g, dtype=torch.float64) * (size - 40)
    wh = torch.rand(k, 2, generator=g, dtype=torch.float64) * 36 + 4
    return torch.cat((corner, corner + wh), dim=1)


def _check_tensor_result(got: object, like: torch.Tensor, where: M) -> M | None:
    """A message when ``got`` is not a tensor shaped like ``like``; None when it is."""
    if not isinstance(got, torch.Tensor):
        return M("not_a_tensor_for", type=type(got).__name__, where=where)
    if got.shape != like.shape:
        shape = "×".join(str(s) for s in got.shape) or M("a_scalar")
        want = "×".join(str(s) for s in like.shape) or M("a_scalar")
        return M("09.result_shape", where=where, shape=shape, want=want)
    return None


# ---------------------------------------------------------------------------------------------
# exercise 1: the box-regression targets of the R-CNN paper


def _target_pairs(k: int, g: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """``k`` objects and proposals that are shifted and resized versions of them."""
    gt = _random_boxes(k, g).float()
    c = xyxy_to_cxcywh(gt)
    shift = (torch.rand(k, 2, generator=g) - 0.5) * 0.6 * c[:, 2:]
    scale = torch.exp((torch.rand(k, 2, generator=g) - 0.5) * 0.8)
    return cxcywh_to_xyxy(torch.cat((c[:, :2] + shift, c[:, 2:] * scale), 1)), gt


def _target_cases(seed: int | None = None) -> list[tuple[torch.Tensor, torch.Tensor]]:
    if seed is not None:
        return _drawn_target_cases(seed)
    g = torch.Generator().manual_seed(9)
    cases = [
        (torch.tensor([[0.0, 0.0, 10.0, 10.0]]), torch.tensor([[1.0, 0.0, 11.0, 20.0]])),
        (torch.zeros((0, 4)), torch.zeros((0, 4))),
    ]
    for k in (3, 25):
        cases.append(_target_pairs(k, g))
    p, gt = cases[-1]
    cases.append((p.double(), gt.double()))
    return cases


def _drawn_target_cases(seed: int) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """The notebook's five sets (one whole-pixel pair, none, two random sets, a float64 copy),
    with other boxes and other numbers of them."""
    g = seeded_generator(seed, 901)
    gt = _random_boxes(1, g).round().float()  # at least 3 × 3 pixels
    shift = torch.randint(-3, 4, (1, 2), generator=g).float()
    grow = torch.tensor([[-2.0, -1.0, 1.0, 2.0, 3.0]])[:, torch.randint(5, (2,), generator=g)]
    p = torch.cat((gt[:, :2] + shift, gt[:, 2:] + shift + grow), dim=1)  # other size and centre
    cases = [(p, gt), (torch.zeros((0, 4)), torch.zeros((0, 4)))]
    for low, high in ((2, 8), (10, 40)):
        cases.append(_target_pairs(draw_int(low, high, g), g))
    p, gt = cases[-1]
    cases.append((p.double(), gt.double()))
    return cases


def check_regression_targets(
    targets_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor], *, seed: int | None = None
) -> Verdict:
    """Exercise 1: ``targets_fn(proposals, gt_boxes)`` gives the paper's ``(tx, ty, tw, th)``.

    Both arguments are ``(K, 4)`` xyxy boxes, proposal ``i`` paired with object ``i``; the
    answer is ``(K, 4)``, unweighted: ``tx = (gx − px)/pw``, ``ty = (gy − py)/ph``,
    ``tw = log(gw/pw)``, ``th = log(gh/ph)`` with centres and sizes. It must equal
    ``encode_boxes(proposals, gt_boxes, weights=(1, 1, 1, 1))``.
    ``seed``: None checks the notebook's cases; an int ≥ 0 draws other boxes (hidden tests).
    """
    seed = check_seed(seed)
    for proposals, gt in _target_cases(seed):
        originals = (proposals.clone(), gt.clone())
        ok, got = call_answer(targets_fn, proposals, gt)
        if not ok:
            return report(False, got)
        n = len(proposals)
        where = M("09.proposal" if n == 1 else "09.proposals", n=n, dtype=str(proposals.dtype))
        problem = _check_tensor_result(got, proposals, where)
        if problem:
            return report(False, M("09.one_row_per_proposal", msg=problem))
        if not (torch.equal(proposals, originals[0]) and torch.equal(gt, originals[1])):
            return report(False, M("changed_input"))
        expected = encode_boxes(proposals, gt, weights=(1.0, 1.0, 1.0, 1.0))
        got = got.to(expected.dtype)
        if torch.allclose(got, expected, atol=1e-4, rtol=1e-4):
            continue
        p, q = xyxy_to_cxcywh(proposals), xyxy_to_cxcywh(gt.to(proposals.dtype))
        close = lambda a, b: torch.allclose(a, b, atol=1e-4, rtol=1e-4)  # noqa: E731
        if close(got, encode_boxes(proposals, gt)):
            hint = M("09.targets_weighted")
        elif close(got[:, :2], (q[:, :2] - p[:, :2]) / q[:, 2:]):
            hint = M("09.targets_object_units")
        elif close(got[:, :2], (gt.to(p.dtype)[:, :2] - proposals[:, :2]) / p[:, 2:]):
            hint = M("09.targets_corner")
        elif close(got[:, :2], (q[:, :2] - p[:, :2])):
            hint = M("09.targets_no_unit")
        elif close(got[:, :2], expected[:, :2]) and close(got[:, 2:], q[:, 2:] / p[:, 2:]):
            hint = M("09.targets_no_log")
        elif close(got[:, :2], expected[:, :2]) and close(got[:, 2:], -expected[:, 2:]):
            hint = M("09.targets_sign")
        elif close(got[:, :2], expected[:, :2]):
            hint = M("09.targets_check_size")
        elif close(got[:, 2:], expected[:, 2:]):
            hint = M("09.targets_check_shift")
        else:
            hint = M("09.targets_other")
        return report(False, M("wrong_for_colon", where=where, hint=hint))
    return report(True, M("09.targets_ok"))


# ---------------------------------------------------------------------------------------------
# exercise 2: the region R-CNN cuts out (a proposal plus context)


def context_box_reference(boxes: torch.Tensor, warp_size: int, context: int) -> torch.Tensor:
    """The region cut out for each box so that, warped to ``warp_size``², the box itself fills
    the central ``(warp_size − 2·context)``² (the box grown about its centre)."""
    grow = warp_size / (warp_size - 2 * context)
    c = xyxy_to_cxcywh(boxes)
    return cxcywh_to_xyxy(torch.cat((c[:, :2], c[:, 2:] * grow), dim=1))


def _context_cases(seed: int | None = None) -> list[tuple[torch.Tensor, int, int]]:
    if seed is not None:
        return _drawn_context_cases(seed)
    g = torch.Generator().manual_seed(19)
    return [
        (torch.tensor([[20.0, 30.0, 76.0, 44.0]]), 64, 4),
        (_random_boxes(10, g).float(), 64, 4),
        (_random_boxes(10, g).float(), 227, 16),  # the paper's setting
        (_random_boxes(5, g).float(), 32, 0),
        (torch.zeros((0, 4)), 64, 4),
    ]


def _drawn_context_cases(seed: int) -> list[tuple[torch.Tensor, int, int]]:
    """As the notebook's cases (one box, three random sets, none; three warp sizes, one
    without context), with other boxes, warp sizes (16 to 256) and contexts."""
    g = seeded_generator(seed, 902)
    warps = (torch.randperm(241, generator=g)[:3] + 16).tolist()  # three different sizes
    contexts = [draw_int(1, (w - 8) // 4, g) for w in warps[:2]]  # warp − 2·context ≥ w / 2
    one = _random_boxes(1, g).round().float()
    return [
        (one, warps[0], contexts[0]),
        (_random_boxes(draw_int(2, 12, g), g).float(), warps[0], contexts[0]),
        (_random_boxes(draw_int(2, 12, g), g).float(), warps[1], contexts[1]),
        (_random_boxes(draw_int(2, 12, g), g).float(), warps[2], 0),
        (torch.zeros((0, 4)), warps[0], contexts[0]),
    ]


def _context_hint(got: torch.Tensor, boxes: torch.Tensor, warp: int, ctx: int) -> M:
    """The usual mistake a wrong context region looks like."""

    def close(a: torch.Tensor) -> bool:
        return torch.allclose(got, a, atol=1e-3, rtol=1e-4)

    c = xyxy_to_cxcywh(boxes)

    def grown(factor: float) -> torch.Tensor:
        return cxcywh_to_xyxy(torch.cat((c[:, :2], c[:, 2:] * factor), 1))

    pad = torch.tensor([-ctx, -ctx, ctx, ctx], dtype=boxes.dtype)
    if close(boxes + pad):
        hint = M("09.context_image_pixels")
    elif close(grown((warp + 2 * ctx) / warp)):
        hint = M("09.context_outer")
    elif ctx and close(boxes):
        hint = M("09.context_unchanged")
    elif close(torch.cat((boxes[:, :2], boxes[:, :2] + c[:, 2:] * warp / (warp - 2 * ctx)), 1)):
        hint = M("09.context_corner")
    else:
        hint = M("09.context_other")
    return hint


def check_context_box(
    context_fn: Callable[[torch.Tensor, int, int], torch.Tensor], *, seed: int | None = None
) -> Verdict:
    """Exercise 2: ``context_fn(boxes, warp_size, context)`` is the region R-CNN warps.

    ``boxes`` ``(K, 4)`` xyxy pixels; the answer ``(K, 4)`` must be each box grown about
    its centre so that after warping to ``warp_size × warp_size`` the box fills the
    central ``warp_size − 2·context`` pixels and ``context`` warped pixels of surroundings
    remain on every side (what ``RCNN.warp`` cuts out).
    ``seed``: None checks the notebook's cases; an int ≥ 0 draws other boxes, warp sizes and
    contexts (hidden tests).
    """
    seed = check_seed(seed)
    for boxes, warp, ctx in _context_cases(seed):
        original = boxes.clone()
        ok, got = call_answer(context_fn, boxes, warp, ctx)
        if not ok:
            return report(False, got)
        key = "09.box_warp" if len(boxes) == 1 else "09.boxes_warp"
        where = M(key, n=len(boxes), warp=warp, context=ctx)
        problem = _check_tensor_result(got, boxes, where)
        if problem:
            return report(False, problem)
        if not torch.equal(boxes, original):
            return report(False, M("changed_input"))
        expected = context_box_reference(boxes, warp, ctx)
        got = got.to(expected.dtype)
        if torch.allclose(got, expected, atol=1e-3, rtol=1e-4):
            continue
        hint = _context_hint(got, boxes, warp, ctx)
        return report(False, M("wrong_for_colon", where=where, hint=hint))
    return report(True, M("09.context_ok"))


# ---------------------------------------------------------------------------------------------
# exercise 3: which class does a proposal learn?


def _label_reference(proposals: torch.Tensor, gt_boxes: torch.Tensor, gt_labels: torch.Tensor,
                     fg_iou: float = 0.5) -> torch.Tensor:  # fmt: skip
    if len(gt_boxes) == 0:
        return torch.zeros(len(proposals), dtype=torch.int64)
    best_iou, best = box_iou(gt_boxes, proposals).max(dim=0)
    return torch.where(best_iou >= fg_iou, gt_labels[best], torch.zeros_like(best))


def _jittered_labels(k: int, n: int, g: torch.Generator,
                     classes: int = 4) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:  # fmt: skip
    """``k`` proposals, half of them jittered copies of ``n`` objects, half random; labels."""
    gt = _random_boxes(n, g).float()
    labels = torch.randint(1, classes, (n,), generator=g)
    near = gt[torch.randint(n, (k // 2,), generator=g)]
    wh = (near[:, 2:] - near[:, :2]).repeat(1, 2)
    jitter = near + (torch.rand(k // 2, 4, generator=g) - 0.5) * 0.5 * wh
    jitter = torch.cat(
        (jitter[:, :2].minimum(jitter[:, 2:] - 1), jitter[:, 2:].maximum(jitter[:, :2] + 1)), 1
    )
    return torch.cat((jitter, _random_boxes(k - k // 2, g).float())), gt, labels


def _label_cases(seed: int | None = None) -> list[tuple[torch.Tensor, torch.Tensor, torch.Tensor]]:
    if seed is not None:
        return _drawn_label_cases(seed)
    g = torch.Generator().manual_seed(29)
    cases = [
        # IoU exactly 0.5 (100 / 200) counts as an object
        (torch.tensor([[0.0, 0.0, 10.0, 10.0], [50.0, 50.0, 60.0, 60.0]]),
         torch.tensor([[0.0, 0.0, 10.0, 20.0]]), torch.tensor([2])),
        # two objects overlap the proposal by ≥ 0.5: the better one wins (here the second)
        (torch.tensor([[0.0, 0.0, 10.0, 11.0], [0.0, 0.0, 4.0, 4.0]]),
         torch.tensor([[0.0, 0.0, 10.0, 10.0], [0.0, 0.0, 10.0, 12.0]]), torch.tensor([2, 3])),
        # an image without objects: every proposal is background
        (_random_boxes(6, g).float(), torch.zeros((0, 4)), torch.zeros(0, dtype=torch.int64)),
    ]  # fmt: skip
    for k, n in ((40, 3), (120, 4)):
        cases.append(_jittered_labels(k, n, g))
    return cases


def _drawn_label_cases(seed: int) -> list[tuple[torch.Tensor, torch.Tensor, torch.Tensor]]:
    """The notebook's edge cases moved, scaled by a whole factor and maybe mirrored about the
    diagonal (so their IoUs stay exactly 0.5 and above), other classes, and two other random
    images."""
    g = seeded_generator(seed, 903)

    def moved(*boxes: torch.Tensor) -> list[torch.Tensor]:
        scale = draw_int(1, 4, g)
        shift = torch.randint(0, 61, (2,), generator=g).float().repeat(2)
        order = [1, 0, 3, 2] if draw_int(0, 1, g) else [0, 1, 2, 3]
        return [b[:, order] * scale + shift for b in boxes]

    classes = (torch.randperm(5, generator=g) + 2)[:2]  # two classes, neither 0 nor 1 (indices)
    cases = [
        # IoU exactly 0.5 counts as an object
        (*moved(torch.tensor([[0.0, 0.0, 10.0, 10.0], [50.0, 50.0, 60.0, 60.0]]),
                torch.tensor([[0.0, 0.0, 10.0, 20.0]])), classes[:1]),
        # two objects overlap the proposal by ≥ 0.5: the better one (the second) wins
        (*moved(torch.tensor([[0.0, 0.0, 10.0, 11.0], [0.0, 0.0, 4.0, 4.0]]),
                torch.tensor([[0.0, 0.0, 10.0, 10.0], [0.0, 0.0, 10.0, 12.0]])), classes),
        # an image without objects: every proposal is background
        (_random_boxes(draw_int(3, 10, g), g).float(), torch.zeros((0, 4)),
         torch.zeros(0, dtype=torch.int64)),
    ]  # fmt: skip
    for low, high in ((10, 40), (60, 120)):
        k, n = 2 * draw_int(low // 2, high // 2, g), draw_int(1, 5, g)
        cases.append(_jittered_labels(k, n, g, classes=6))
    return cases


def check_proposal_labels(
    label_fn: Callable[[torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor],
    *,
    seed: int | None = None,
) -> Verdict:
    """Exercise 3: ``label_fn(proposals, gt_boxes, gt_labels)`` labels proposals for training.

    A proposal takes the class of the object it overlaps most when that IoU is ≥ 0.5, and
    is background (label 0) otherwise. Returns a ``(P,)`` int64 tensor. This is the rule
    of ``sample_proposals`` (before it draws a balanced mini-batch).
    ``seed``: None checks the notebook's cases; an int ≥ 0 draws other boxes and classes
    (hidden tests).
    """
    seed = check_seed(seed)
    for proposals, gt, gt_labels in _label_cases(seed):
        ok, got = call_answer(label_fn, proposals.clone(), gt.clone(), gt_labels.clone())
        if not ok:
            return report(False, got)
        where = M("09.proposals_objects", n=len(proposals), m=len(gt))
        expected = _label_reference(proposals, gt, gt_labels)
        if isinstance(got, torch.Tensor) and got.shape == (len(gt),) and len(gt) != len(proposals):
            return report(False, M("09.labels_per_object", where=where))
        problem = _check_tensor_result(got, expected, where)
        if problem:
            return report(False, M("09.one_label_per_proposal", msg=problem))
        if got.is_floating_point():
            return report(False, M("09.labels_float"))
        got = got.long()
        if torch.equal(got, expected):
            continue
        iou = box_iou(gt, proposals) if len(gt) else torch.zeros((0, len(proposals)))
        if len(gt):
            best_iou, best = iou.max(dim=0)
            if torch.equal(got, torch.where(best_iou > 0.5, gt_labels[best], 0)):
                hint = M("09.labels_strict")
                return report(False, M("wrong_for_colon", where=where, hint=hint))
            if torch.equal(got, torch.where(best_iou >= 0.5, best, -1)) or torch.equal(
                got, torch.where(best_iou >= 0.5, best, 0)
            ):
                hint = M("09.labels_index")
                return report(False, M("wrong_for_colon", where=where, hint=hint))
            first = torch.where((iou >= 0.5).any(0), gt_labels[(iou >= 0.5).int().argmax(0)], 0)
            if torch.equal(got, first):
                hint = M("09.labels_first")
                return report(False, M("wrong_for_colon", where=where, hint=hint))
        if bool((got < 0).any()):
            hint = M("09.labels_minus_one")
            return report(False, M("wrong_for_colon", where=where, hint=hint))
        if not len(gt):
            return report(False, M("09.labels_no_objects"))
        hint = M("09.labels_other")
        return report(False, M("wrong_for_colon", where=where, hint=hint))
    return report(True, M("09.labels_ok"))


# ---------------------------------------------------------------------------------------------
# one typical mistake per exercise: code a student might write, which its checker rejects

TYPICAL_MISTAKES: dict[str, str] = {
    # tx, ty from the top-left corners instead of the centres
    "09.1": """
import torch


def regression_targets(proposals, gt_boxes):
    p_size = proposals[:, 2:] - proposals[:, :2]
    g_size = gt_boxes[:, 2:] - gt_boxes[:, :2]
    shift = (gt_boxes[:, :2] - proposals[:, :2]) / p_size
    return torch.cat((shift, torch.log(g_size / p_size)), dim=1)
""",
    # the context in image pixels (the notebook's starter), not in warped pixels
    "09.2": """
import torch


def context_box(boxes, warp_size, context):
    return boxes + torch.tensor([-context, -context, context, context])
""",
    # IoU > 0.5 instead of ≥ 0.5: a proposal at exactly 0.5 made background
    "09.3": """
import torch

from course_utils.detection import box_iou


def proposal_labels(proposals, gt_boxes, gt_labels):
    labels = torch.zeros(len(proposals), dtype=torch.int64)
    if len(gt_boxes):
        best_iou, best = box_iou(gt_boxes, proposals).max(dim=0)
        labels = torch.where(best_iou > 0.5, gt_labels[best], labels)
    return labels
""",
}
