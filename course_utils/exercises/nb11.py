"""Checkers for notebook 11 (Faster R-CNN: anchors, anchor labels, proposal recall).

Each checker runs the learner's function on fresh inputs, compares it with
``course_utils.detection`` (itself checked against torchvision) and, when the answer is
off, names the usual mistake it looks like, never the expected value.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import torch

from course_utils.detection import (
    anchor_labels,
    base_anchors,
    box_iou,
    match_anchors,
    proposal_recall,
)
from course_utils.exercises import (
    M,
    Message,
    Verdict,
    call_answer,
    check_seed,
    draw_int,
    report,
    seeded_generator,
)
from course_utils.i18n import define

__all__ = ["TYPICAL_MISTAKES", "check_cell_anchors", "check_label_anchors", "check_recall_at_k"]

define(
    {
        "11.not_a_tensor": (
            "return a tensor, not {type} ({where})",
            "{where}에서 텐서를 반환해야 한다 (지금은 {type})",
        ),
        "11.for": ("for {where}: {hint}", "{where}에서: {hint}"),
        # exercise 1
        "11.anchors_where": ("sizes {sizes}, ratios {ratios}", "크기 {sizes}, 종횡비 {ratios}"),
        "11.anchors_shape": (
            "for {where} you returned {shape}; one row (x1, y1, x2, y2) per anchor: "
            "len(sizes) · len(ratios) rows",
            "{where}에서 반환한 모양이 {shape|이다}: 앵커마다 (x1, y1, x2, y2) 한 행, "
            "모두 len(sizes) · len(ratios)개 행이어야 한다",
        ),
        "11.almost": ("almost, for {where}: {hint}", "{where}에서 거의 맞다: {hint}"),
        "11.anchors_unrounded": (
            "round the corners to whole pixels (torch.round), as torchvision does",
            "torchvision처럼 꼭짓점을 정수 픽셀로 반올림하라 (torch.round)",
        ),
        "11.anchors_inverted": (
            "height and width are swapped: aspect ratio means height / width",
            "높이와 너비가 뒤바뀌었다: 종횡비는 높이 / 너비다",
        ),
        "11.anchors_size_major": (
            "right anchors, wrong order: ratio-major (all sizes of the first ratio, then the next "
            "ratio)",
            "앵커는 맞지만 순서가 틀렸다: 종횡비 우선 (첫 종횡비의 모든 크기, 그다음 종횡비)",
        ),
        "11.anchors_no_sqrt": (
            "the area must stay size² for every ratio: scale the height by √ratio and divide the "
            "width by √ratio",
            "넓이는 종횡비와 상관없이 늘 size²이어야 한다: 높이에 √ratio를 곱하고 너비는 "
            "√ratio로 나누어라",
        ),
        "11.anchors_full": (
            "the box reaches half a width to each side of the centre, not a whole one",
            "상자는 중심에서 양쪽으로 너비 전체가 아니라 너비의 절반만큼 뻗는다",
        ),
        "11.anchors_corner": (
            "the anchors are centred on (0, 0): x1 = −w/2, x2 = +w/2",
            "앵커의 중심은 (0, 0)이다: x1 = −w/2, x2 = +w/2",
        ),
        "11.anchors_other": (
            "for each ratio r and size s, h = s·√r, w = s/√r, box (−w/2, −h/2, w/2, h/2)",
            "종횡비 r, 크기 s마다 h = s·√r, w = s/√r, 상자 (−w/2, −h/2, w/2, h/2)",
        ),
        "11.anchors_ok": (
            "equals base_anchors for {n} settings, the paper's too",
            "논문의 설정을 포함한 {n}가지 설정에서 base_anchors와 같다",
        ),
        # exercise 2
        "11.labels_where": (
            "{anchors} anchors, {objects} objects",
            "앵커 {anchors}개, 객체 {objects}개",
        ),
        "11.labels_where_one": ("{anchors} anchors, 1 object", "앵커 {anchors}개, 객체 1개"),
        "11.labels_shape": (
            "for {where} return one label per anchor, shape ({n},)",
            "{where}에서 앵커마다 레이블 하나를 반환하라: 모양 ({n},)",
        ),
        "11.labels_no_objects": (
            "an image without objects: every anchor is background (0)",
            "객체가 없는 이미지: 모든 앵커가 배경(0)이다",
        ),
        "11.labels_values": (
            "labels are 1, 0 or −1; you returned {got}",
            "레이블은 1, 0, −1 중 하나다 (지금 반환한 값은 {got})",
        ),
        "11.labels_no_low_quality": (
            "an object whose best anchor has IoU below 0.7 gets no positive anchor; also make "
            "each object's best anchor(s) positive",
            "가장 좋은 앵커의 IoU가 0.7보다 낮은 객체는 양성 앵커를 하나도 얻지 못한다: "
            "객체마다 가장 좋은 앵커도 양성으로 만들어라",
        ),
        "11.labels_middle": (
            "anchors with best IoU from 0.3 up to 0.7 are ignored (−1), not background (IoU "
            "exactly 0.3 is ignored too)",
            "가장 좋은 IoU가 0.3 이상 0.7 미만인 앵커는 배경이 아니라 무시(−1)한다 "
            "(IoU가 정확히 0.3이어도 무시한다)",
        ),
        "11.labels_background": (
            "background is best IoU below 0.3 (label 0)",
            "배경은 가장 좋은 IoU가 0.3 미만인 앵커다 (레이블 0)",
        ),
        "11.labels_too_many": (
            "too many positives; below IoU 0.7 only each object's best anchor (and anchors tied "
            "with it) is promoted",
            "양성이 너무 많다: IoU 0.7 미만에서는 객체마다 가장 좋은 앵커(와 그와 동률인 앵커)만 "
            "양성으로 올린다",
        ),
        "11.labels_07_included": (
            "best IoU ≥ 0.7 (0.7 included) makes an anchor positive",
            "가장 좋은 IoU가 0.7 이상이면(0.7 포함) 앵커는 양성이다",
        ),
        "11.labels_ties": (
            "an object's best IoU can be shared by several anchors (ties); all of them become "
            "positive",
            "객체의 가장 좋은 IoU를 여러 앵커가 함께 가질 수 있다(동률): 그 앵커가 모두 양성이 된다",
        ),
        "11.labels_other": (
            "compare IoUs per anchor with both thresholds",
            "앵커마다 IoU를 두 임계값과 비교하라",
        ),
        "11.labels_ok": (
            "equals anchor_labels(match_anchors(...)) on {n} cases, edge cases included",
            "까다로운 경우를 포함한 {n}가지 경우에서 anchor_labels(match_anchors(...))와 같다",
        ),
        # exercise 3
        "11.recall_where": (
            "k = {k}, IoU {iou}, {images} images",
            "k = {k}, IoU {iou}, 이미지 {images}개",
        ),
        "11.recall_not_a_number": (
            "return one number (a float), not {type}",
            "수 하나(float)를 반환해야 한다 (지금은 {type})",
        ),
        "11.recall_range": ("a recall lies between 0 and 1", "재현율은 0과 1 사이에 있다"),
        "11.recall_all_proposals": (
            "you used all proposals: keep only each image's first k",
            "제안 영역을 모두 썼다: 이미지마다 처음 k개만 남겨라",
        ),
        "11.recall_per_image": (
            "average over objects, not over images: count found objects over all images",
            "이미지가 아니라 객체에 대해 평균하라: 모든 이미지에서 찾은 객체의 수를 세어라",
        ),
        "11.recall_strict": (
            "IoU equal to the threshold counts as covered (≥, not >)",
            "IoU가 임계값과 같아도 찾은 것으로 센다 (> 대신 ≥)",
        ),
        "11.recall_other": (
            "for each object take its best IoU with the image's first k proposals",
            "객체마다 그 이미지의 처음 k개 제안 영역과의 가장 좋은 IoU를 취하라",
        ),
        "11.recall_ok": (
            "equals proposal_recall of the top k on {n} cases, empty images included",
            "빈 이미지를 포함한 {n}가지 경우에서 상위 k개의 proposal_recall과 같다",
        ),
    }
)


def _as_boxes(value: object, what: Message) -> tuple[torch.Tensor | None, Message | None]:
    if not isinstance(value, torch.Tensor):
        return None, M("11.not_a_tensor", type=type(value).__name__, where=what)
    return value, None


# ---------------------------------------------------------------------------------------------
# exercise 1: the anchors of one cell

_CELL_CASES: list[tuple[tuple[float, ...], tuple[float, ...]]] = [
    ((16.0, 32.0, 64.0), (0.5, 1.0, 2.0)),  # the kit's RPN
    ((128.0, 256.0, 512.0), (0.5, 1.0, 2.0)),  # the paper's
    ((32.0,), (1.0,)),
    ((20.0, 40.0), (0.25, 1.0, 4.0)),
    ((50.0,), (0.5, 2.0)),
]

#: The aspect ratios hidden cases draw from (they print short).
_RATIOS = (0.25, 0.4, 0.5, 0.8, 1.0, 1.25, 2.0, 2.5, 4.0)


def _near_a_half(sizes: Sequence[float], ratios: Sequence[float]) -> bool:
    """Whether a half side lies within 0.001 of a half pixel without being one: rounding it
    might then depend on float32 or float64 arithmetic."""
    for r in ratios:
        for s in sizes:
            for v in (s * math.sqrt(r) / 2, s / math.sqrt(r) / 2):
                off = abs(v - math.floor(v) - 0.5)
                if 0 < off < 1e-3:
                    return True
    return False


def _cell_cases(seed: int | None = None) -> list[tuple[tuple[float, ...], tuple[float, ...]]]:
    """The notebook's settings, or for ``seed`` the paper's and four drawn ones (1 to 4 sizes
    from 8 to 512 pixels, 1 to 4 ratios from ``_RATIOS``)."""
    if seed is None:
        return _CELL_CASES
    g = seeded_generator(seed, 1101)
    cases = [_CELL_CASES[1]]
    while len(cases) < 5:
        sizes = tuple(float(s) for s in (torch.randperm(505, generator=g)[: draw_int(1, 4, g)] + 8))
        picked = torch.randperm(len(_RATIOS), generator=g)[: draw_int(1, 4, g)].tolist()
        ratios = tuple(_RATIOS[i] for i in picked)
        if not _near_a_half(sizes, ratios):
            cases.append((sizes, ratios))
    return cases


def _unrounded(sizes: Sequence[float], ratios: Sequence[float], **kw: bool) -> torch.Tensor:
    """Variants of the anchor formula, for the hints (``kw`` switches on one mistake)."""
    s = torch.tensor(sizes, dtype=torch.float64)
    r = torch.tensor(ratios, dtype=torch.float64)
    if kw.get("inverted"):
        r = 1 / r
    if kw.get("no_sqrt"):
        h, w = r[:, None] * s[None, :], s[None, :].expand(len(r), -1)
    else:
        h, w = torch.sqrt(r)[:, None] * s[None, :], s[None, :] / torch.sqrt(r)[:, None]
    if kw.get("size_major"):
        h, w = h.T, w.T
    h, w = h.reshape(-1), w.reshape(-1)
    half = 1.0 if kw.get("full") else 0.5
    out = torch.stack((-w * half, -h * half, w * half, h * half), dim=1)
    if kw.get("corner"):
        out = torch.stack((torch.zeros_like(w), torch.zeros_like(h), w, h), dim=1)
    return out


def check_cell_anchors(
    anchors_fn: Callable[[Sequence[float], Sequence[float]], torch.Tensor],
    *,
    seed: int | None = None,
) -> Verdict:
    """Exercise 1: ``anchors_fn(sizes, aspect_ratios)`` returns the ``(A, 4)`` anchors of one cell.

    Centred on (0, 0), xyxy, ratio-major (all sizes of the first ratio, then the next),
    ``aspect_ratio = height / width``, area ``size²``, corners rounded to whole pixels:
    :func:`course_utils.detection.base_anchors` (and torchvision's ``AnchorGenerator``).
    ``seed``: None checks the notebook's settings; an int ≥ 0 draws four other settings besides
    the paper's (hidden tests).
    """
    seed = check_seed(seed)
    cases = _cell_cases(seed)
    for sizes, ratios in cases:
        ok, got = call_answer(anchors_fn, list(sizes), list(ratios))
        if not ok:
            return report(False, got)
        where = M("11.anchors_where", sizes=str(list(sizes)), ratios=str(list(ratios)))
        got, problem = _as_boxes(got, where)
        if got is None:
            return report(False, problem)
        expected = base_anchors(sizes, ratios, dtype=torch.float64)
        if got.shape != expected.shape:
            shape = "×".join(str(s) for s in got.shape) or M("a_scalar")
            return report(False, M("11.anchors_shape", where=where, shape=shape))
        got = got.detach().to(torch.float64)
        if torch.allclose(got, expected, atol=1e-6):
            continue
        if torch.allclose(got, _unrounded(sizes, ratios), atol=1e-4):
            hint = M("11.anchors_unrounded")
            return report(False, M("11.almost", where=where, hint=hint))
        variants = {
            "inverted": M("11.anchors_inverted"),
            "size_major": M("11.anchors_size_major"),
            "no_sqrt": M("11.anchors_no_sqrt"),
            "full": M("11.anchors_full"),
            "corner": M("11.anchors_corner"),
        }
        for mistake, hint in variants.items():
            wrong = _unrounded(sizes, ratios, **{mistake: True})
            if float((got - wrong).abs().max()) <= 1.0:  # up to rounding
                return report(False, M("11.for", where=where, hint=hint))
        return report(False, M("wrong_for_colon", where=where, hint=M("11.anchors_other")))
    return report(True, M("11.anchors_ok", n=len(cases)))


# ---------------------------------------------------------------------------------------------
# exercise 2: label the anchors for the RPN loss


def _DOCSTRING_CASE() -> tuple[torch.Tensor, torch.Tensor]:  # noqa: N802 - a fixed case
    """Anchors whose best IoUs with the object are 0.9, 0.67 and 0."""
    return (
        torch.tensor([[0.0, 0.0, 10.0, 10.0], [0.0, 0.0, 10.0, 6.0], [50.0, 50.0, 60.0, 60.0]]),
        torch.tensor([[0.0, 0.0, 10.0, 9.0]]),
    )


def _THRESHOLD_CASE() -> tuple[torch.Tensor, torch.Tensor]:  # noqa: N802 - a fixed case
    """Anchors exactly on the thresholds: IoU 1, 0.7, 0.3 and 0 with the object."""
    anchors = [[0.0, 0.0, 10.0, 10.0], [0.0, 0.0, 10.0, 7.0], [0.0, 0.0, 10.0, 3.0]]
    return torch.tensor([*anchors, [60.0, 60.0, 70.0, 70.0]]), torch.tensor(
        [[0.0, 0.0, 10.0, 10.0]]
    )


def _label_cases(seed: int | None = None) -> list[tuple[torch.Tensor, torch.Tensor]]:
    from course_utils.detection import generate_anchors

    if seed is not None:
        return _drawn_label_cases(seed)
    g = torch.Generator().manual_seed(11)
    anchors = generate_anchors((8, 8), 8, (12.0, 24.0), (0.5, 1.0, 2.0))  # a 64×64 image
    cases = [
        # the docstring example: best IoUs 0.9, 0.67, 0 → positive, ignored, negative
        _DOCSTRING_CASE(),
        # a small object that no anchor covers with IoU ≥ 0.3: only the low-quality rule saves it
        (anchors, torch.tensor([[30.0, 30.0, 34.0, 36.0]])),
        # exactly on the thresholds: IoU 0.7 is positive, IoU 0.3 is ignored (not background)
        _THRESHOLD_CASE(),
        (anchors, torch.zeros((0, 4))),  # no object: all background
    ]
    for n in (1, 3, 5):
        xy = torch.rand(n, 2, generator=g) * 44
        wh = torch.rand(n, 2, generator=g) * 16 + 6
        cases.append((anchors, torch.cat((xy, xy + wh), dim=1).round()))
    return cases


def _drawn_label_cases(seed: int) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """The notebook's seven cases with other numbers: its hand-made examples moved, scaled by a
    whole factor and maybe mirrored about the diagonal (IoUs stay exactly 0.9, 0.7, 0.3, …),
    and another anchor grid (6 to 10 cells of stride 4 or 8, two sizes from 12 to 32) with a
    small object no anchor covers by IoU 0.3, no object, and random objects."""
    from course_utils.detection import generate_anchors

    g = seeded_generator(seed, 1102)
    cells, stride = draw_int(6, 10, g), (4, 8)[draw_int(0, 1, g)]
    sizes = tuple(float(s) for s in sorted((torch.randperm(21, generator=g)[:2] + 12).tolist()))
    anchors = generate_anchors((cells, cells), stride, sizes, (0.5, 1.0, 2.0))
    image = cells * stride

    def moved(anchors: torch.Tensor, gt: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        scale = draw_int(1, 3, g)
        shift = torch.randint(0, 41, (2,), generator=g).float().repeat(2)
        order = [1, 0, 3, 2] if draw_int(0, 1, g) else [0, 1, 2, 3]
        return anchors[:, order] * scale + shift, gt[:, order] * scale + shift

    def objects(n: int) -> torch.Tensor:
        xy = torch.rand(n, 2, generator=g) * (image - 20)
        wh = torch.rand(n, 2, generator=g) * 16 + 6
        return torch.cat((xy, xy + wh), dim=1).round()

    # an object of at most 4 × 4 pixels (IoU < 0.3 with every anchor, at least 8 × 17 pixels)
    # centred half-way between two cells: its best anchors come in tied, mirrored pairs
    x, y = draw_int(1, cells - 3, g), draw_int(1, cells - 3, g)
    centre = [(2 * x + 1) * stride // 2, y * stride]
    if draw_int(0, 1, g):
        centre = [x * stride, (2 * y + 1) * stride // 2]
    half = torch.randint(1, 3, (2,), generator=g)
    small = torch.cat((torch.tensor(centre) - half, torch.tensor(centre) + half))[None].float()
    return [
        # best IoUs 0.9, 0.67, 0 → positive, ignored, negative
        moved(*_DOCSTRING_CASE()),
        (anchors, small),  # only the low-quality rule gives it an anchor
        # exactly on the thresholds: IoU 0.7 is positive, IoU 0.3 is ignored (not background)
        moved(*_THRESHOLD_CASE()),
        (anchors, torch.zeros((0, 4))),  # no object: all background
        *((anchors, objects(draw_int(low, high, g))) for low, high in ((1, 2), (3, 4), (5, 7))),
    ]


def check_label_anchors(
    label_fn: Callable[..., torch.Tensor], *, seed: int | None = None
) -> Verdict:
    """Exercise 2: ``label_fn(anchors, gt_boxes)`` gives each anchor 1 (object), 0 (background) or −1.

    The Faster R-CNN rule with ``pos_iou = 0.7`` and ``neg_iou = 0.3``: best IoU ≥ 0.7 → 1,
    < 0.3 → 0, in between → −1 (ignored); and every object's best anchor(s) (ties
    included) → 1 whatever their IoU. As ``anchor_labels(match_anchors(anchors, gt))``.
    ``seed``: None checks the notebook's cases; an int ≥ 0 draws other anchors and objects
    (hidden tests).
    """
    seed = check_seed(seed)
    for anchors, gt in _label_cases(seed):
        ok, got = call_answer(label_fn, anchors.clone(), gt.clone())
        if not ok:
            return report(False, got)
        if len(gt) == 1:
            where = M("11.labels_where_one", anchors=len(anchors))
        else:
            where = M("11.labels_where", anchors=len(anchors), objects=len(gt))
        got, problem = _as_boxes(got, where)
        if got is None:
            return report(False, problem)
        expected = anchor_labels(match_anchors(anchors, gt))
        if got.shape != expected.shape:
            return report(False, M("11.labels_shape", where=where, n=len(anchors)))
        got = got.detach().to(torch.float32)
        if torch.equal(got, expected):
            continue
        if not len(gt):
            return report(False, M("11.labels_no_objects"))
        values = set(got.unique().tolist())
        if not values <= {-1.0, 0.0, 1.0}:
            return report(False, M("11.labels_values", got=str(sorted(values)[:5])))
        strict = anchor_labels(match_anchors(anchors, gt, allow_low_quality=False))
        if torch.equal(got, strict):
            return report(False, M("11.for", where=where, hint=M("11.labels_no_low_quality")))
        best = box_iou(gt, anchors).max(dim=0).values
        if torch.equal(got == 1, expected == 1):
            mid = (best >= 0.3) & (best < 0.7) & (expected != 1)
            if bool((got[mid] == 0).any()):
                return report(False, M("11.for", where=where, hint=M("11.labels_middle")))
            return report(False, M("11.for", where=where, hint=M("11.labels_background")))
        if bool(((got == 1) & (expected != 1)).any()):
            return report(False, M("11.for", where=where, hint=M("11.labels_too_many")))
        missing = (expected == 1) & (got != 1)
        if bool((best[missing] >= 0.7).any()):
            return report(False, M("11.for", where=where, hint=M("11.labels_07_included")))
        if bool(missing.any()):
            return report(False, M("11.for", where=where, hint=M("11.labels_ties")))
        return report(False, M("wrong_for_colon", where=where, hint=M("11.labels_other")))
    return report(True, M("11.labels_ok", n=len(_label_cases(seed))))


# ---------------------------------------------------------------------------------------------
# exercise 3: proposal recall of the top k


def _recall_cases(
    seed: int | None = None,
) -> list[tuple[list[torch.Tensor], list[torch.Tensor], int, float]]:
    if seed is not None:
        return _drawn_recall_cases(seed)
    g = torch.Generator().manual_seed(111)

    def boxes(n: int, size: float) -> torch.Tensor:
        xy = torch.rand(n, 2, generator=g) * 90
        wh = torch.rand(n, 2, generator=g) * size + 8
        return torch.cat((xy, xy + wh), dim=1)

    gts = [boxes(n, 30) for n in (3, 1, 4, 2, 0)]
    props = []
    for gt in gts:  # jittered copies of the objects, late in the ranking, after random boxes
        jitter = gt + torch.randn(gt.shape, generator=g) * 3
        props.append(torch.cat((boxes(6, 50), jitter, boxes(4, 50))))
    cases = [
        ([p.clone() for p in props], [t.clone() for t in gts], k, iou)
        for k, iou in ((1, 0.5), (8, 0.5), (10, 0.7), (100, 0.5))
    ]
    # one image with fewer proposals than k, one image with none
    cases.append(([props[0][:3], torch.zeros((0, 4))], [gts[0], gts[1]], 5, 0.5))
    return cases


def _drawn_recall_cases(
    seed: int,
) -> list[tuple[list[torch.Tensor], list[torch.Tensor], int, float]]:
    """As the notebook's five cases, with other images (3 to 6, one without objects, 1 to 5
    objects in the others), other numbers of random proposals before and after the jittered
    copies of the objects, and other k and IoU thresholds."""
    g = seeded_generator(seed, 1103)

    def boxes(n: int, size: float) -> torch.Tensor:
        xy = torch.rand(n, 2, generator=g) * 90
        wh = torch.rand(n, 2, generator=g) * size + 8
        return torch.cat((xy, xy + wh), dim=1)

    counts = [draw_int(1, 2, g)] + [draw_int(1, 5, g) for _ in range(draw_int(2, 5, g))]
    where = torch.randperm(len(counts) - 1, generator=g)[:2] + 1
    counts[int(where[0])] = draw_int(4, 5, g)  # recalls per image differ from the overall one
    counts[int(where[1])] = 0  # an image without objects (not the first)
    gts = [boxes(n, 30) for n in counts]
    before = draw_int(3, 8, g)  # random proposals ranked above the objects' jittered copies
    props = []
    for gt in gts:  # corners moved by about 5% of the object's size, kept in order
        wh = (gt[:, 2:] - gt[:, :2]).repeat(1, 2)
        jitter = gt + torch.randn(gt.shape, generator=g) * 0.05 * wh
        jitter = torch.cat(
            (jitter[:, :2].minimum(jitter[:, 2:]), jitter[:, :2].maximum(jitter[:, 2:])), 1
        )
        props.append(torch.cat((boxes(before, 50), jitter, boxes(draw_int(2, 6, g), 50))))
    settings = [
        (draw_int(1, 2, g), 0.5),
        (before + draw_int(1, 3, g), 0.5),
        (before + draw_int(2, 5, g), (0.6, 0.7, 0.75)[draw_int(0, 2, g)]),
        (draw_int(30, 200, g), 0.5),
    ]
    cases = [([p.clone() for p in props], [t.clone() for t in gts], k, iou) for k, iou in settings]
    shown = draw_int(1, 4, g)  # one image with fewer proposals than k, one image with none
    cases.append(([props[0][:shown], torch.zeros((0, 4))], [gts[0], gts[1]],
                  shown + draw_int(1, 4, g), 0.5))  # fmt: skip
    return cases


def check_recall_at_k(recall_fn: Callable[..., float], *, seed: int | None = None) -> Verdict:
    """Exercise 3: ``recall_fn(proposals, gt_boxes, k, iou)`` is the recall of each image's top k.

    ``proposals`` and ``gt_boxes`` are lists (one tensor per image), proposals best first.
    The answer: the fraction of *all* objects, over all images, that one of its image's
    first ``k`` proposals covers with IoU ≥ ``iou`` (as ``proposal_recall`` on the top k).
    ``seed``: None checks the notebook's cases; an int ≥ 0 draws other images, proposals, k and
    IoU thresholds (hidden tests).
    """
    cases = _recall_cases(check_seed(seed))
    for props, gts, k, iou in cases:
        ok, got = call_answer(
            recall_fn, [p.clone() for p in props], [t.clone() for t in gts], k, iou
        )
        if not ok:
            return report(False, got)
        where = M("11.recall_where", k=k, iou=iou, images=len(props))
        if isinstance(got, torch.Tensor) and got.numel() == 1:
            got = float(got)
        if isinstance(got, bool) or not isinstance(got, int | float):
            return report(False, M("11.recall_not_a_number", type=type(got).__name__))
        expected = proposal_recall([p[:k] for p in props], gts, iou)
        if abs(got - expected) <= 1e-6:
            continue
        if not 0 <= got <= 1:
            return report(False, M("11.for", where=where, hint=M("11.recall_range")))
        all_props = proposal_recall(props, gts, iou)
        with_gt = [(p, t) for p, t in zip(props, gts, strict=True) if len(t)]
        per_image = [proposal_recall(p[:k], t, iou) for p, t in with_gt]
        if abs(got - all_props) <= 1e-9 and abs(all_props - expected) > 1e-9:
            hint = M("11.recall_all_proposals")
        elif abs(got - sum(per_image) / len(per_image)) <= 1e-9:
            hint = M("11.recall_per_image")
        elif abs(got - _strict(props, gts, k, iou)) <= 1e-9:
            hint = M("11.recall_strict")
        else:
            hint = M("11.recall_other")
        return report(False, M("11.for", where=where, hint=hint))
    return report(True, M("11.recall_ok", n=len(cases)))


def _strict(props: list[torch.Tensor], gts: list[torch.Tensor], k: int, iou: float) -> float:
    found = total = 0
    for p, t in zip(props, gts, strict=True):
        total += len(t)
        if len(t) and len(p[:k]):
            found += int((box_iou(t, p[:k]).max(dim=1).values > iou).sum())
    return found / total if total else float("nan")


# ---------------------------------------------------------------------------------------------
# one typical mistake per exercise: code a student might write, which its checker rejects

TYPICAL_MISTAKES: dict[str, str] = {
    # height and width swapped: h = s/√r, w = s·√r (the ratio read as width / height)
    "11.1": """
import math

import torch


def cell_anchors(sizes, ratios):
    rows = []
    for r in ratios:
        for s in sizes:
            h, w = s / math.sqrt(r), s * math.sqrt(r)
            rows.append([-w / 2, -h / 2, w / 2, h / 2])
    return torch.tensor(rows).round()
""",
    # no low-quality rule (the notebook's starter): an object without an anchor ≥ 0.7 gets none
    "11.2": """
import torch

from course_utils.detection import box_iou


def label_anchors(anchors, gt_boxes):
    labels = torch.zeros(len(anchors))
    if len(gt_boxes):
        best = box_iou(gt_boxes, anchors).max(dim=0).values
        labels[best >= 0.7] = 1
        labels[(best >= 0.3) & (best < 0.7)] = -1
    return labels
""",
    # all proposals used: the top k never taken
    "11.3": """
from course_utils.detection import box_iou


def recall_at_k(proposals, gt_boxes, k, iou):
    found = total = 0
    for props, gts in zip(proposals, gt_boxes):
        total += len(gts)
        if len(gts) and len(props):
            best = box_iou(gts, props).max(dim=1).values
            found += int((best >= iou).sum())
    return found / total
""",
}
