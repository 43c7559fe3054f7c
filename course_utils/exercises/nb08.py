"""Checkers for notebook 08 (object-detection basics: boxes, IoU, NMS, AP).

Each checker compares the learner's answer with ``torchvision.ops`` or with
``course_utils.detection`` (itself checked against torchvision and pycocotools) and, when
the answer is off, names the usual mistake it looks like, never the expected value.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence
from fractions import Fraction

import numpy as np
import torch
from torchvision.ops import box_convert

from course_utils.detection import average_precision, box_iou, nms, precision_recall
from course_utils.exercises import (
    M,
    Verdict,
    call_answer,
    check_seed,
    report,
    seeded_generator,
)
from course_utils.i18n import define

__all__ = [
    "IOU_BOXES",
    "NMS_BOXES",
    "NMS_SCORES",
    "NMS_THRESHOLD",
    "TYPICAL_MISTAKES",
    "check_iou_by_hand",
    "check_xywh_to_cxcywh",
    "check_nms_kept",
    "check_average_precision",
]


define(
    {
        # exercise 1
        "08.iou_none": (
            "replace None with your number, e.g. 0.25 or 1 / 4",
            "None을 여러분이 구한 수로 바꿔라. 예: 0.25 또는 1 / 4",
        ),
        "08.iou_not_a_number": (
            "give a single number, not {type}",
            "수 하나를 넣어라 (지금은 {type})",
        ),
        "08.iou_ok": (
            "intersection over union, both worked out",
            "교집합과 합집합을 모두 맞게 구했다",
        ),
        "08.iou_out_of_range": (
            "an IoU lies between 0 and 1; {hint}",
            "IoU는 0과 1 사이에 있다: {hint}",
        ),
        "08.iou_area": (
            "that looks like an area in pixels², not a ratio",
            "비율이 아니라 픽셀² 단위의 넓이로 보인다",
        ),
        "08.iou_negative": (
            "an IoU is never negative: a width or height of the overlap came out negative (clamp "
            "it at 0)",
            "IoU는 음수가 될 수 없다: 겹친 영역의 너비나 높이가 음수로 나왔다 "
            "(0 아래는 0으로 잘라라)",
        ),
        "08.iou_union_twice": (
            "the union counts the overlap once: area A + area B − intersection",
            "합집합은 겹친 부분을 한 번만 센다: A의 넓이 + B의 넓이 − 교집합",
        ),
        "08.iou_one_box": (
            "you divided by one box's area; IoU divides by the union of both",
            "상자 하나의 넓이로 나누었다: IoU는 두 상자의 합집합으로 나눈다",
        ),
        "08.iou_overlap": (
            "recompute the overlap: its width is min(right edges) − max(left edges), its height "
            "min(bottom edges) − max(top edges)",
            "겹친 부분을 다시 계산하라: 너비는 min(오른쪽 변) − max(왼쪽 변), "
            "높이는 min(아래쪽 변) − max(위쪽 변)이다",
        ),
        # exercise 2
        "08.box": ("{n} box ({dtype})", "상자 {n}개 ({dtype})"),
        "08.boxes": ("{n} boxes ({dtype})", "상자 {n}개 ({dtype})"),
        "08.convert_shape": (
            "for {where} the result is {shape}; it must keep the (K, 4) shape "
            "(torch.stack(..., dim=-1) of the four columns)",
            "{where}에서 결과의 모양이 {shape|이다}: (K, 4) 모양을 유지해야 한다 "
            "(네 열을 torch.stack(..., dim=-1)에 넣어 쌓아라)",
        ),
        "08.convert_whole_width": (
            "the centre is half a width right of the left edge, not a whole width",
            "중심은 왼쪽 변에서 너비 전체가 아니라 너비의 절반만큼 오른쪽에 있다",
        ),
        "08.convert_unchanged": (
            "the boxes came back unchanged: the first two numbers must become the centre",
            "상자가 그대로 돌아왔다: 앞의 두 수가 중심이 되어야 한다",
        ),
        "08.convert_corner": (
            "the last two numbers stay the width and height, not the far corner",
            "뒤의 두 수는 반대쪽 꼭짓점이 아니라 그대로 너비와 높이다",
        ),
        "08.convert_swapped": (
            "x and y are swapped: the order is (cx, cy, w, h)",
            "x와 y가 뒤바뀌었다: 순서는 (cx, cy, w, h)이다",
        ),
        "08.convert_other": ("check each of the four columns", "네 열을 하나씩 확인하라"),
        "08.convert_ok": (
            "equals torchvision's box_convert on six sets, the empty one included",
            "빈 집합을 포함한 상자 집합 여섯 개에서 torchvision의 box_convert와 같다",
        ),
        # exercise 3
        "08.nms_not_indices": (
            "give a list of box indices (ints), e.g. [0, 3]",
            "상자 인덱스(int)의 리스트를 넣어라. 예: [0, 3]",
        ),
        "08.nms_empty": (
            "NMS always keeps at least the best box; list the kept indices",
            "NMS는 적어도 가장 좋은 상자 하나는 늘 남긴다: 남는 상자의 인덱스를 나열하라",
        ),
        "08.nms_range": ("box indices run from 0 to {last}", "상자 인덱스는 0부터 {last}까지다"),
        "08.nms_repeat": (
            "each box is kept at most once; your list repeats an index",
            "상자는 많아야 한 번 남는다: 리스트에 같은 인덱스가 두 번 있다",
        ),
        "08.nms_ok": (
            "that is the greedy walk, chain effect included",
            "연쇄 효과까지 포함한 탐욕적 순회 그대로다",
        ),
        "08.nms_order": (
            "right boxes, wrong order: list them as NMS keeps them, best first",
            "상자는 맞지만 순서가 틀렸다: NMS가 남기는 순서대로, 가장 좋은 상자부터 나열하라",
        ),
        "08.nms_kept_suppressed": (
            "you kept a box that NMS suppresses: it overlaps a higher-scoring box that NMS keeps, "
            "with IoU above the threshold",
            "NMS가 억제하는 상자를 남겼다: 그 상자는 NMS가 남기는 더 높은 점수의 상자와 "
            "임계값보다 큰 IoU로 겹친다",
        ),
        "08.nms_dropped_best": (
            "you dropped a box that no higher-scoring box overlaps with IoU above the threshold; "
            "such a box is always kept (IoU must be *above* the threshold)",
            "점수가 더 높은 어느 상자와도 IoU가 임계값을 넘게 겹치지 않는 상자를 뺐다: 그런 상자는 "
            "늘 남는다 (IoU가 임계값을 *넘어야* 억제된다)",
        ),
        "08.nms_dropped_chain": (
            "you dropped a box whose big overlaps are all with boxes that were themselves "
            "suppressed; a suppressed box suppresses nothing",
            "크게 겹치는 상대가 모두 이미 억제된 상자뿐인 상자를 뺐다: "
            "억제된 상자는 아무것도 억제하지 않는다",
        ),
        "08.nms_other": (
            "walk the boxes from the highest score down and try again",
            "점수가 가장 높은 상자부터 차례로 내려가며 다시 해 보라",
        ),
        # exercise 4
        "08.ap_not_a_number": (
            "return a number (a float), not {type}",
            "수 하나(float)를 반환해야 한다 (지금은 {type})",
        ),
        "08.ap_no_envelope": (
            "this is the area under the raw zig-zag curve: make precision non-increasing first "
            "(each point takes the best precision at any higher recall)",
            "이것은 다듬지 않은 지그재그 곡선 아래의 넓이다: 먼저 정밀도가 증가하지 않게 만들어라 "
            "(각 점은 그보다 높은 재현율에서의 가장 높은 정밀도를 취한다)",
        ),
        "08.ap_voc11": (
            "that is VOC 2007's 11-point AP; this exercise asks for the all-point area",
            "그것은 VOC 2007의 11점 AP다: 이 연습 문제는 모든 점을 쓰는 넓이를 묻는다",
        ),
        "08.ap_by_tps": (
            "recall divides by all objects (num_gt), found or not, not by the TPs",
            "재현율은 TP 수가 아니라, 찾았든 못 찾았든 모든 객체의 수(num_gt)로 나눈다",
        ),
        "08.ap_by_detections": (
            "recall divides by the number of objects (num_gt), not of detections",
            "재현율은 검출 수가 아니라 객체 수(num_gt)로 나눈다",
        ),
        "08.ap_out_of_range": ("an AP lies between 0 and 1", "AP는 0과 1 사이에 있다"),
        "08.ap_other": (
            "sum (recall step) × (envelope precision) over the detections where recall grows",
            "재현율이 커지는 검출마다 (재현율 증가분) × (포락선 정밀도)를 더하라",
        ),
        "08.ap_ok": (
            "equals the library's all-point AP on {n} ranked lists",
            "순위 리스트 {n}개에서 라이브러리의 모든 점 AP와 같다",
        ),
    }
)


# ---------------------------------------------------------------------------------------------
# exercise 1: IoU of two boxes, by hand

#: The two xyxy boxes of exercise 1 (pixels).
IOU_BOXES: tuple[tuple[int, int, int, int], tuple[int, int, int, int]] = (
    (10, 10, 50, 40),
    (30, 20, 70, 60),
)


def _parts(a: Sequence[int], b: Sequence[int]) -> tuple[int, int, int]:
    """Intersection, area of a, area of b (integers)."""
    iw = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    ih = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    return iw * ih, (a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1])


def _as_real(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        return float(value.item())
    if isinstance(value, numbers.Real):
        return float(value)
    return None


def check_iou_by_hand(value: object) -> Verdict:
    """Exercise 1: ``value`` is the IoU of the two boxes ``IOU_BOXES``, worked out by hand.

    A number (``0.25``, ``1 / 4`` or ``Fraction(1, 4)``); compared to 3 significant digits.
    """
    if value is None:
        return report(False, M("08.iou_none"))
    got = _as_real(value)
    if got is None:
        return report(False, M("08.iou_not_a_number", type=type(value).__name__))
    inter, area_a, area_b = _parts(*IOU_BOXES)
    expected = Fraction(inter, area_a + area_b - inter)

    def near(x: float | Fraction) -> bool:
        return abs(got - float(x)) <= 5e-4 * max(abs(float(x)), 1e-9) + 5e-5

    if near(expected):
        return report(True, M("08.iou_ok"))
    if not 0.0 <= got <= 1.0:
        hint = M("08.iou_area") if got > 1 else M("08.iou_negative")
        return report(False, M("08.iou_out_of_range", hint=hint))
    if near(Fraction(inter, area_a + area_b)):
        hint = M("08.iou_union_twice")
    elif near(Fraction(inter, area_a)) or near(Fraction(inter, area_b)):
        hint = M("08.iou_one_box")
    elif near(Fraction(inter, min(area_a, area_b) + max(area_a, area_b))):
        hint = M("08.iou_union_twice")
    else:
        hint = M("08.iou_overlap")
    return report(False, hint)


# ---------------------------------------------------------------------------------------------
# exercise 2: a box conversion


def _xywh_cases(seed: int | None = None) -> list[torch.Tensor]:
    if seed is not None:
        return _drawn_xywh_cases(seed)
    g = torch.Generator().manual_seed(8)
    cases = [torch.tensor([[10.0, 20.0, 30.0, 40.0]]), torch.zeros((0, 4))]
    for k in (1, 5, 40):
        xy = torch.rand(k, 2, generator=g) * 100
        wh = torch.rand(k, 2, generator=g) * 50 + 1
        cases.append(torch.cat((xy, wh), dim=1))
    cases.append(cases[-1].double())
    return cases


def _drawn_xywh_cases(seed: int) -> list[torch.Tensor]:
    """Six sets as the notebook's (one whole-pixel box, none, three random sets, a float64
    copy), with other sizes, positions and numbers of boxes."""
    g = seeded_generator(seed, 802)
    reach = float(torch.randint(50, 501, (1,), generator=g))
    corner = torch.randint(0, int(reach), (1, 2), generator=g)
    size = torch.randint(1, int(reach) // 2 + 1, (1, 2), generator=g)
    cases = [torch.cat((corner, size), dim=1).float(), torch.zeros((0, 4))]
    for low, high in ((1, 4), (4, 13), (20, 61)):
        k = int(torch.randint(low, high, (1,), generator=g))
        xy = torch.rand(k, 2, generator=g) * reach
        wh = torch.rand(k, 2, generator=g) * reach / 2 + 1
        cases.append(torch.cat((xy, wh), dim=1))
    cases.append(cases[-1].double())
    return cases


def check_xywh_to_cxcywh(
    convert_fn: Callable[[torch.Tensor], torch.Tensor], *, seed: int | None = None
) -> Verdict:
    """Exercise 2: ``convert_fn(boxes)`` turns ``(K, 4)`` xywh boxes into cxcywh directly.

    The answer must equal ``torchvision.ops.box_convert(boxes, "xywh", "cxcywh")``, keep
    the shape (also for K = 0) and leave its input unchanged.
    ``seed``: None checks the notebook's cases; an int ≥ 0 draws other boxes (hidden tests).
    """
    seed = check_seed(seed)
    for boxes in _xywh_cases(seed):
        original = boxes.clone()
        ok, got = call_answer(convert_fn, boxes)
        if not ok:
            return report(False, got)
        where = M("08.box" if len(boxes) == 1 else "08.boxes", n=len(boxes), dtype=str(boxes.dtype))
        if not isinstance(got, torch.Tensor):
            return report(False, M("not_a_tensor_for", type=type(got).__name__, where=where))
        if not torch.equal(boxes, original):
            return report(False, M("changed_input"))
        if got.shape != boxes.shape:
            shape = "×".join(str(s) for s in got.shape) or M("a_scalar")
            return report(False, M("08.convert_shape", where=where, shape=shape))
        expected = box_convert(boxes, "xywh", "cxcywh")
        got = got.to(expected.dtype)
        if torch.allclose(got, expected, atol=1e-4):
            continue
        x, y, w, h = boxes.unbind(-1)
        if torch.allclose(got, torch.stack((x + w, y + h, w, h), -1), atol=1e-4):
            hint = M("08.convert_whole_width")
        elif torch.allclose(got, boxes, atol=1e-4):
            hint = M("08.convert_unchanged")
        elif torch.allclose(got, torch.stack((x + w / 2, y + h / 2, x + w, y + h), -1), atol=1e-4):
            hint = M("08.convert_corner")
        elif torch.allclose(got, torch.stack((y + h / 2, x + w / 2, h, w), -1), atol=1e-4):
            hint = M("08.convert_swapped")
        else:
            hint = M("08.convert_other")
        return report(False, M("wrong_for_colon", where=where, hint=hint))
    return report(True, M("08.convert_ok"))


# ---------------------------------------------------------------------------------------------
# exercise 3: which boxes does NMS keep?

#: Exercise 3's boxes (xyxy, pixels) and scores, and the IoU threshold.
NMS_BOXES = torch.tensor(
    [
        [0.0, 0.0, 10.0, 10.0],
        [3.0, 0.0, 13.0, 10.0],
        [6.0, 0.0, 16.0, 10.0],
        [30.0, 0.0, 40.0, 10.0],
        [34.0, 0.0, 44.0, 10.0],
        [2.0, 0.0, 12.0, 10.0],
    ]
)
NMS_SCORES = torch.tensor([0.9, 0.8, 0.7, 0.6, 0.95, 0.5])
NMS_THRESHOLD = 0.5


def _as_indices(value: object) -> list[int] | None:
    if isinstance(value, torch.Tensor | np.ndarray):
        value = value.tolist()
    if isinstance(value, int) and not isinstance(value, bool):
        value = [value]
    if not isinstance(value, list | tuple):
        return None
    out = []
    for v in value:
        if isinstance(v, bool) or not isinstance(v, numbers.Integral):
            return None
        out.append(int(v))
    return out


def check_nms_kept(kept: object) -> Verdict:
    """Exercise 3: ``kept`` lists the indices greedy NMS keeps, in the order it keeps them.

    Boxes ``NMS_BOXES``, scores ``NMS_SCORES``, threshold ``NMS_THRESHOLD`` (a box goes
    when its IoU with a kept, higher-scoring box is above it).
    """
    indices = _as_indices(kept)
    if indices is None:
        return report(False, M("08.nms_not_indices"))
    if not indices:
        return report(False, M("08.nms_empty"))
    n = len(NMS_BOXES)
    if any(not 0 <= i < n for i in indices):
        return report(False, M("08.nms_range", last=n - 1))
    if len(set(indices)) != len(indices):
        return report(False, M("08.nms_repeat"))
    expected = nms(NMS_BOXES, NMS_SCORES, NMS_THRESHOLD).tolist()
    if indices == expected:
        return report(True, M("08.nms_ok"))
    if sorted(indices) == sorted(expected):
        return report(False, M("08.nms_order"))
    iou = box_iou(NMS_BOXES, NMS_BOXES)
    if any(i not in expected for i in indices):
        return report(False, M("08.nms_kept_suppressed"))
    for i in (i for i in expected if i not in indices):
        better = [
            j for j in range(n) if NMS_SCORES[j] > NMS_SCORES[i] and iou[i, j] > NMS_THRESHOLD
        ]
        if not better:
            return report(False, M("08.nms_dropped_best"))
        return report(False, M("08.nms_dropped_chain"))
    return report(False, M("08.nms_other"))


# ---------------------------------------------------------------------------------------------
# exercise 4: AP of a ranked list


def _ap_cases(seed: int | None = None) -> list[tuple[list[bool], int]]:
    if seed is not None:
        return _drawn_ap_cases(seed)
    cases = [
        ([True, False, False, True, True], 3),  # the notebook's worked class "square"
        ([True, True, False], 4),  # an object never found
        ([False, True, True, False, False, True], 3),  # starts with a false positive
        ([True], 1),
    ]
    rng = np.random.default_rng(88)
    while len(cases) < 30:
        k = int(rng.integers(1, 15))
        flags = (rng.random(k) < rng.uniform(0.2, 0.9)).tolist()
        cases.append((flags, int(sum(flags) + rng.integers(0, 4)) or 1))
    return cases


def _drawn_ap_cases(seed: int) -> list[tuple[list[bool], int]]:
    """30 other ranked lists; the first starts FP, TP, TP (the envelope matters) and has more
    objects than detections (num_gt, the TPs and the list's length all differ)."""
    rng = np.random.default_rng([804, seed])
    flags = [False, True, True, *(rng.random(int(rng.integers(0, 8))) < 0.5).tolist()]
    cases = [(flags, len(flags) + int(rng.integers(1, 4)))]
    while len(cases) < 30:
        k = int(rng.integers(1, 21))
        flags = (rng.random(k) < rng.uniform(0.2, 0.9)).tolist()
        cases.append((flags, int(sum(flags) + rng.integers(0, 4)) or 1))
    return cases


def _curve(flags: Sequence[bool], denominator: float) -> tuple[torch.Tensor, torch.Tensor]:
    tp = torch.tensor(flags, dtype=torch.float64)
    cum = torch.cumsum(tp, 0)
    return cum / torch.arange(1, len(tp) + 1, dtype=torch.float64), cum / denominator


def _raw_area(precision: torch.Tensor, recall: torch.Tensor) -> float:
    steps = torch.diff(recall, prepend=recall.new_zeros(1))
    return float((steps * precision).sum())


def check_average_precision(
    ap_fn: Callable[[list[bool], int], float], *, seed: int | None = None
) -> Verdict:
    """Exercise 4: ``ap_fn(is_tp, num_gt)`` is the all-point AP of a ranked list.

    ``is_tp`` lists the detections best score first (True: a true positive); ``num_gt``
    counts the objects. The answer must equal the area under the precision envelope
    (VOC 2010+ "all points", :func:`course_utils.detection.average_precision`).
    ``seed``: None checks the notebook's lists; an int ≥ 0 draws 30 other lists (hidden tests).
    """
    seed = check_seed(seed)
    cases = _ap_cases(seed)
    for flags, num_gt in cases:
        ok, got = call_answer(ap_fn, list(flags), num_gt)
        if not ok:
            return report(False, got)
        value = _as_real(got)
        if value is None:
            return report(False, M("08.ap_not_a_number", type=type(got).__name__))
        scores = torch.linspace(1.0, 0.1, len(flags), dtype=torch.float64)
        precision, recall = precision_recall(scores, torch.tensor(flags), num_gt)
        expected = average_precision(recall, precision, "all")
        if abs(value - expected) <= 1e-6:
            continue
        where = f"is_tp={['TP' if f else 'FP' for f in flags]}, num_gt={num_gt}"
        found = max(sum(flags), 1)
        if abs(value - _raw_area(precision, recall)) <= 1e-6:
            hint = M("08.ap_no_envelope")
        elif abs(value - average_precision(recall, precision, "voc11")) <= 1e-6:
            hint = M("08.ap_voc11")
        elif abs(value - average_precision(*_curve(flags, found)[::-1], "all")) <= 1e-6:
            hint = M("08.ap_by_tps")
        elif abs(value - average_precision(*_curve(flags, len(flags))[::-1], "all")) <= 1e-6:
            hint = M("08.ap_by_detections")
        elif value > 1 or value < 0:
            hint = M("08.ap_out_of_range")
        else:
            hint = M("08.ap_other")
        return report(False, M("wrong_for_colon", where=where, hint=hint))
    return report(True, M("08.ap_ok", n=len(cases)))


# ---------------------------------------------------------------------------------------------
# one typical mistake per exercise: code a student might write, which its checker rejects

TYPICAL_MISTAKES: dict[str, str] = {
    # the union counts the overlap twice: area A + area B, the intersection not subtracted
    "08.1": "iou_answer = 400 / (1200 + 1600)\n",
    # the centre a whole width and height from the corner, not half of them
    "08.2": """
import torch


def xywh_to_cxcywh(boxes):
    x, y, w, h = boxes.unbind(-1)
    return torch.stack((x + w, y + h, w, h), dim=-1)
""",
    # the chain effect forgotten: box 1, itself suppressed by box 0, still suppresses box 2
    "08.3": "kept = [4, 0, 3]\n",
    # no envelope (the notebook's starter): the raw precision at each TP times the recall step
    "08.4": """
def ap_all_points(is_tp, num_gt):
    tp, ap = 0, 0.0
    for rank, flag in enumerate(is_tp, start=1):
        if flag:
            tp += 1
            ap += (tp / rank) * (1 / num_gt)
    return ap
""",
}
