"""Every checkpoint in checkpoints/ loads verified and reproduces its recorded test accuracy."""

from pathlib import Path

import pytest

from course_utils.checkpoints import checkpoint_dir, load_trained, read_manifest
from course_utils.tooling.checkpoints import JOBS, SHAPES_SPLIT, shapes_data
from course_utils.train import evaluate

MANIFEST = read_manifest()
MAX_TOTAL_BYTES = 25 * 2**20


def test_manifest_lists_every_job_and_every_file():
    assert set(MANIFEST) == set(JOBS), "run `make checkpoints` to bring checkpoints/ up to date"
    files = {p.name for p in checkpoint_dir().glob("*.pt")}
    assert files == {entry["file"] for entry in MANIFEST.values()}, "a .pt file without entry"


def test_checkpoints_are_small():
    total = sum(Path(checkpoint_dir(), e["file"]).stat().st_size for e in MANIFEST.values())
    assert total <= MAX_TOTAL_BYTES, f"checkpoints take {total / 2**20:.1f} MiB (limit 25)"


@pytest.fixture(scope="module")
def test_loader():
    return shapes_data(batch_size=500)[2]


@pytest.mark.parametrize("name", sorted(MANIFEST), ids=str)
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
