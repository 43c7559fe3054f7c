"""Every checkpoint in checkpoints/ loads verified and reproduces its recorded test accuracy."""

from pathlib import Path

import pytest

from course_utils.checkpoints import checkpoint_dir, load_curves, load_trained, read_manifest
from course_utils.tooling.checkpoints import (
    CURVES_JOBS,
    DETECTION_JOBS,
    JOBS,
    SHAPES_SPLIT,
    CurvesJob,
    detection_test_set,
    run_curves_job,
    shapes_data,
)
from course_utils.train import evaluate

MANIFEST = read_manifest()
MAX_TOTAL_BYTES = 25 * 2**20


def test_manifest_lists_every_job_and_every_file():
    expected = set(JOBS) | set(DETECTION_JOBS)
    assert set(MANIFEST) == expected, "run `make checkpoints` to bring checkpoints/ up to date"
    files = {p.name for p in checkpoint_dir().glob("*.pt")}
    assert files == {entry["file"] for entry in MANIFEST.values()}, "a .pt file without entry"


def test_checkpoints_are_small():
    total = sum(Path(checkpoint_dir(), e["file"]).stat().st_size for e in MANIFEST.values())
    assert total <= MAX_TOTAL_BYTES, f"checkpoints take {total / 2**20:.1f} MiB (limit 25)"


@pytest.fixture(scope="module")
def test_loader():
    return shapes_data(batch_size=500)[2]


@pytest.mark.parametrize("name", sorted(set(MANIFEST) & set(JOBS)), ids=str)
def test_checkpoint_reproduces_its_accuracy(name, test_loader):
    entry = MANIFEST[name]
    job = JOBS[name]
    assert entry["model"].endswith(job.model) and entry["epochs"] == job.epochs
    assert f"seed={SHAPES_SPLIT['seed']}" in entry["data"]
    model = job.build()
    load_trained(name, model)  # SHA-256 verified, weights_only=True
    accuracy = evaluate(model, test_loader, device="cpu")["accuracy"]
    assert abs(accuracy - entry["value"]) <= 0.005, (
        f"{name}: measured {accuracy:.2%}, recorded {entry['value']:.2%}"
    )


@pytest.mark.parametrize("name", sorted(set(MANIFEST) & set(DETECTION_JOBS)), ids=str)
def test_detector_reproduces_its_test_map(name):
    from course_utils.detection.engine import evaluate_detector, needs_proposals

    entry, job = MANIFEST[name], DETECTION_JOBS[name]
    assert entry["model"].endswith(job.model) and entry["epochs"] == job.epochs
    assert entry["metric"] == "test_map50"
    model = job.build()
    load_trained(name, model)  # SHA-256 verified, weights_only=True
    images, targets, proposals = detection_test_set(with_proposals=needs_proposals(model))
    result = evaluate_detector(model, images, targets, proposals)
    measured = result["map"]
    assert abs(measured - entry["value"]) <= 0.02, (
        f"{name}: measured mAP@0.5 {measured:.3f}, recorded {entry['value']:.3f}"
    )
    assert ("mask_map" in result) == ("mask_map50" in entry), "mask mAP recorded for Mask R-CNNs"
    if "mask_map" in result:
        assert abs(result["mask_map"] - entry["mask_map50"]) <= 0.02, (
            f"{name}: measured mask mAP@0.5 {result['mask_map']:.3f}, "
            f"recorded {entry['mask_map50']:.3f}"
        )


def test_kit_faster_rcnn_reaches_the_target_map():
    assert MANIFEST["faster_rcnn_shapes"]["value"] >= 0.85, "retrain: the target is mAP@0.5 ≥ 0.85"


def test_kit_mask_rcnn_reaches_its_targets():
    kit, tv = MANIFEST["mask_rcnn_shapes"], MANIFEST["torchvision_mask_rcnn_shapes"]
    assert kit["mask_map50"] >= 0.85, "the target is mask mAP@0.5 ≥ 0.85 on the test split"
    assert abs(kit["mask_map50"] - tv["mask_map50"]) <= 0.03, "within 0.03 of torchvision's"
    assert kit["value"] >= MANIFEST["faster_rcnn_shapes"]["value"] - 0.01, (
        "the mask head should not cost the boxes: box mAP no worse than the kit's Faster R-CNN"
    )


@pytest.mark.parametrize("name", sorted(CURVES_JOBS), ids=str)
def test_stored_curves_match_their_job(name):
    job = CURVES_JOBS[name]
    record = load_curves(name)
    assert record["func"] == job.func and record["config"] == job.kwargs, (
        f"{name}.json was made with another configuration: run `make checkpoints ONLY={name}`"
    )
    assert record["curves"], f"{name}.json holds no curves"


def tiny_curves(steps: int) -> dict:
    import torch

    return {"loss": [1.0 / (i + 1) for i in range(steps)], "threads": torch.get_num_threads()}


def test_a_curves_job_stores_its_configuration(tmp_path):
    job = CurvesJob("tiny", f"{__name__}:tiny_curves", {"steps": 3})
    record = run_curves_job(job, directory=tmp_path, verbose=False)
    assert load_curves("tiny", tmp_path) == record
    assert record["config"] == {"steps": 3} and record["curves"]["loss"][-1] == pytest.approx(1 / 3)
    assert record["command"] == "make checkpoints ONLY=tiny"
    assert record["curves"]["threads"] == 1, "curves are made on one thread, to be repeatable"


@pytest.mark.parametrize("name", sorted(MANIFEST), ids=str)
def test_checkpoint_is_stored_as_its_manifest_says(name):
    """float16 only where it changed no recorded metric at the manifest's four decimals
    (``make checkpoints`` decides by measuring both; ``tooling.half_precision`` re-measures)."""
    import torch

    entry = MANIFEST[name]
    assert entry.get("weights") in {"float16", "float32"}, "run tooling.half_precision --store"
    state = torch.load(Path(checkpoint_dir(), entry["file"]), weights_only=True)["model"]
    stored = {str(t.dtype).removeprefix("torch.") for t in state.values() if t.is_floating_point()}
    assert stored == {entry["weights"]}
    if entry["weights"] == "float16":
        assert entry["float16_change"] <= 1e-4, "a metric moved: this one stays float32"


def test_storage_rule_keeps_float32_where_float16_moves_a_metric():
    import torch

    from course_utils.tooling.checkpoints import storage_dtype

    assert storage_dtype({"map50": 0.9578}, {"map50": 0.9578}) == (torch.float16, 0.0)
    # torchvision's Mask R-CNN, measured: box mAP@0.75 0.9399 -> 0.9352 in float16
    assert storage_dtype({"map50": 0.9810, "box_map75": 0.9399}, {"map50": 0.9810,
                         "box_map75": 0.9352}) == (torch.float32, 0.0047)  # fmt: skip
    with pytest.raises(ValueError, match="same metrics"):
        storage_dtype({"map50": 0.9}, {"test_accuracy": 0.9})
