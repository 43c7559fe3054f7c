import json

import pytest
import torch
from torch import nn

from course_utils.checkpoints import (
    load_curves,
    load_trained,
    manifest_entry,
    read_manifest,
    record_checkpoint,
    save_curves,
)
from course_utils.train import CheckpointError, save_checkpoint


def _record(tmp_path, model):
    save_checkpoint(tmp_path / "tiny.pt", model, epoch=3)
    return record_checkpoint(
        "tiny",
        metric="test_accuracy",
        value=0.9,
        data="digits",
        seed=0,
        epochs=3,
        model="nn.Linear(4, 2)",
        directory=tmp_path,
    )


def test_record_and_load_verified(tmp_path):
    model = nn.Linear(4, 2)
    entry = _record(tmp_path, model)
    assert entry["sha256"] and entry["bytes"] > 0 and entry["command"].endswith("ONLY=tiny")
    assert not (tmp_path / "tiny.pt.sha256").exists(), "the manifest holds the hash"
    assert read_manifest(tmp_path)["tiny"]["value"] == 0.9
    fresh = nn.Linear(4, 2)
    loaded = load_trained("tiny", fresh, directory=tmp_path)
    assert torch.equal(fresh.weight, model.weight) and not fresh.training
    assert loaded["state"]["epoch"] == 3


def test_tampered_checkpoint_is_refused(tmp_path):
    _record(tmp_path, nn.Linear(4, 2))
    save_checkpoint(tmp_path / "tiny.pt", nn.Linear(4, 2))  # replaced after recording
    with pytest.raises(CheckpointError, match="corrupted or was replaced"):
        load_trained("tiny", nn.Linear(4, 2), directory=tmp_path)


def test_unknown_name_lists_the_known_ones(tmp_path):
    _record(tmp_path, nn.Linear(4, 2))
    with pytest.raises(
        CheckpointError, match=r"no checkpoint named 'vgg'.*known: tiny.*make checkpoints"
    ):
        manifest_entry("vgg", directory=tmp_path)
    with pytest.raises(CheckpointError, match="save the checkpoint before"):
        record_checkpoint(
            "ghost", metric="m", value=0, data="d", seed=0, epochs=1, model="m", directory=tmp_path
        )


def test_curves_roundtrip(tmp_path):
    save_curves("deep", {"plain_56": [2.0, 1.5], "res_56": [2.0, 1.0]}, directory=tmp_path)
    assert load_curves("deep", directory=tmp_path)["res_56"] == [2.0, 1.0]
    json.loads((tmp_path / "deep.json").read_text())
    with pytest.raises(CheckpointError, match="make checkpoints"):
        load_curves("missing", directory=tmp_path)


# ------------------------------------------------------------------ where the checkpoints are found


@pytest.fixture
def installed_elsewhere(tmp_path, monkeypatch):
    """The package as a non-editable install puts it: in site-packages, no checkpoints beside it."""
    import course_utils.checkpoints as module

    site = tmp_path / "site-packages" / "course_utils"
    site.mkdir(parents=True)
    monkeypatch.setattr(module, "__file__", str(site / "checkpoints.py"))
    monkeypatch.delenv("COURSE_CHECKPOINTS", raising=False)
    return module


def _clone(root):
    (root / "notebooks").mkdir(parents=True)
    (root / "checkpoints").mkdir()
    (root / "checkpoints" / "manifest.json").write_text("{}")
    return root


def test_checkpoints_beside_the_package_in_a_clone(monkeypatch, tmp_path):
    from course_utils.checkpoints import checkpoint_dir

    monkeypatch.delenv("COURSE_CHECKPOINTS", raising=False)
    monkeypatch.chdir(tmp_path)
    found = checkpoint_dir()
    assert found.name == "checkpoints" and (found / "manifest.json").is_file()
    assert found.parent == __import__("pathlib").Path(__file__).resolve().parents[1]


def test_non_editable_install_finds_the_clone_it_runs_in(
    installed_elsewhere, tmp_path, monkeypatch
):
    clone = _clone(tmp_path / "clone")
    monkeypatch.chdir(clone / "notebooks")  # where Jupyter runs a notebook
    assert installed_elsewhere.checkpoint_dir() == (clone / "checkpoints").resolve()


def test_environment_variable_wins(installed_elsewhere, tmp_path, monkeypatch):
    clone = _clone(tmp_path / "clone")
    monkeypatch.chdir(clone / "notebooks")
    monkeypatch.setenv("COURSE_CHECKPOINTS", str(tmp_path / "mine"))
    assert installed_elsewhere.checkpoint_dir() == tmp_path / "mine"


def test_nothing_found_says_how_to_point_at_them(installed_elsewhere, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert installed_elsewhere.checkpoint_dir() == tmp_path / "site-packages" / "checkpoints"
    with pytest.raises(
        CheckpointError, match=r"no checkpoints found for 'mini_vgg_shapes'.*COURSE_CHECKPOINTS"
    ):
        installed_elsewhere.load_trained("mini_vgg_shapes")


# ------------------------------------------------------------------ make checkpoints: jobs side by side


def _manifest(directory, **values):
    directory.mkdir(parents=True, exist_ok=True)
    entries = {
        name: {"metric": "test_map50", "value": value, "mask_map75": value - 0.1}
        for name, value in values.items()
    }
    (directory / "manifest.json").write_text(json.dumps(entries))
    return directory


def test_a_rerun_beyond_the_tolerance_is_named(tmp_path, capsys):
    from course_utils.tooling.checkpoints import REPRODUCE_TOLERANCE, compare_with_shipped

    shipped = _manifest(tmp_path / "shipped", a=0.9, b=0.8)
    rerun = _manifest(tmp_path / "rerun", a=0.9 + REPRODUCE_TOLERANCE / 2, b=0.8 - 0.05)
    assert compare_with_shipped(rerun, shipped) == ["b test_map50", "b mask_map75"]
    printed = capsys.readouterr().out
    assert "-0.0500" in printed and "2 metric(s) beyond" in printed
    assert compare_with_shipped(shipped, shipped) == []


def test_the_longest_shipped_jobs_start_first():
    from course_utils.tooling.checkpoints import ALL_JOBS, _previous_cost

    order = sorted(ALL_JOBS, key=_previous_cost, reverse=True)
    # the Mask R-CNNs (12 epochs on 600 images) before any 32×32 classifier
    assert order.index("mask_rcnn_shapes") < min(order.index(n) for n in ALL_JOBS if "mini" in n)
    assert all(_previous_cost(n) > 0 for n in ALL_JOBS)


@pytest.mark.parametrize("cores", ["0", "-1", "999"])
def test_cores_must_fit_the_machine(cores, capsys):
    from course_utils.tooling.checkpoints import main

    assert main(["--cores", cores, "--only", "mini_vgg_shapes"]) == 2
    assert "--cores must be between 1 and" in capsys.readouterr().err


def test_a_job_that_does_not_fit_lets_a_smaller_one_start():
    from course_utils.tooling.checkpoints import next_fitting

    threads = {"mini_vgg_shapes": 2, "rcnn_shapes": 1, "fast_rcnn_shapes": 1}
    queue = ["mini_vgg_shapes", "rcnn_shapes", "fast_rcnn_shapes"]  # longest first
    assert next_fitting(queue, threads, free=2) == "mini_vgg_shapes"
    assert next_fitting(queue, threads, free=1) == "rcnn_shapes"  # vgg waits, no core idles
    assert next_fitting(["mini_vgg_shapes"], threads, free=1) is None
    assert next_fitting([], threads, free=2) is None
