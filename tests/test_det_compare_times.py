"""engine.compare_stage_times: several detectors timed in turns on the same images."""

import pytest
import torch

from course_utils.data.shapes import DetectionShapes
from course_utils.detection.detectors import RCNN, FasterRCNN, FastRCNN
from course_utils.detection.engine import compare_stage_times, materialize


@pytest.fixture(scope="module")
def data():
    images, targets = materialize(DetectionShapes(3, seed=5, min_objects=1, max_objects=3))
    g = torch.Generator().manual_seed(0)
    proposals = []
    for t in targets:
        boxes = t["boxes"].repeat(4, 1) + torch.randn(len(t["boxes"]) * 4, 4, generator=g)
        x1y1 = torch.minimum(boxes[:, :2], boxes[:, 2:] - 2).clamp(0, 120)
        proposals.append(torch.cat((x1y1, torch.maximum(boxes[:, 2:], x1y1 + 2).clamp(max=128)), 1))
    return images, proposals


def test_every_detector_gets_its_stages_and_a_total(data):
    images, proposals = data
    torch.manual_seed(0)
    models = {"R-CNN": RCNN(4), "Fast R-CNN": FastRCNN(4), "Faster R-CNN": FasterRCNN(4)}
    times = compare_stage_times(models, images, proposals, rounds=2, warmup=0)
    assert set(times) == set(models)
    assert set(times["R-CNN"]) == {"warp", "cnn", "postprocess", "total"}
    assert set(times["Fast R-CNN"]) == {"backbone", "roi_pool", "head", "postprocess", "total"}
    assert set(times["Faster R-CNN"]) == {
        "backbone",
        "rpn",
        "roi_pool",
        "head",
        "postprocess",
        "total",
    }
    for stages in times.values():
        assert all(v >= 0 for v in stages.values())
        assert stages["total"] == pytest.approx(sum(v for k, v in stages.items() if k != "total"))


def test_clear_errors(data):
    images, proposals = data
    with pytest.raises(ValueError, match="rounds"):
        compare_stage_times({"fast": FastRCNN(4)}, images, proposals, rounds=0)
    with pytest.raises(ValueError, match="at least one detector"):
        compare_stage_times({}, images, proposals)
    with pytest.raises(ValueError, match="proposals for 1 images"):
        compare_stage_times({"fast": FastRCNN(4)}, images, proposals[:1])
    with pytest.raises(ValueError, match="needs proposals"):
        compare_stage_times({"rcnn": RCNN(4)}, images)
