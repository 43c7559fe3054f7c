"""Detection metrics: match detections to objects, precision/recall, AP and mAP.

The recipe, per class:

1. sort the detections by score (highest first); walking down the list, a detection is
   a true positive (TP) if it overlaps a not-yet-found object of its class with
   IoU above the threshold — each object is found at most once, later duplicates are
   false positives (FP);
2. after each detection, ``precision = TP / detections so far`` and
   ``recall = TP / objects``: a precision-recall curve;
3. AP summarises the curve as area under its upper envelope (precision made monotone);
4. mAP is the mean AP over the classes that have ground truth.

Two matching rules: ``"voc"`` (PASCAL VOC devkit: a detection looks only at its
best-IoU object; if that one is taken it is an FP; IoU must be *> threshold*) and
``"coco"`` (pycocotools: the best-IoU object *still free*; IoU *≥ threshold*). They differ
only when objects of one class overlap each other. Three AP summaries: ``"all"``
(VOC 2010+: exact area under the envelope), ``"voc11"`` (VOC 2007: mean envelope at recall
0, 0.1, …, 1) and ``"coco101"`` (COCO: the same at 101 recall points).

>>> recall = torch.tensor([0.5, 0.5, 1.0])
>>> precision = torch.tensor([1.0, 0.5, 2 / 3])
>>> round(average_precision(recall, precision), 4)  # 0.5·1 + 0.5·(2/3)
0.8333
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import torch
from torch import Tensor

from course_utils._checks import (
    boxes_ok,
    check_boxes_shape,
    check_choice,
    check_int,
    check_probability,
    check_tensor,
    describe,
    first_bad_box,
)
from course_utils.detection.boxes import _box_iou
from course_utils.detection.masks import _mask_iou, check_masks

__all__ = ["match_detections", "precision_recall", "average_precision", "mean_average_precision"]

_METHODS = ("all", "voc11", "coco101")
_RULES = ("voc", "coco")
_IOU_TYPES = ("bbox", "segm")


def _check_rule(rule: str) -> None:
    check_choice("rule", rule, _RULES)


def _check_scores(name: str, scores: Tensor, n: int) -> None:
    check_tensor(name, scores)
    if scores.shape != (n,):
        raise ValueError(f"need one score per box: {n} boxes, {name} {tuple(scores.shape)}")
    if scores.dtype == torch.bool or scores.is_complex():
        raise TypeError(f"{name} must be real numbers, got dtype {scores.dtype}")


def _check_values(boxes: dict[str, Tensor], scores: dict[str, Tensor]) -> None:
    """One read-back: every box finite with x1 ≤ x2, y1 ≤ y2, and no NaN score."""
    checks = [boxes_ok(b) for b in boxes.values() if len(b)]
    checks += [~torch.isnan(s).any() for s in scores.values() if len(s)]
    if checks and not bool(torch.stack(checks).all()):
        for name, b in boxes.items():
            if len(b) and not bool(boxes_ok(b)):
                raise ValueError(first_bad_box(name, b))
        for name, s in scores.items():
            if len(s) and bool(torch.isnan(s).any()):
                i = int(torch.where(torch.isnan(s))[0][0])
                raise ValueError(
                    f"{name}[{i}] is NaN: a NaN score cannot be ranked, so it is refused; "
                    "drop the detection or find where the NaN came from"
                )


def _greedy_match(iou: Tensor, iou_threshold: float, rule: str) -> Tensor:
    """TP flags for detections already sorted by score; ``iou`` is (D, G), −1 = other class."""
    num_det, num_gt = iou.shape
    if num_det == 0 or num_gt == 0:
        return torch.zeros(num_det, dtype=torch.bool)
    iou = iou.double()  # IoU and threshold in double precision, as the VOC and COCO tools
    if rule == "voc":
        # each detection looks at its best object only, so the greedy walk reduces to:
        # an object is found by the first (highest-scoring) detection that picks it
        best_iou, best_gt = iou.max(dim=1)
        candidate = best_iou > iou_threshold
        position = torch.arange(num_det)
        first = torch.full((num_gt,), num_det, dtype=torch.int64)
        first = first.scatter_reduce(0, best_gt[candidate], position[candidate], reduce="amin")
        tp = torch.zeros(num_det + 1, dtype=torch.bool)
        tp[first] = True
        return tp[:num_det]
    # "coco": the best object still free — inherently one detection after the other
    ious = iou.numpy()
    taken = np.zeros(num_gt, dtype=bool)
    tp = np.zeros(num_det, dtype=bool)
    for d in np.nonzero((ious >= iou_threshold).any(axis=1))[0]:
        free = np.where(taken, -1.0, ious[d])
        g = num_gt - 1 - int(np.argmax(free[::-1]))  # last of equal maxima, like pycocotools
        if free[g] >= iou_threshold:
            taken[g] = tp[d] = True
    return torch.from_numpy(tp)


def _sorted_by_score(scores: Tensor) -> Tensor:
    return torch.sort(scores, descending=True, stable=True).indices


def match_detections(
    pred_boxes: Tensor,
    pred_scores: Tensor,
    gt_boxes: Tensor,
    iou_threshold: float = 0.5,
    rule: str = "voc",
) -> Tensor:
    """True-positive flag of each detection of one class in one image (input order).

    Greedy by score: each ground-truth box is matched at most once; see the module
    docstring for the ``"voc"`` and ``"coco"`` rules.

    >>> gt = torch.tensor([[0.0, 0.0, 10.0, 10.0]])
    >>> pred = torch.tensor([[0.0, 0.0, 10.0, 9.0], [0.0, 0.0, 10.0, 10.0]])
    >>> match_detections(pred, torch.tensor([0.6, 0.9]), gt)  # the 0.9 one finds it first
    tensor([False,  True])
    """
    _check_rule(rule)
    iou_threshold = check_probability("iou_threshold", iou_threshold)
    check_boxes_shape("pred_boxes", pred_boxes)
    check_boxes_shape("gt_boxes", gt_boxes)
    # evaluation is bookkeeping, not number crunching: do it on the CPU
    pred_boxes, pred_scores, gt_boxes = (
        t.detach().cpu() if isinstance(t, Tensor) else t
        for t in (pred_boxes, pred_scores, gt_boxes)
    )
    _check_scores("pred_scores", pred_scores, len(pred_boxes))
    _check_values({"pred_boxes": pred_boxes, "gt_boxes": gt_boxes}, {"pred_scores": pred_scores})
    order = _sorted_by_score(pred_scores)
    iou = _box_iou(pred_boxes[order].double(), gt_boxes.double())
    tp = torch.zeros(len(pred_boxes), dtype=torch.bool)
    tp[order] = _greedy_match(iou, iou_threshold, rule)
    return tp


def precision_recall(scores: Tensor, is_tp: Tensor, num_gt: int) -> tuple[Tensor, Tensor]:
    """Precision and recall after each detection, highest score first (float64 tensors).

    ``scores`` and ``is_tp`` describe all detections of one class (all images);
    ``num_gt`` is the number of ground-truth objects of that class.

    >>> p, r = precision_recall(torch.tensor([0.9, 0.8, 0.7]), torch.tensor([True, False, True]), 4)
    >>> p.tolist(), r.tolist()
    ([1.0, 0.5, 0.6666666666666666], [0.25, 0.25, 0.5])
    """
    num_gt = check_int("num_gt", num_gt)
    check_tensor("scores", scores)
    check_tensor("is_tp", is_tp)
    if num_gt < 1:
        raise ValueError(
            "recall needs at least one ground-truth object (num_gt ≥ 1); a class "
            "without ground truth has no AP and is left out of mAP"
        )
    if scores.shape != is_tp.shape or scores.dim() != 1:
        raise ValueError(
            f"scores and is_tp must be 1-D of equal length, got {tuple(scores.shape)}, "
            f"{tuple(is_tp.shape)}"
        )
    if len(scores) and bool(torch.isnan(scores).any()):
        raise ValueError("scores contain NaN: a NaN score cannot be ranked, so it is refused")
    if int(is_tp.sum()) > num_gt:
        raise ValueError(
            f"is_tp has {int(is_tp.sum())} true positives but num_gt = {num_gt}: each object is "
            "found at most once, so there cannot be more true positives than objects"
        )
    tp = is_tp[_sorted_by_score(scores)].to(torch.float64)
    tp_cum = torch.cumsum(tp, dim=0)
    precision = tp_cum / torch.arange(1, len(tp) + 1, dtype=torch.float64)
    recall = tp_cum / num_gt
    return precision, recall


def _envelope(precision: Tensor) -> Tensor:
    """Make precision non-increasing: ``env[i] = max(precision[i:])``."""
    return precision.flip(0).cummax(dim=0).values.flip(0)


def average_precision(recall: Tensor, precision: Tensor, method: str = "all") -> float:
    """Area under the precision-recall curve (after the monotone envelope).

    ``recall``/``precision`` as returned by :func:`precision_recall`. ``method``: ``"all"``
    (every recall step, VOC 2010+), ``"voc11"`` (11 recall points, VOC 2007) or
    ``"coco101"`` (101 points, COCO). No detections → 0.
    """
    check_choice("method", method, _METHODS)
    check_tensor("recall", recall)
    check_tensor("precision", precision)
    if recall.dim() != 1 or recall.shape != precision.shape:
        raise ValueError(
            f"recall and precision must be 1-D of equal length, got {tuple(recall.shape)}, "
            f"{tuple(precision.shape)}"
        )
    recall = recall.to(torch.float64)
    precision = precision.to(torch.float64)
    if len(recall) == 0:
        return 0.0
    inside = (recall >= 0) & (recall <= 1) & (precision >= 0) & (precision <= 1)
    if not bool(inside.all()):
        raise ValueError(
            "recall and precision must lie in [0, 1] (no NaN); pass what precision_recall returns"
        )
    if bool((recall[1:] < recall[:-1]).any()):
        raise ValueError(
            "recall must not decrease (it is cumulative, highest score first); pass what "
            "precision_recall returns"
        )
    if method == "all":
        r = torch.cat((recall.new_zeros(1), recall, recall.new_ones(1)))
        p = _envelope(torch.cat((precision.new_zeros(1), precision, precision.new_zeros(1))))
        steps = torch.where(r[1:] != r[:-1])[0]  # where recall moves
        return float(((r[steps + 1] - r[steps]) * p[steps + 1]).sum())
    points = 11 if method == "voc11" else 101
    thresholds = torch.from_numpy(np.linspace(0.0, 1.0, points))  # the float64 points COCO uses
    # max precision at recall ≥ t = envelope at the first index whose recall reaches t
    first = torch.searchsorted(recall.contiguous(), thresholds, side="left")
    env = torch.cat((_envelope(precision), precision.new_zeros(1)))  # index len → 0
    return float(env[first].mean())


def mean_average_precision(
    preds: Sequence[Mapping[str, Tensor]],
    targets: Sequence[Mapping[str, Tensor]],
    iou_threshold: float = 0.5,
    method: str = "all",
    rule: str = "voc",
    iou_type: str = "bbox",
) -> dict:
    """mAP over classes, from per-image dicts like torchvision's detection outputs.

    ``preds[i]``: ``{"boxes": (D, 4), "scores": (D,), "labels": (D,)}``;
    ``targets[i]``: ``{"boxes": (G, 4), "labels": (G,)}``, for the same image ``i``.
    ``iou_type="segm"`` (instance segmentation, COCO's name) matches by the IoU of *masks*
    instead of boxes: both dicts then also need ``"masks"`` (``(D, H, W)`` / ``(G, H, W)``,
    binary); everything else is the same recipe.
    Images without objects (their detections are all false positives) and images
    without detections (their objects are all missed) count as they should.

    A class with no ground-truth object in any image has no recall, so no AP: it is left
    out of the mean (as VOC and COCO do), even if it has detections. Returns
    ``{"map": float, "ap_per_class": {label: AP}, "num_gt_per_class": {label: count}}``;
    ``map`` is NaN when there is no ground truth at all.
    """
    _check_rule(rule)
    check_choice("method", method, _METHODS)
    check_choice("iou_type", iou_type, _IOU_TYPES)
    iou_threshold = check_probability("iou_threshold", iou_threshold)
    segm = iou_type == "segm"
    for arg, name in ((preds, "preds"), (targets, "targets")):
        if isinstance(arg, Tensor | Mapping | str) or not isinstance(arg, Sequence):
            raise TypeError(
                f"{name} must be a list with one dict per image (as torchvision's detectors "
                f"return them and torchmetrics takes them), got {type(arg).__name__}; for one "
                f"image pass [{name[:-1]}]"
            )
    if len(preds) != len(targets):
        raise ValueError(f"got predictions for {len(preds)} images but targets for {len(targets)}")
    all_scores, all_tp, all_labels, gt_labels = [], [], [], []
    for i, (pred, target) in enumerate(zip(preds, targets, strict=True)):
        for d, name, keys in (
            (pred, "preds", ("boxes", "scores", "labels") + ("masks",) * segm),
            (target, "targets", ("boxes", "labels") + ("masks",) * segm),
        ):
            if not isinstance(d, Mapping):
                raise TypeError(
                    f"{name}[{i}] must be a dict with keys {list(keys)}, got {type(d).__name__}"
                )
            for key in keys:
                if key not in d:
                    raise ValueError(f"{name}[{i}] has no {key!r}; keys are {sorted(d)}")
                check_tensor(
                    f"{name}[{i}][{key!r}]", d[key], hint="use torch.tensor(...), as torchmetrics"
                )
        # evaluation is bookkeeping, not number crunching: do it on the CPU
        boxes, scores, labels = (pred[k].detach().cpu() for k in ("boxes", "scores", "labels"))
        g_boxes, g_labels = (target[k].detach().cpu() for k in ("boxes", "labels"))
        if not len(boxes) == len(scores) == len(labels) or len(g_boxes) != len(g_labels):
            raise ValueError(f"image {i}: boxes, scores and labels must have the same length")
        boxes = boxes.reshape(-1, 4) if boxes.numel() == 0 else boxes  # torchmetrics' empty []
        g_boxes = g_boxes.reshape(-1, 4) if g_boxes.numel() == 0 else g_boxes
        check_boxes_shape(f"preds[{i}]['boxes']", boxes)
        check_boxes_shape(f"targets[{i}]['boxes']", g_boxes)
        _check_scores(f"preds[{i}]['scores']", scores, len(boxes))
        for name, lab in ((f"preds[{i}]['labels']", labels), (f"targets[{i}]['labels']", g_labels)):
            if lab.dim() != 1 or lab.is_floating_point() or lab.is_complex():
                raise TypeError(
                    f"{name} must be a 1-D integer tensor of class indices, got "
                    f"{describe(lab)}; use .long()"
                )
        _check_values(
            {f"preds[{i}]['boxes']": boxes, f"targets[{i}]['boxes']": g_boxes},
            {f"preds[{i}]['scores']": scores},
        )
        order = _sorted_by_score(scores)
        # one IoU matrix per image; pairs of different classes get −1 so they never match
        if segm:
            masks = check_masks(f"preds[{i}]['masks']", pred["masks"].detach().cpu(), len(boxes))
            g_masks = check_masks(f"targets[{i}]['masks']", target["masks"].detach().cpu(),
                                  len(g_boxes), size=masks.shape[-2:])  # fmt: skip
            iou = _mask_iou(masks[order], g_masks)
        else:
            iou = _box_iou(boxes[order].double(), g_boxes.double())
        same_class = labels[order].reshape(-1, 1) == g_labels.reshape(1, -1)
        tp = _greedy_match(torch.where(same_class, iou, -1.0), iou_threshold, rule)
        all_scores.append(scores[order].double())
        all_tp.append(tp)
        all_labels.append(labels[order].long())
        gt_labels.append(g_labels.long())
    scores = torch.cat(all_scores) if all_scores else torch.zeros(0, dtype=torch.float64)
    tps = torch.cat(all_tp) if all_tp else torch.zeros(0, dtype=torch.bool)
    labels = torch.cat(all_labels) if all_labels else torch.zeros(0, dtype=torch.int64)
    gt_all = torch.cat(gt_labels) if gt_labels else torch.zeros(0, dtype=torch.int64)
    classes, counts = torch.unique(gt_all, return_counts=True)
    ap_per_class, num_gt_per_class = {}, {}
    for c, n in zip(classes.tolist(), counts.tolist(), strict=True):
        mine = labels == c
        precision, recall = precision_recall(scores[mine], tps[mine], n)
        ap_per_class[c] = average_precision(recall, precision, method)
        num_gt_per_class[c] = n
    mean = float(np.mean(list(ap_per_class.values()))) if ap_per_class else float("nan")
    return {"map": mean, "ap_per_class": ap_per_class, "num_gt_per_class": num_gt_per_class}
