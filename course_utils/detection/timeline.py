"""When does each stage of a detector run? A measured timeline of one image, and fair timings.

The lecture says that in Faster R-CNN the RPN and the classifier run "in parallel". At
inference they do not: the backbone computes one feature map, the RPN reads it and makes
proposals, and only then can the RoI head pool those proposals from the *same* map. What
the two share is the computation (one backbone pass), not the time. :func:`stage_timeline`
shows this by clocking each stage's real start and end inside one call of the detector
(forward hooks on ``backbone`` and ``rpn``; the RoI head from the start of RoI pooling to
the end of post-processing), and :func:`plot_stage_timeline` draws it as one horizontal bar
per stage.

:func:`stage_times_in_turns` times several things that report their own stages (a
detector's ``detect_timed``, selective search wrapped in :func:`stopwatch`) in turns, so a
burst of load on the machine hits all of them alike.

>>> from course_utils.detection.detectors import FasterRCNN
>>> timeline = stage_timeline(FasterRCNN(4).eval(), torch.rand(3, 64, 64), repeat=1, warmup=0)
>>> [s.name for s in timeline.stages], timeline.is_sequential(), timeline.shared_features
(['backbone', 'RPN', 'RoI head'], True, True)
"""

from __future__ import annotations

import copy
import functools
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import matplotlib.pyplot as plt
import torch
from torch import Tensor, nn

from course_utils.detection.boxes import clip_boxes
from course_utils.detection.detectors import check_images
from course_utils.device import synchronize

__all__ = [
    "Stage",
    "StageTimeline",
    "stage_timeline",
    "plot_stage_timeline",
    "stopwatch",
    "stage_times_in_turns",
    "StageDependency",
    "stage_dependency",
]

#: One colour per stage name, the same in every figure.
STAGE_COLORS = {
    "selective search": "tab:orange",
    "backbone": "tab:blue",
    "RPN": "tab:red",
    "RoI head": "tab:green",
}


@dataclass(frozen=True)
class Stage:
    """One stage of one call: its name and its start and end, in seconds after the call began."""

    name: str
    start: float
    end: float

    @property
    def seconds(self) -> float:
        return self.end - self.start


@dataclass(frozen=True)
class StageTimeline:
    """The stages of one detector call on one image, in the order they started.

    ``total`` is the whole call (from before the first stage to after the last);
    ``backbone_calls`` how often the backbone ran in that call; ``shared_features`` whether
    every consumer of features (the RPN, RoI pooling) received the backbone's output tensor
    itself — one computation, read twice.
    """

    stages: tuple[Stage, ...]
    total: float
    backbone_calls: int
    shared_features: bool

    def __getitem__(self, name: str) -> Stage:
        for stage in self.stages:
            if stage.name == name:
                return stage
        raise KeyError(f"no stage {name!r}; the stages are {[s.name for s in self.stages]}")

    def is_sequential(self) -> bool:
        """True when each stage starts at or after the end of the one before (no overlap)."""
        return all(b.start >= a.end for a, b in zip(self.stages[:-1], self.stages[1:], strict=True))

    def share(self, name: str) -> float:
        """The fraction of the whole call spent in stage ``name``."""
        return self[name].seconds / self.total


def _device_of(model: nn.Module) -> torch.device:
    param = next(model.parameters(), None)
    return param.device if param is not None else torch.device("cpu")


@torch.no_grad()
def _one_timeline(
    model: nn.Module, image: Tensor, proposals, propose, propose_name
) -> StageTimeline:
    device = _device_of(model)
    marks: dict[str, list[float]] = {}
    seen: dict[str, Any] = {"calls": 0, "features": None, "shared": True}

    def clock(name: str, edge: int) -> None:
        synchronize(device)  # on a GPU the kernels run asynchronously: wait for them
        marks.setdefault(name, [float("nan"), float("nan")])[edge] = time.perf_counter()

    def read(features: Any) -> None:  # a consumer of the feature map: is it the backbone's?
        if not (isinstance(features, Tensor) and features is seen["features"]):
            seen["shared"] = False

    def backbone_pre(module, args):
        seen["calls"] += 1
        clock("backbone", 0)

    def backbone_post(module, args, output):
        seen["features"] = output
        clock("backbone", 1)

    def rpn_pre(module, args):
        read(args[0])
        clock("RPN", 0)

    hooks = [
        model.backbone.register_forward_pre_hook(backbone_pre),
        model.backbone.register_forward_hook(backbone_post),
    ]
    if hasattr(model, "rpn"):
        hooks += [
            model.rpn.register_forward_pre_hook(rpn_pre),
            model.rpn.register_forward_hook(lambda m, a, o: clock("RPN", 1)),
        ]
    pool, postprocess = model.pool, model._postprocess  # bound methods of the class

    @functools.wraps(pool)
    def timed_pool(features, boxes):
        read(features)
        clock("RoI head", 0)
        return pool(features, boxes)

    @functools.wraps(postprocess)
    def timed_postprocess(*args):
        out = postprocess(*args)
        clock("RoI head", 1)
        return out

    model.pool, model._postprocess = timed_pool, timed_postprocess  # this call only
    try:
        synchronize(device)
        begin = time.perf_counter()
        if propose is not None:
            proposals = propose(image)
            clock(propose_name, 1)
            marks[propose_name][0] = begin
        if proposals is None:
            model.detect_timed([image])
        else:
            model.detect_timed([image], [proposals])
        synchronize(device)
        total = time.perf_counter() - begin
    finally:
        for hook in hooks:
            hook.remove()
        del model.pool, model._postprocess  # back to the class's methods
    stages = sorted(
        (Stage(name, start - begin, end - begin) for name, (start, end) in marks.items()),
        key=lambda s: s.start,
    )
    return StageTimeline(tuple(stages), total, seen["calls"], seen["shared"])


def _check_one_image(image) -> None:
    if not isinstance(image, Tensor) or image.dim() != 3:
        shape = tuple(image.shape) if isinstance(image, Tensor) else type(image).__name__
        raise ValueError(f"image must be one 3×H×W tensor, got {shape}; for a batch pass images[0]")


def stage_timeline(
    model: nn.Module,
    image: Tensor,
    proposals: Tensor | None = None,
    propose: Callable[[Tensor], Tensor] | None = None,
    propose_name: str = "selective search",
    repeat: int = 5,
    warmup: int = 2,
) -> StageTimeline:
    """When each stage of one detector call on one image starts and ends (the fastest of ``repeat``).

    ``model`` is one of the kit's :class:`~course_utils.detection.detectors.FastRCNN` or
    :class:`~course_utils.detection.detectors.FasterRCNN` (their stages: ``backbone``,
    ``RPN`` for Faster R-CNN, ``RoI head`` = RoI pooling + box head + post-processing).
    Fast R-CNN needs ``proposals`` (a ``(K, 4)`` tensor) or ``propose``, a function of the
    image timed as a first stage named ``propose_name`` (e.g. selective search). Each
    stage's start and end are read from the clock when it really starts and ends (the device
    is synchronised first), so a stage that ran alongside another would overlap it.
    """
    for name in ("backbone", "pool", "_postprocess", "detect_timed"):
        if not hasattr(model, name):
            raise TypeError(
                f"stage_timeline needs one of the kit's FastRCNN / FasterRCNN detectors, got "
                f"{type(model).__name__} (it has no {name!r})"
            )
    _check_one_image(image)
    makes_own = hasattr(model, "rpn")
    if makes_own and (proposals is not None or propose is not None):
        raise ValueError("Faster R-CNN makes its own proposals; do not pass proposals or propose")
    if not makes_own and (proposals is None) == (propose is None):
        raise ValueError(
            f"{type(model).__name__} needs proposals: pass either proposals (a (K, 4) tensor) "
            "or propose (a function of the image, e.g. selective search)"
        )
    if repeat < 1 or warmup < 0:
        raise ValueError(f"repeat must be ≥ 1 and warmup ≥ 0, got {repeat} and {warmup}")
    was_training = model.training
    model.eval()
    try:
        for _ in range(warmup):
            _one_timeline(model, image, proposals, propose, propose_name)
        runs = [
            _one_timeline(model, image, proposals, propose, propose_name) for _ in range(repeat)
        ]
    finally:
        model.train(was_training)
    return min(runs, key=lambda t: t.total)  # the least disturbed run, as benchmark's minimum


def plot_stage_timeline(
    timelines: StageTimeline | Mapping[str, StageTimeline],
    ax: plt.Axes | None = None,
    title: str = "One image through the detector: stage by stage",
) -> plt.Figure:
    """One horizontal bar per stage from its start to its end (ms), one block of rows per detector."""
    if isinstance(timelines, StageTimeline):
        timelines = {"": timelines}
    if not timelines:
        raise ValueError("pass at least one StageTimeline")
    rows = [(lane, stage) for lane, t in timelines.items() for stage in t.stages]
    if ax is None:
        fig, ax = plt.subplots(figsize=(9, 0.45 * len(rows) + 1.4))
    else:
        fig = ax.figure
    end = max(t.total for t in timelines.values()) * 1e3
    for y, (_, stage) in enumerate(rows):
        color = STAGE_COLORS.get(stage.name, f"C{y % 10}")
        ax.barh(y, stage.seconds * 1e3, left=stage.start * 1e3, color=color, height=0.6)
        ax.text(stage.end * 1e3 + 0.01 * end, y, f"{stage.seconds * 1e3:.1f} ms", va="center",
                fontsize=8)  # fmt: skip
    ax.set_yticks(range(len(rows)), [f"{lane}: {s.name}" if lane else s.name for lane, s in rows])
    ax.invert_yaxis()
    ax.set(title=title, xlabel="time since the image arrived (ms)", xlim=(0, 1.15 * end))
    ax.grid(alpha=0.3, axis="x")
    fig.tight_layout()
    return fig


def stopwatch(fn: Callable[[], object], name: str) -> Callable[[], dict[str, float]]:
    """``fn`` as a one-stage timed call for :func:`stage_times_in_turns`: ``{name: seconds}``.

    >>> stopwatch(lambda: sum(range(10)), "sum")()["sum"] >= 0
    True
    """

    def timed() -> dict[str, float]:
        start = time.perf_counter()
        fn()
        return {name: time.perf_counter() - start}

    return timed


def stage_times_in_turns(
    calls: Mapping[str, Callable[[], Mapping[str, float]]],
    rounds: int = 3,
    warmup: int = 1,
) -> dict[str, dict[str, float]]:
    """Seconds per stage of several calls, timed in turns: one call of each per round.

    Each call returns its own stage times (a detector's ``lambda: model.detect_timed(...)[1]``,
    or :func:`stopwatch`). Taking turns, every round meets each call under the same load;
    for each call the round with the smallest total counts (as
    :func:`course_utils.detection.engine.compare_stage_times` does for detectors). Returns
    ``{name: {stage: seconds, …, "total": seconds}}``.

    >>> t = stage_times_in_turns({"a": stopwatch(lambda: sum(range(10)), "add")}, 2, 0)
    >>> sorted(t["a"])
    ['add', 'total']
    """
    if not calls:
        raise ValueError("pass at least one call, e.g. {'Fast R-CNN': lambda: ...}")
    if rounds < 1 or warmup < 0:
        raise ValueError(f"rounds must be ≥ 1 and warmup ≥ 0, got {rounds} and {warmup}")
    for _ in range(warmup):
        for call in calls.values():
            call()
    best: dict[str, dict[str, float]] = {}
    for _ in range(rounds):
        for name, call in calls.items():
            times = dict(call())
            times["total"] = sum(times.values())
            if name not in best or times["total"] < best[name]["total"]:
                best[name] = times
    return best


@dataclass(frozen=True)
class StageDependency:
    """Which stage's output depends on which: measured by changing one input at a time.

    ``head_change``: the largest change of the RoI head's class probabilities when every proposal
    is moved by ``shift`` pixels (same image, same feature map). ``rpn_change``: the largest
    change of the RPN's proposal coordinates when the RoI head's weights are drawn afresh.
    """

    head_change: float
    rpn_change: float
    proposals: int
    shift: float


@torch.no_grad()
def stage_dependency(
    detector: nn.Module, image: Tensor, shift: float = 8.0, seed: int = 0
) -> StageDependency:
    """How the RoI head depends on the RPN's proposals, and the RPN on the head.

    Stages that could run side by side would not read each other's output. Here the RoI head
    pools the RPN's proposals, so moving the proposals changes what the head says
    (``head_change`` > 0), while the RPN never reads the head (``rpn_change`` == 0 with the
    head's weights replaced). ``detector`` is a :class:`~course_utils.detection.detectors.FasterRCNN`
    (or a subclass) in eval mode; ``image`` one ``3×H×W`` tensor.

    >>> from course_utils.detection.detectors import FasterRCNN
    >>> d = stage_dependency(FasterRCNN(4).eval(), torch.rand(3, 64, 64))
    >>> d.head_change > 0, d.rpn_change
    (True, 0.0)
    """
    for name in ("backbone", "rpn", "pool", "head"):
        if not hasattr(detector, name):
            raise TypeError(
                f"detector must be a Faster R-CNN (backbone, rpn, pool, head), "
                f"got {type(detector).__name__} without '{name}'"
            )
    if not isinstance(shift, int | float) or not 0 < shift < 1e4:
        raise ValueError(f"shift must be a positive number of pixels, got {shift!r}")
    _check_one_image(image)
    x = check_images([image.to(_device_of(detector))])
    size = tuple(x.shape[-2:])
    features = detector.backbone(x)
    proposals, _ = detector.rpn(features, size)

    def class_probabilities(boxes):
        logits, _ = detector.head(detector.pool(features, boxes))
        return logits.softmax(-1)

    moved = [clip_boxes(p + shift, size) for p in proposals]
    head_change = (class_probabilities(proposals) - class_probabilities(moved)).abs().max()

    other = copy.deepcopy(detector)
    generator = torch.Generator().manual_seed(seed)
    for p in other.head.parameters():
        scale = p.std(correction=0).clamp_min(0.01)  # a one-element tensor has spread 0, not NaN
        p.copy_(torch.randn(p.shape, generator=generator).to(p) * scale)
    proposals_other = other.propose([image.to(_device_of(other))])
    pairs = list(zip(proposals, proposals_other, strict=True))
    if any(a.shape != b.shape for a, b in pairs):
        rpn_change = float("inf")  # a different number of proposals: certainly changed
    else:
        rpn_change = max((float((a - b).abs().max()) for a, b in pairs if len(a)), default=0.0)
    return StageDependency(float(head_change), rpn_change, sum(len(p) for p in proposals), shift)
