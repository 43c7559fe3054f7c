"""detection.timeline: a measured stage timeline of one image, and stage times in turns."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from course_utils.detection.detectors import RCNN, FasterRCNN, FastRCNN  # noqa: E402
from course_utils.detection.timeline import (  # noqa: E402
    Stage,
    StageTimeline,
    plot_stage_timeline,
    stage_timeline,
    stage_times_in_turns,
    stopwatch,
)

IMAGE = torch.rand(3, 64, 64, generator=torch.Generator().manual_seed(0))
BOXES = torch.tensor([[0.0, 0.0, 32.0, 32.0], [8.0, 8.0, 60.0, 40.0]])


@pytest.fixture(scope="module")
def faster():
    torch.manual_seed(0)
    return FasterRCNN(4).eval()


def test_faster_rcnn_stages_run_one_after_another_on_one_feature_map(faster):
    t = stage_timeline(faster, IMAGE, repeat=2, warmup=1)
    assert [s.name for s in t.stages] == ["backbone", "RPN", "RoI head"]
    assert t.is_sequential()
    assert t.backbone_calls == 1 and t.shared_features
    assert all(s.seconds > 0 for s in t.stages)
    assert t.stages[0].start >= 0 and t.stages[-1].end <= t.total
    assert 0 < t.share("RPN") < 1
    assert t["RPN"] is t.stages[1]
    with pytest.raises(KeyError, match="no stage 'head'"):
        t["head"]


def test_the_detector_is_left_as_it_was(faster):
    before = faster.detect_timed([IMAGE])[0][0]["boxes"]
    faster.train()
    stage_timeline(faster, IMAGE, repeat=1, warmup=0)
    assert faster.training  # mode restored
    assert "pool" not in vars(faster) and "_postprocess" not in vars(faster)  # methods restored
    assert not faster.backbone._forward_hooks and not faster.rpn._forward_pre_hooks
    faster.eval()
    assert torch.equal(faster.detect_timed([IMAGE])[0][0]["boxes"], before)


def test_fast_rcnn_with_given_or_computed_proposals():
    torch.manual_seed(0)
    fast = FastRCNN(4).eval()
    given = stage_timeline(fast, IMAGE, proposals=BOXES, repeat=1, warmup=0)
    assert [s.name for s in given.stages] == ["backbone", "RoI head"]
    computed = stage_timeline(fast, IMAGE, propose=lambda im: BOXES, propose_name="lookup",
                              repeat=1, warmup=0)  # fmt: skip
    assert [s.name for s in computed.stages] == ["lookup", "backbone", "RoI head"]
    assert computed.is_sequential() and computed["lookup"].start == 0.0


def test_overlap_is_detected():
    overlapping = StageTimeline((Stage("a", 0.0, 2.0), Stage("b", 1.0, 3.0)), 3.0, 1, True)
    assert not overlapping.is_sequential()
    assert overlapping.share("b") == pytest.approx(2 / 3)


def test_clear_errors(faster):
    torch.manual_seed(0)
    fast = FastRCNN(4).eval()
    with pytest.raises(ValueError, match="needs proposals"):
        stage_timeline(fast, IMAGE)
    with pytest.raises(ValueError, match="needs proposals"):
        stage_timeline(fast, IMAGE, proposals=BOXES, propose=lambda im: BOXES)
    with pytest.raises(ValueError, match="makes its own proposals"):
        stage_timeline(faster, IMAGE, proposals=BOXES)
    with pytest.raises(ValueError, match="one 3×H×W tensor"):
        stage_timeline(faster, IMAGE[None])
    with pytest.raises(TypeError, match="FastRCNN / FasterRCNN"):
        stage_timeline(RCNN(4), IMAGE, proposals=BOXES)
    with pytest.raises(ValueError, match="repeat"):
        stage_timeline(faster, IMAGE, repeat=0)


def test_plot_has_one_bar_per_stage(faster):
    t = stage_timeline(faster, IMAGE, repeat=1, warmup=0)
    fig = plot_stage_timeline({"kit": t, "again": t}, title="two lanes")
    ax = fig.axes[0]
    assert len(ax.patches) == 6
    assert [tick.get_text() for tick in ax.get_yticklabels()][:3] == [
        "kit: backbone",
        "kit: RPN",
        "kit: RoI head",
    ]
    assert ax.get_title() == "two lanes" and "ms" in ax.get_xlabel()
    plt.close(fig)
    fig = plot_stage_timeline(t)
    assert [tick.get_text() for tick in fig.axes[0].get_yticklabels()] == [
        "backbone",
        "RPN",
        "RoI head",
    ]
    plt.close(fig)
    with pytest.raises(ValueError, match="at least one"):
        plot_stage_timeline({})


def test_stage_times_in_turns_keeps_the_fastest_round():
    totals = iter([0.5, 0.1, 0.3])
    calls = {
        "fake": lambda: {"a": next(totals)},
        "watch": stopwatch(lambda: sum(range(100)), "sum"),
    }
    times = stage_times_in_turns(calls, rounds=3, warmup=0)
    assert times["fake"] == {"a": 0.1, "total": 0.1}
    assert set(times["watch"]) == {"sum", "total"} and times["watch"]["sum"] >= 0
    with pytest.raises(ValueError, match="at least one call"):
        stage_times_in_turns({})
    with pytest.raises(ValueError, match="rounds"):
        stage_times_in_turns(calls, rounds=0)


def test_the_head_reads_the_proposals_and_the_rpn_never_reads_the_head(faster):
    from course_utils.detection.timeline import stage_dependency

    image = torch.rand(3, 64, 64, generator=torch.Generator().manual_seed(1))
    before = {k: v.clone() for k, v in faster.state_dict().items()}
    d = stage_dependency(faster, image, shift=8)
    assert d.proposals > 0 and d.head_change > 1e-4 and d.rpn_change == 0.0
    assert all(torch.equal(v, faster.state_dict()[k]) for k, v in before.items()), "untouched"


def test_a_head_that_ignored_the_proposals_would_be_caught(faster):
    import copy

    from course_utils.detection.timeline import stage_dependency

    blind = copy.deepcopy(faster)
    blind.pool = lambda features, boxes: features.new_zeros(sum(len(b) for b in boxes), 64, 7, 7)
    d = stage_dependency(blind, torch.rand(3, 64, 64), shift=8)
    assert d.head_change == 0.0


def test_stage_dependency_rejects_bad_input(faster):
    from course_utils.detection.timeline import stage_dependency

    with pytest.raises(ValueError, match="shift must be a positive number of pixels, got -1"):
        stage_dependency(faster, torch.rand(3, 64, 64), shift=-1)
    with pytest.raises(ValueError, match="image must be one 3×H×W tensor, got \\(1, 3, 64, 64\\)"):
        stage_dependency(faster, torch.rand(1, 3, 64, 64))
    with pytest.raises(TypeError, match="detector must be a Faster R-CNN.*without 'rpn'"):
        stage_dependency(FastRCNN(4).eval(), torch.rand(3, 64, 64))
