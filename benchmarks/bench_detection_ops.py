"""Time the kit's detection operations against torchvision's, side by side.

For each case both implementations run on the same inputs; their results are asserted
equal first (IoU to float tolerance, NMS indices and RoI pooling exactly), then each is
timed: a few warm-up calls, then the median of ``--repeats`` calls measured with
``time.perf_counter``. One table is printed; "kit / tv" > 1 means the kit is slower.

    python benchmarks/bench_detection_ops.py [--repeats 7] [--threads N]

Runs on the CPU in well under a minute.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time
from collections.abc import Callable

import torch
import torchvision

from course_utils.detection import box_iou, nms, roi_pool, roi_pool_loops


def median_ms(fn: Callable[[], object], repeats: int, warmup: int = 2) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3


def random_boxes(g: torch.Generator, n: int, image: float) -> torch.Tensor:
    xy = torch.rand(n, 2, generator=g) * image * 0.8
    wh = torch.rand(n, 2, generator=g) * image * 0.25 + 8
    return torch.cat((xy, xy + wh), dim=1)


def detector_like_boxes(g: torch.Generator, n: int, image: float, objects: int) -> torch.Tensor:
    """Many boxes around a few objects (each a jittered copy), as a detector outputs them."""
    objs = random_boxes(g, objects, image)
    boxes = objs[torch.randint(0, objects, (n,), generator=g)]
    size = (boxes[:, 2:] - boxes[:, :2]).repeat(1, 2)
    return boxes + torch.randn(n, 4, generator=g) * size * 0.1


def rois_for(g: torch.Generator, k: int, images: int, image: float) -> torch.Tensor:
    batch = torch.randint(0, images, (k, 1), generator=g).float()
    return torch.cat((batch, random_boxes(g, k, image)), dim=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    g = torch.Generator().manual_seed(0)
    rows: list[tuple[str, str, float, float]] = []

    def compare(op: str, case: str, kit: Callable, ref: Callable, check: Callable) -> None:
        check(kit(), ref())
        rows.append((op, case, median_ms(kit, args.repeats), median_ms(ref, args.repeats)))

    def same(a: torch.Tensor, b: torch.Tensor) -> None:
        assert torch.equal(a, b), "results differ"

    def close(a: torch.Tensor, b: torch.Tensor) -> None:
        torch.testing.assert_close(a, b)

    for n, m in [(300, 300), (2000, 2000)]:
        a, b = random_boxes(g, n, 800), random_boxes(g, m, 800)
        compare(
            "box_iou",
            f"{n}×{m} boxes",
            lambda a=a, b=b: box_iou(a, b),
            lambda a=a, b=b: torchvision.ops.box_iou(a, b),
            close,
        )

    for n, thr in [(300, 0.5), (2000, 0.7), (4000, 0.7)]:
        boxes = detector_like_boxes(g, n, 800, objects=max(10, n // 20))
        scores = torch.rand(n, generator=g)
        compare(
            "nms",
            f"{n} boxes, IoU > {thr}",
            lambda b=boxes, s=scores, t=thr: nms(b, s, t),
            lambda b=boxes, s=scores, t=thr: torchvision.ops.nms(b, s, t),
            same,
        )

    pool_cases = [  # (features N, C, H, W), RoIs, image size, spatial scale
        ((2, 128, 16, 16), 512, 128, 1 / 8, "course: 2×128×16×16, 512 RoIs"),
        ((1, 512, 38, 50), 300, 600, 1 / 16, "VGG16 conv5: 512×38×50, 300 RoIs"),
        ((2, 256, 50, 50), 512, 800, 1 / 16, "2×256×50×50, 512 RoIs"),
    ]
    for shape, k, image, scale, case in pool_cases:
        features = torch.randn(*shape, generator=g)
        rois = rois_for(g, k, shape[0], image)
        compare(
            "roi_pool 7×7",
            case,
            lambda f=features, r=rois, s=scale: roi_pool(f, r, 7, s),
            lambda f=features, r=rois, s=scale: torchvision.ops.roi_pool(f, r, 7, s),
            same,
        )
    # the teaching loop version, on the smallest case only (it is slow on purpose)
    features = torch.randn(2, 128, 16, 16, generator=g)
    rois = rois_for(g, 64, 2, 128)
    compare(
        "roi_pool_loops",
        "course: 2×128×16×16, 64 RoIs",
        lambda: roi_pool_loops(features, rois, 7, 1 / 8),
        lambda: torchvision.ops.roi_pool(features, rois, 7, 1 / 8),
        same,
    )

    print(
        f"torch {torch.__version__}, torchvision {torchvision.__version__}, "
        f"{torch.get_num_threads()} CPU threads, {platform.processor() or platform.machine()}; "
        f"median of {args.repeats} runs; results asserted equal"
    )
    header = ("operation", "case", "kit (ms)", "torchvision (ms)", "kit / tv")
    lines = [(op, case, f"{k:.2f}", f"{t:.2f}", f"{k / t:.2f}×") for op, case, k, t in rows]
    widths = [max(len(str(r[i])) for r in [header, *lines]) for i in range(5)]
    fmt = "  ".join(f"{{:{'<' if i < 2 else '>'}{w}}}" for i, w in enumerate(widths))
    print(fmt.format(*header))
    print("  ".join("-" * w for w in widths))
    for line in lines:
        print(fmt.format(*line))


if __name__ == "__main__":
    main()
