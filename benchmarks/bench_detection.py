"""Time the kit's detection operations against torchvision's, and the detectors per image.

Part 1, operations: for each case both implementations run on the same inputs; their
results are asserted equal first (IoU to float tolerance, NMS indices and RoI pooling
exactly), then each is timed: a few warm-up calls, then the median of ``--repeats`` calls
measured with ``time.perf_counter``. "kit / tv" > 1 means the kit is slower.

Part 2, detectors (R-CNN, Fast, Faster, Mask R-CNN; torchvision's Faster and Mask R-CNN):
the trained checkpoints (``make checkpoints``; untrained weights with a
note when they are missing) on the first ``--images`` test images, one image at a time:
selective-search time per image, each detector's time per image excluding proposals
(as the Fast R-CNN paper compares R-CNN and Fast R-CNN), the total with its proposals,
and the speed-up over R-CNN, all measured in this run.

    python benchmarks/bench_detection.py [--repeats 7] [--threads N] [--images 20]

Runs on the CPU in about a minute.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time
from collections.abc import Callable

import torch
import torchvision

from course_utils.detection import box_iou, nms, roi_align, roi_pool, roi_pool_loops


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
    parser.add_argument("--images", type=int, default=20, help="test images for the detectors")
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

    # RoI Align's backward (what training pays): the kit's two matrix products against
    # torchvision's CPU kernel, on the sizes of notebook 12's box head (7×7) and mask head (14×14)
    align_cases = [  # (features N, C, H, W), RoIs, output size, case
        ((8, 64, 32, 32), 1024, 7, "Mask R-CNN box head: 8×64×32×32, 1024 RoIs"),
        ((8, 64, 32, 32), 256, 14, "Mask R-CNN mask head: 8×64×32×32, 256 RoIs"),
    ]
    for shape, k, size, case in align_cases:
        features = torch.randn(*shape, generator=g)
        rois = rois_for(g, k, shape[0], 128)
        grad = torch.randn(k, shape[1], size, size, generator=g)

        def backward(fn, f=features, r=rois, s=size, d=grad):
            x = f.clone().requires_grad_()
            fn(x, r, s, 0.25, sampling_ratio=2, aligned=True).backward(d)
            return x.grad

        compare(
            f"roi_align {size}×{size} forward+backward",
            case,
            lambda b=backward: b(roi_align),
            lambda b=backward: b(torchvision.ops.roi_align),
            close,
        )

    # pasting 28×28 masks into their boxes: one grid_sample (kit) against box by box (torchvision)
    from torchvision.models.detection.roi_heads import paste_masks_in_image

    from course_utils.detection.masks import mask_iou, paste_masks

    for n in (20, 100):
        # blob-shaped masks, as a trained head predicts them (noise would not paste alike)
        yx = torch.stack(torch.meshgrid(torch.arange(28.0), torch.arange(28.0), indexing="ij"))
        centres = 9 + torch.rand(n, 2, 1, 1, generator=g) * 10
        radii = 6 + torch.rand(n, 1, 1, generator=g) * 6
        probs = torch.sigmoid(radii - (yx - centres).norm(dim=1))
        boxes = random_boxes(g, n, 128).clamp(0, 128)

        def agree(kit: torch.Tensor, ref: torch.Tensor) -> None:
            iou = mask_iou(kit, ref[:, 0] >= 0.5).diagonal()
            assert float(iou.mean()) >= 0.9, "the two pastings should nearly agree"

        compare(
            "paste masks",
            f"{n} masks of 28×28 into 128×128",
            lambda p=probs, b=boxes: paste_masks(p, b, (128, 128)),
            lambda p=probs, b=boxes: paste_masks_in_image(p[:, None], b, (128, 128)),
            agree,
        )

    print(
        f"torch {torch.__version__}, torchvision {torchvision.__version__}, "
        f"{torch.get_num_threads()} CPU threads, {platform.processor() or platform.machine()}; "
        f"median of {args.repeats} runs; results asserted equal (pasted masks: mean IoU ≥ 0.9)"
    )
    header = ("operation", "case", "kit (ms)", "torchvision (ms)", "kit / tv")
    lines = [(op, case, f"{k:.2f}", f"{t:.2f}", f"{k / t:.2f}×") for op, case, k, t in rows]
    widths = [max(len(str(r[i])) for r in [header, *lines]) for i in range(5)]
    fmt = "  ".join(f"{{:{'<' if i < 2 else '>'}{w}}}" for i, w in enumerate(widths))
    print(fmt.format(*header))
    print("  ".join("-" * w for w in widths))
    for line in lines:
        print(fmt.format(*line))
    print()
    bench_detectors(args.images)


def print_table(header: tuple[str, ...], lines: list[tuple[str, ...]]) -> None:
    widths = [max(len(str(r[i])) for r in [header, *lines]) for i in range(len(header))]
    fmt = "  ".join(f"{{:{'<' if i == 0 else '>'}{w}}}" for i, w in enumerate(widths))
    print(fmt.format(*header))
    print("  ".join("-" * w for w in widths))
    for line in lines:
        print(fmt.format(*line))


def bench_detectors(n_images: int) -> None:
    """Per-image time of R-CNN, Fast R-CNN, Faster R-CNN (kit) and torchvision's Faster R-CNN."""
    from course_utils.checkpoints import load_trained, read_manifest
    from course_utils.detection.engine import compare_stage_times, timed_selective_search
    from course_utils.tooling.checkpoints import DETECTION_JOBS, detection_test_set

    images, _, _ = detection_test_set(with_proposals=False)
    images = images[:n_images]
    proposals, ss_seconds = timed_selective_search(images)
    manifest = read_manifest()
    names = {
        "rcnn_shapes": "R-CNN",
        "fast_rcnn_shapes": "Fast R-CNN",
        "faster_rcnn_shapes": "Faster R-CNN (kit)",
        "torchvision_faster_rcnn_shapes": "Faster R-CNN (torchvision)",
        "mask_rcnn_shapes": "Mask R-CNN (kit)",
        "torchvision_mask_rcnn_shapes": "Mask R-CNN (torchvision)",
    }
    models, quality = {}, {}
    for name, label in names.items():
        models[label] = DETECTION_JOBS[name].build()
        if name in manifest:
            load_trained(name, models[label])
            quality[label] = f"{manifest[name]['value']:.3f}"
        else:
            quality[label] = "untrained"
    # the detectors take turns image by image, so a change of load hits all of them alike
    times = compare_stage_times(models, images, proposals, rounds=3)
    rows = []
    for label, stages in times.items():
        uses_ss = label in ("R-CNN", "Fast R-CNN")
        proposal = f"{ss_seconds * 1e3:.1f} (SS)" if uses_ss else (
            f"{stages['rpn'] * 1e3:.1f} (RPN)" if "rpn" in stages else "in detection"
        )  # fmt: skip
        total = stages["total"] + (ss_seconds if uses_ss else 0.0)
        rows.append((label, proposal, stages["total"], total, quality[label]))
    base_detection, base_total = rows[0][2], rows[0][3]
    print(
        f"detectors: {n_images} test images of 128×128, one at a time, {torch.get_num_threads()} "
        f"CPU thread(s), best of 3 rounds in turns; selective search (SS) {ss_seconds * 1e3:.0f} "
        f"ms/image (~{sum(map(len, proposals)) / len(proposals):.0f} proposals), outside the "
        "detection time as in the Fast R-CNN paper; the RPN's time is its share of the detection"
    )
    header = ("detector", "proposals (ms)", "detection (ms)", "total (ms)",
              "detection speed-up", "total speed-up", "test mAP@0.5")  # fmt: skip
    print_table(header, [
        (label, p, f"{d * 1e3:.1f}", f"{t * 1e3:.1f}", f"{base_detection / d:.1f}×",
         f"{base_total / t:.1f}×", q)
        for label, p, d, t, q in rows
    ])  # fmt: skip
    mask = times["Mask R-CNN (kit)"]
    branch = mask["mask_head"] + mask["paste"]
    print(
        f"the kit's mask branch: mask head {mask['mask_head'] * 1e3:.1f} ms + paste "
        f"{mask['paste'] * 1e3:.1f} ms = {branch / mask['total']:.0%} of Mask R-CNN's time; "
        f"Mask R-CNN / Faster R-CNN (kit) = {mask['total'] / times['Faster R-CNN (kit)']['total']:.2f}×"
    )


if __name__ == "__main__":
    main()
