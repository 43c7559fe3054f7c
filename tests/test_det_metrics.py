"""Detection metrics: a hand-worked example, and agreement with pycocotools (via torchmetrics)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from course_utils.detection import (
    average_precision,
    match_detections,
    mean_average_precision,
    precision_recall,
)

T = torch.tensor


def mean_average_precision_reference() -> type:
    """torchmetrics' MeanAveragePrecision (pycocotools backend), a base dependency (notebook 08)."""
    pytest.importorskip("pycocotools")
    return pytest.importorskip("torchmetrics.detection").MeanAveragePrecision


def no_boxes() -> dict:
    return {"boxes": torch.zeros(0, 4), "labels": torch.zeros(0, dtype=torch.int64)}


def hand_example() -> tuple[list[dict], list[dict]]:
    """Four images, classes 1–3. The expected numbers are worked out in the test below."""
    preds = [
        {  # image 0
            "boxes": T(
                [[0, 0, 10, 10], [1, 1, 10, 10], [50, 50, 60, 60], [30, 30, 50, 50], [0, 0, 3, 3.0]]
            ),
            "scores": T([0.9, 0.8, 0.7, 0.95, 0.4]),
            "labels": T([1, 1, 1, 2, 3]),
        },
        {  # image 1
            "boxes": T([[0, 0, 10, 9], [30, 30, 50, 50.0]]),
            "scores": T([0.6, 0.5]),
            "labels": T([1, 2]),
        },
        {"boxes": T([[0, 0, 10, 10.0]]), "scores": T([0.65]), "labels": T([1])},  # image 2
        {
            "boxes": torch.zeros(0, 4),
            "scores": torch.zeros(0),
            "labels": torch.zeros(0, dtype=torch.int64),
        },
    ]
    targets = [
        {"boxes": T([[0, 0, 10, 10], [20, 20, 30, 30], [60, 0, 80, 20.0]]), "labels": T([1, 1, 2])},
        {"boxes": T([[0, 0, 10, 10], [30, 30, 50, 50.0]]), "labels": T([1, 2])},
        no_boxes(),  # image 2 has no objects: its detection is a false positive
        {"boxes": T([[0, 0, 5, 5.0]]), "labels": T([1])},  # image 3: an object nobody finds
    ]
    return preds, targets


def test_hand_worked_example() -> None:
    # Class 1: 4 objects (A, B in image 0, C in image 1, D in image 3). Detections by score:
    #   0.90 image 0 [0,0,10,10]  IoU 1 with A          → TP  (TP 1, FP 0)
    #   0.80 image 0 [1,1,10,10]  IoU 0.81 with A, taken → FP  (1, 1)
    #   0.70 image 0 [50,50,60,60] overlaps nothing      → FP  (1, 2)
    #   0.65 image 2 (no objects)                       → FP  (1, 3)
    #   0.60 image 1 [0,0,10,9]   IoU 0.9 with C        → TP  (2, 3)
    #   precision 1, 1/2, 1/3, 1/4, 2/5;  recall 1/4, 1/4, 1/4, 1/4, 2/4.
    #   Envelope: 1 up to recall 1/4, then 0.4 up to recall 1/2, then 0.
    #   "all":     1/4·1 + 1/4·0.4                            = 0.35
    #   "voc11":   t = 0, .1, .2 → 1; t = .3, .4, .5 → 0.4    = (3 + 1.2)/11 = 4.2/11
    #   "coco101": 26 points r ≤ .25 → 1; 25 points .26..0.5 → 0.4 = (26 + 10)/101 = 36/101
    # Class 2: 2 objects (image 0 [60,0,80,20], image 1 [30,30,50,50]).
    #   0.95 image 0 [30,30,50,50]: no class-2 object there → FP; 0.50 image 1 → TP.
    #   precision 0, 1/2; recall 0, 1/2. Envelope 0.5 up to recall 1/2.
    #   "all" 1/2·0.5 = 0.25; "voc11" 6 points·0.5/11 = 3/11; "coco101" 51·0.5/101 = 25.5/101
    # Class 3: a detection but no object anywhere → no AP, left out of the mean.
    expected = {
        "all": (0.35, 0.25),
        "voc11": (4.2 / 11, 3 / 11),
        "coco101": (36 / 101, 25.5 / 101),
    }
    preds, targets = hand_example()
    for method, (ap1, ap2) in expected.items():
        for rule in ("voc", "coco"):
            result = mean_average_precision(preds, targets, 0.5, method=method, rule=rule)
            assert result["ap_per_class"] == pytest.approx({1: ap1, 2: ap2}, abs=1e-12)
            assert result["map"] == pytest.approx((ap1 + ap2) / 2, abs=1e-12)
            assert result["num_gt_per_class"] == {1: 4, 2: 2}


def test_hand_example_agrees_with_pycocotools() -> None:
    preds, targets = hand_example()
    metric = mean_average_precision_reference()(
        iou_type="bbox", iou_thresholds=[0.5], backend="pycocotools"
    )
    metric.update(preds, targets)
    expected = float(metric.compute()["map"])
    assert expected == pytest.approx((36 / 101 + 25.5 / 101) / 2, abs=1e-6)


def random_detection_set(g: torch.Generator, num_images: int, num_classes: int, crowded: bool):
    """Objects and noisy detections: jittered copies (TPs and duplicates) plus clutter (FPs)."""
    preds, targets = [], []
    for _ in range(num_images):
        n = int(torch.randint(0, 8, (1,), generator=g))  # 0: an image without objects
        if crowded:  # objects anywhere, free to overlap each other
            xy = torch.rand(n, 2, generator=g) * 150
        else:  # one object per cell of a 4×4 grid of 50-pixel cells: never overlapping
            cells = torch.randperm(16, generator=g)[:n]
            xy = (
                torch.stack((cells % 4, cells // 4), 1).float() * 50
                + torch.rand(n, 2, generator=g) * 5
            )
        gt = torch.cat((xy, xy + 15 + torch.rand(n, 2, generator=g) * 25), 1)
        gt_labels = torch.randint(1, num_classes + 1, (n,), generator=g)
        num_copies = int(torch.randint(0, 3 * n + 1, (1,), generator=g))
        copies = torch.randint(0, max(n, 1), (num_copies,), generator=g)  # n = 0 → no copies
        jitter = torch.randn(len(copies), 4, generator=g) * 4
        det = gt[copies] + jitter
        det = torch.cat((det[:, :2].minimum(det[:, 2:] - 1), det[:, 2:].maximum(det[:, :2] + 1)), 1)
        labels = gt_labels[copies].clone()
        wrong = torch.rand(len(copies), generator=g) < 0.15
        labels[wrong] = torch.randint(1, num_classes + 1, (int(wrong.sum()),), generator=g)
        m = int(torch.randint(0, 6, (1,), generator=g))
        cxy = torch.rand(m, 2, generator=g) * 180
        clutter = torch.cat((cxy, cxy + 10 + torch.rand(m, 2, generator=g) * 30), 1)
        preds.append(
            {
                "boxes": torch.cat((det, clutter)),
                "scores": torch.rand(len(copies) + m, generator=g),  # continuous: no ties
                "labels": torch.cat((labels, torch.randint(1, num_classes + 1, (m,), generator=g))),
            }
        )
        targets.append({"boxes": gt, "labels": gt_labels})
    return preds, targets


def pycocotools_map50(preds: list[dict], targets: list[dict]) -> float:
    # - "map" is read at maxDets = 100 (hard-coded in COCOeval.summarize), so the random
    #   sets keep every image below 100 detections; area range "all".
    # - torchmetrics' default recall points come from torch.linspace in float32 (0.3 becomes
    #   0.30000001), which moves a recall of exactly 3/10 past the point; pycocotools itself
    #   uses float64 np.linspace, as the kit does, so we pass those points explicitly.
    metric = mean_average_precision_reference()(
        iou_type="bbox",
        iou_thresholds=[0.5],
        rec_thresholds=np.linspace(0.0, 1.0, 101).tolist(),
        backend="pycocotools",
    )
    metric.update(preds, targets)
    return float(metric.compute()["map"])


@pytest.mark.parametrize("seed", range(5))
def test_map_agrees_with_pycocotools_on_random_sets(seed: int) -> None:
    g = torch.Generator().manual_seed(seed)
    crowded = seed % 2 == 1
    preds, targets = random_detection_set(g, num_images=12, num_classes=3, crowded=crowded)
    reference = pycocotools_map50(preds, targets)
    ours = mean_average_precision(preds, targets, 0.5, method="coco101", rule="coco")
    assert ours["map"] == pytest.approx(reference, abs=1e-3)
    if not crowded:  # objects never overlap, so the VOC rule must agree too
        voc_rule = mean_average_precision(preds, targets, 0.5, method="coco101", rule="voc")
        assert voc_rule["map"] == pytest.approx(reference, abs=1e-3)


def test_voc_and_coco_rules_differ_on_overlapping_objects() -> None:
    # two overlapping objects; the best detection takes object 0 (IoU 1). The second one
    # overlaps object 0 with IoU 90/110 = 0.82 (taken) and object 1 with 70/130 = 0.54:
    # VOC looks only at its best object → FP; COCO takes the best free one → TP
    gt = T([[0, 0, 10, 10], [4, 0, 14, 10.0]])
    pred = T([[0, 0, 10, 10], [1, 0, 11, 10.0]])
    scores = T([0.9, 0.8])
    assert match_detections(pred, scores, gt, 0.5, rule="voc").tolist() == [True, False]
    assert match_detections(pred, scores, gt, 0.5, rule="coco").tolist() == [True, True]


def test_match_detections_thresholds() -> None:
    gt = T([[0, 0, 10, 10.0]])
    half = T([[0, 0, 10, 5.0]])  # IoU exactly 0.5
    assert match_detections(half, T([1.0]), gt, 0.5, rule="voc").tolist() == [False]  # VOC: >
    assert match_detections(half, T([1.0]), gt, 0.5, rule="coco").tolist() == [True]  # COCO: ≥
    assert match_detections(torch.zeros(0, 4), torch.zeros(0), gt).shape == (0,)
    assert match_detections(half, T([1.0]), torch.zeros(0, 4)).tolist() == [False]
    with pytest.raises(ValueError, match="rule must be one of"):
        match_detections(half, T([1.0]), gt, rule="yolo")


def test_precision_recall_and_average_precision() -> None:
    precision, recall = precision_recall(T([0.3, 0.9, 0.6]), T([True, True, False]), num_gt=2)
    # by score: 0.9 TP, 0.6 FP, 0.3 TP
    assert precision.tolist() == pytest.approx([1.0, 0.5, 2 / 3])
    assert recall.tolist() == pytest.approx([0.5, 0.5, 1.0])
    assert average_precision(recall, precision, "all") == pytest.approx(0.5 + 0.5 * 2 / 3)
    # voc11: t ≤ 0.5 (6 points) → 1, t = 0.6..1.0 (5 points) → 2/3
    assert average_precision(recall, precision, "voc11") == pytest.approx((6 + 5 * 2 / 3) / 11)
    # coco101: r ≤ 0.5 (51 points) → 1, r = 0.51..1 (50 points) → 2/3
    assert average_precision(recall, precision, "coco101") == pytest.approx((51 + 50 * 2 / 3) / 101)
    perfect = precision_recall(T([0.9, 0.8]), T([True, True]), 2)
    for method in ("all", "voc11", "coco101"):
        assert average_precision(perfect[1], perfect[0], method) == pytest.approx(1.0)
        assert average_precision(torch.zeros(0), torch.zeros(0), method) == 0.0
    with pytest.raises(ValueError, match="num_gt ≥ 1"):
        precision_recall(T([0.5]), T([False]), 0)
    with pytest.raises(ValueError, match="method must be one of"):
        average_precision(recall, precision, "area")


def test_map_edge_cases() -> None:
    det = {"boxes": T([[0, 0, 10, 10.0]]), "scores": T([0.9]), "labels": T([1])}
    obj = {"boxes": T([[0, 0, 10, 10.0]]), "labels": T([1])}
    nothing = {
        "boxes": torch.zeros(0, 4),
        "scores": torch.zeros(0),
        "labels": torch.zeros(0, dtype=torch.int64),
    }
    assert mean_average_precision([det], [obj])["map"] == 1.0
    assert mean_average_precision([nothing], [obj])["map"] == 0.0  # objects, no detections
    assert mean_average_precision([det, nothing], [obj, obj])["map"] == 0.5  # one of two found
    assert math.isnan(mean_average_precision([det], [no_boxes()])["map"])  # no ground truth
    assert math.isnan(mean_average_precision([], [])["map"])
    with pytest.raises(ValueError, match="2 images but targets for 1"):
        mean_average_precision([det, det], [obj])
    with pytest.raises(ValueError, match=r"preds\[0\] has no 'scores'"):
        mean_average_precision([{"boxes": T([[0, 0, 1, 1.0]]), "labels": T([1])}], [obj])
