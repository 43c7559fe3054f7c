"""The degradation experiment (course_utils.degradation) on tiny configurations."""

from __future__ import annotations

import inspect
import json

import pytest
import torch

from course_utils.degradation import (
    degradation_curves,
    degradation_data,
    final_losses,
    plot_degradation,
    run_label,
    shapes_train_subset,
    train_loss_curve,
)
from course_utils.models import cifar_resnet

TINY = dict(width=2, n_train=48, epochs=2, batch_size=16, seeds=(0, 1), log_every=2)


@pytest.fixture(scope="module")
def tiny_curves():
    return degradation_curves(depths=(8, 14), skips=(False, True), **TINY)


def test_one_run_per_depth_skip_and_seed(tiny_curves):
    runs = tiny_curves["runs"]
    assert [(r["seed"], r["depth"], r["skip"]) for r in runs] == [
        (s, d, k) for s in (0, 1) for d in (8, 14) for k in (False, True)
    ]
    assert tiny_curves["steps_per_epoch"] == 3 and tiny_curves["classes"] == 10
    for run in runs:
        assert run["label"] == run_label(run["depth"], run["skip"])
        assert run["steps"] == [2, 4, 6]  # logged every 2 steps, 3 steps an epoch, 2 epochs
        assert len(run["loss"]) == len(run["accuracy"]) == 3 and len(run["epoch_loss"]) == 2
        assert run["final_loss"] == run["epoch_loss"][-1]
        assert all(0 <= a <= 1 for a in run["accuracy"]) and run["seconds"] >= 0


def test_plain_and_residual_have_equal_parameters(tiny_curves):
    by_key = {(r["depth"], r["skip"], r["seed"]): r["params"] for r in tiny_curves["runs"]}
    for depth in (8, 14):
        assert by_key[depth, False, 0] == by_key[depth, True, 0]
        assert by_key[depth, True, 0] == sum(
            p.numel() for p in cifar_resnet(depth, 10, 2, in_channels=1).parameters()
        )


def test_curves_are_json_data_and_repeatable(tiny_curves):
    assert json.loads(json.dumps(tiny_curves)) == tiny_curves
    again = degradation_curves(depths=(8,), skips=(False,), **TINY)
    first = [r for r in tiny_curves["runs"] if r["depth"] == 8 and not r["skip"]]
    assert [r["loss"] for r in again["runs"]] == [r["loss"] for r in first]


def test_final_losses_table(tiny_curves):
    table = final_losses(tiny_curves)
    assert set(table) == {"plain-8", "residual-8", "plain-14", "residual-14"}
    assert set(table["plain-8"]) == {0, 1}
    stored = json.loads(json.dumps({"curves": tiny_curves}))  # as load_curves returns it
    assert final_losses(stored) == table
    with pytest.raises(ValueError, match="degradation_curves"):
        final_losses({"loss": [1.0]})


def test_training_lowers_the_loss():
    torch.manual_seed(0)
    x, y = shapes_train_subset(32)
    curve = train_loss_curve(
        cifar_resnet(8, 6, width=4), x, y, epochs=12, batch_size=16, lr=0.05, log_every=2
    )
    assert curve["epoch_loss"][-1] < 0.8 * curve["epoch_loss"][0]


def test_subset_is_the_checkpoints_training_split():
    from course_utils.data.shapes import shapes_loaders
    from course_utils.tooling.checkpoints import SHAPES_SPLIT

    x, y = shapes_train_subset(40)
    split = {k: v for k, v in SHAPES_SPLIT.items() if k not in ("n_val", "n_test")}
    train, _, _ = shapes_loaders(n_val=1, n_test=1, **split)  # other splits do not change it
    assert torch.equal(x, train.dataset.images[:40]) and torch.equal(y, train.dataset.labels[:40])


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"depths": (10,)}, "6n \\+ 2"),
        ({"depths": ()}, "depths must not be empty"),
        ({"seeds": ()}, "seeds must not be empty"),
        ({"skips": (1,)}, "True \\(residual\\) or False"),
        ({"width": 0}, "width must be a positive int"),
        ({"lr": 0.0}, "lr must be > 0"),
        ({"n_train": 10**6}, "at most 1257"),
        ({"n_train": 10**6, "data": "shapes"}, "at most 6000"),
        ({"data": "cifar"}, "data must be one of"),
    ],
)
def test_bad_configuration_is_explained(kwargs, match):
    with pytest.raises(ValueError, match=match):
        degradation_curves(**{**TINY, **kwargs})


def test_bad_training_arguments_are_explained():
    x, y = shapes_train_subset(8)
    model = cifar_resnet(8, 6, width=2)
    with pytest.raises(ValueError, match="larger than the 8 training images"):
        train_loss_curve(model, x, y, epochs=1, batch_size=16, lr=0.1)
    with pytest.raises(ValueError, match="'sgd' or 'adam'"):
        train_loss_curve(model, x, y, epochs=1, batch_size=4, lr=0.1, optimizer="rmsprop")


def test_the_registered_job_calls_this_function():
    from course_utils.tooling.checkpoints import CURVES_JOBS

    job = CURVES_JOBS["resnet_degradation_digits"]
    assert job.resolve() is degradation_curves
    inspect.signature(degradation_curves).bind(**job.kwargs)  # every stored key is a parameter


def test_digits_data_are_the_fixed_split_and_shapes_remain():
    from course_utils.data.digits import digits_splits

    x, y, classes = degradation_data("digits", 100)
    train = digits_splits(size=16, seed=0)[0]
    assert classes == 10 and x.shape == (100, 1, 16, 16)
    assert torch.equal(x, train.images[:100]) and torch.equal(y, train.labels[:100])
    xs, ys, classes = degradation_data("shapes", 8)
    assert classes == 6 and torch.equal(xs, shapes_train_subset(8)[0])
    shapes_run = degradation_curves(
        depths=(8,), skips=(True,), data="shapes", **{**TINY, "seeds": (0,)}
    )
    assert shapes_run["classes"] == 6


def test_seed_offset_moves_the_live_runs(monkeypatch, tiny_curves):
    monkeypatch.setenv("COURSE_SEED_OFFSET", "1000")
    moved = degradation_curves(depths=(8,), skips=(False,), **TINY)
    first = [r for r in tiny_curves["runs"] if r["depth"] == 8 and not r["skip"]]
    assert [r["seed"] for r in moved["runs"]] == [0, 1]  # reported as given
    assert [r["loss"] for r in moved["runs"]] != [r["loss"] for r in first]


def test_plot_degradation_draws_both_panels(tiny_curves):
    import matplotlib

    matplotlib.use("Agg")
    fig = plot_degradation({"curves": tiny_curves}, live=tiny_curves, title="t", epochs=1)
    plain, residual = fig.axes
    assert plain.get_title() == "plain networks" and residual.get_title() == "residual networks"
    # per depth (8, 14): the mean of the seeds, and live dots for each of the 2 live seeds
    assert len(plain.get_legend().get_texts()) == 2 * (1 + 2)
