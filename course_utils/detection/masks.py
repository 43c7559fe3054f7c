"""Instance segmentation: the mask branch of Mask R-CNN (He et al., 2017), stage by stage.

After torchvision's ``roi_heads.py`` (``maskrcnn_loss``, ``project_masks_on_boxes``),
``MaskRCNNHeads``/``MaskRCNNPredictor`` and ``paste_masks_in_image`` — read, not copied.

- :func:`mask_targets`: the training target of a positive proposal is its object's
  instance mask *cropped to the proposal and resized* to ``M × M`` (RoI Align on the mask,
  so a soft value at the edges);
- :class:`MaskHead`: RoI features (``14 × 14``) → four 3×3 convolutions → a 2× transposed
  convolution → one ``M × M`` logit map **per class** (``M = 28``), a small FCN;
- :func:`mask_loss`: per-pixel **sigmoid** binary cross-entropy on the map of the
  ground-truth class only, so classes do not compete (the paper's decoupling, §3); the
  ``"softmax"`` variant (a multinomial loss over the classes and background, as an FCN for
  semantic segmentation) is there for the ablation;
- :func:`paste_masks`: each ``M × M`` probability map resized into its box in the image
  and thresholded at 0.5;
- :func:`mask_iou`: IoU of binary masks (the overlap measure of COCO's ``"segm"``).

Masks are ``(K, H, W)`` tensors, one per object: ``bool`` or integer 0/1 (a float mask
must be thresholded first, e.g. ``probs > 0.5``).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torchvision.ops import roi_align

from course_utils._checks import check_choice, check_probability, check_tensor, describe

__all__ = [
    "MASK_SIZE",
    "MASK_LOSSES",
    "MaskHead",
    "check_masks",
    "mask_targets",
    "mask_loss",
    "mask_probabilities",
    "paste_masks",
    "mask_iou",
]

#: Side of the mask the head predicts (the paper's 28 × 28).
MASK_SIZE = 28
#: The two mask losses compared in the paper (Table 2b).
MASK_LOSSES = ("sigmoid", "softmax")


def check_masks(name: str, masks, count: int | None = None, size: tuple | None = None) -> Tensor:
    """A ``(K, H, W)`` binary mask tensor (bool or integer 0/1), returned as ``bool``."""
    check_tensor(name, masks, hint="one (H, W) mask per object, stacked: (K, H, W)")
    if masks.dim() == 4 and masks.shape[1] == 1:
        raise ValueError(
            f"{name} is {tuple(masks.shape)}: torchvision's (K, 1, H, W) layout; pass "
            f"{name}[:, 0] > 0.5 (binary masks, one channel dropped)"
        )
    if masks.dim() != 3:
        raise ValueError(f"{name} must be (K, H, W), one mask per object; got {describe(masks)}")
    if count is not None and len(masks) != count:
        raise ValueError(f"{name} has {len(masks)} masks but there are {count} objects")
    if size is not None and tuple(masks.shape[-2:]) != tuple(size):
        raise ValueError(
            f"{name} is {tuple(masks.shape[-2:])} per mask but the image is {tuple(size)}"
        )
    if masks.dtype == torch.bool:
        return masks
    if masks.is_floating_point() or masks.is_complex():
        raise TypeError(
            f"{name} must be binary (bool or integer 0/1), got {masks.dtype}; threshold "
            f"probabilities first, e.g. {name} > 0.5"
        )
    if masks.numel() and bool(((masks != 0) & (masks != 1)).any()):
        raise ValueError(f"{name} must hold only 0 and 1 (binary masks), got other values")
    return masks.bool()


class MaskHead(nn.Module):
    """The mask branch: ``(R, C, 14, 14)`` RoI features → ``(R, num_classes, 28, 28)`` logits.

    torchvision's ``MaskRCNNHeads`` (four 3×3 convolutions with ReLU) and
    ``MaskRCNNPredictor`` (a 2×2 transposed convolution with stride 2, ReLU, a 1×1
    convolution to one map per class) in one module; 256 channels there, ``width`` here.
    """

    def __init__(self, in_channels: int, num_classes: int, width: int = 32, convs: int = 4):
        super().__init__()
        if num_classes < 2:
            raise ValueError(
                f"num_classes counts the background, so it must be ≥ 2, got {num_classes}"
            )
        layers: list[nn.Module] = []
        for i in range(convs):
            layers += [nn.Conv2d(in_channels if i == 0 else width, width, 3, padding=1),
                       nn.ReLU(inplace=True)]  # fmt: skip
        self.fcn = nn.Sequential(*layers)
        self.upsample = nn.ConvTranspose2d(width, width, 2, stride=2)
        self.logits = nn.Conv2d(width, num_classes, 1)
        for m in self.modules():
            if isinstance(m, nn.Conv2d | nn.ConvTranspose2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                nn.init.zeros_(m.bias)

    def forward(self, features: Tensor) -> Tensor:
        return self.logits(F.relu(self.upsample(self.fcn(features))))


def mask_targets(gt_masks: Tensor, boxes: Tensor, size: int = MASK_SIZE) -> Tensor:
    """Each box's crop of its object's mask, resized to ``size × size`` (values in [0, 1]).

    ``gt_masks[i]`` is the ``(H, W)`` instance mask of the object matched to ``boxes[i]``
    (image pixels, xyxy). RoI Align with pixel-centre alignment: a bin's value is the mean
    of the mask at 2 × 2 points inside it, so the boundary is soft (torchvision's
    ``project_masks_on_boxes`` does the same, without the alignment).

    >>> mask = torch.zeros(1, 8, 8, dtype=torch.bool); mask[0, :, :4] = True  # left half
    >>> mask_targets(mask, torch.tensor([[0.0, 0.0, 8.0, 8.0]]), size=2)
    tensor([[[1., 0.],
             [1., 0.]]])
    """
    if len(gt_masks) != len(boxes):
        raise ValueError(f"one mask per box: {len(gt_masks)} masks, {len(boxes)} boxes")
    if not len(boxes):
        return gt_masks.new_zeros((0, size, size), dtype=torch.float32)
    rois = torch.cat([torch.arange(len(boxes), device=boxes.device, dtype=boxes.dtype)[:, None],
                      boxes], dim=1)  # fmt: skip
    crops = roi_align(gt_masks[:, None].float(), rois.float(), (size, size), spatial_scale=1.0,
                      sampling_ratio=2, aligned=True)  # fmt: skip
    return crops[:, 0]


def mask_loss(logits: Tensor, labels: Tensor, targets: Tensor, kind: str = "sigmoid") -> Tensor:
    """The mask loss over positive RoIs: mean per-pixel cross-entropy.

    ``logits`` ``(R, num_classes, M, M)``, ``labels`` ``(R,)`` their ground-truth classes
    (≥ 1), ``targets`` ``(R, M, M)`` from :func:`mask_targets`.

    - ``"sigmoid"`` (Mask R-CNN): binary cross-entropy on the logit map of the RoI's
      ground-truth class only; the other classes' maps get no gradient.
    - ``"softmax"``: each pixel is classified over all maps (map 0 = background), with
      label ``labels[r]`` where the target is ≥ 0.5 and 0 elsewhere — the classes compete.

    No positive RoI → a zero that keeps the graph (``logits.sum() * 0``).
    """
    check_choice("kind", kind, MASK_LOSSES)
    if not len(labels):
        return logits.sum() * 0
    if kind == "sigmoid":
        chosen = logits[torch.arange(len(labels), device=labels.device), labels]
        return F.binary_cross_entropy_with_logits(chosen, targets)
    labels = labels[:, None, None]
    pixel_labels = torch.where(targets >= 0.5, labels, torch.zeros_like(labels))
    return F.cross_entropy(logits, pixel_labels)


def mask_probabilities(logits: Tensor, labels: Tensor, kind: str = "sigmoid") -> Tensor:
    """``(R, M, M)`` probability of each RoI's predicted class (sigmoid, or softmax over maps)."""
    check_choice("kind", kind, MASK_LOSSES)
    index = torch.arange(len(labels), device=labels.device)
    if kind == "sigmoid":
        return logits[index, labels].sigmoid()
    return logits.softmax(dim=1)[index, labels]


def paste_masks(probs: Tensor, boxes: Tensor, image_size: tuple[int, int],
                threshold: float = 0.5) -> Tensor:  # fmt: skip
    """Resize each ``M × M`` mask into its box of an ``H × W`` image: ``(R, H, W)`` bool.

    Every image pixel inside a box samples the box's mask bilinearly at its centre (the
    inverse of :func:`mask_targets`' alignment, so a target pasted back returns the mask);
    pixels outside the box are background. ``threshold``: the paper's 0.5. One vectorised
    ``grid_sample`` for all masks (torchvision pastes them one by one, with a 1-pixel pad).
    """
    threshold = check_probability("threshold", threshold)
    height, width = image_size
    if not len(boxes):
        return torch.zeros((0, height, width), dtype=torch.bool, device=boxes.device)
    boxes = boxes.float()
    x1, y1, x2, y2 = (boxes[:, i, None] for i in range(4))
    xs = torch.arange(width, device=boxes.device, dtype=torch.float32) + 0.5
    ys = torch.arange(height, device=boxes.device, dtype=torch.float32) + 0.5
    # pixel centre → [-1, 1] across the box (grid_sample with align_corners=False)
    gx = 2 * (xs - x1) / (x2 - x1).clamp(min=1e-6) - 1  # (R, W)
    gy = 2 * (ys - y1) / (y2 - y1).clamp(min=1e-6) - 1  # (R, H)
    grid = torch.stack(torch.broadcast_tensors(gx[:, None, :], gy[:, :, None]), dim=-1)
    sampled = F.grid_sample(probs[:, None].float(), grid, mode="bilinear",
                            padding_mode="border", align_corners=False)[:, 0]  # fmt: skip
    inside = (gx.abs() <= 1)[:, None, :] & (gy.abs() <= 1)[:, :, None]
    return (sampled >= threshold) & inside


def mask_iou(masks1: Tensor, masks2: Tensor) -> Tensor:
    """``(N, M)`` IoU of two sets of binary masks ``(N, H, W)``, ``(M, H, W)`` (float64).

    One matrix product counts the overlaps. Two empty masks have IoU 0 (nothing to match).

    >>> a = torch.zeros(1, 4, 4, dtype=torch.bool); a[0, :2] = True   # top half
    >>> b = torch.zeros(1, 4, 4, dtype=torch.bool); b[0, :, :2] = True  # left half
    >>> mask_iou(a, b)  # 4 shared pixels of 12
    tensor([[0.3333]], dtype=torch.float64)
    """
    masks1 = check_masks("masks1", masks1)
    masks2 = check_masks("masks2", masks2)
    if masks1.shape[-2:] != masks2.shape[-2:]:
        raise ValueError(
            f"masks1 and masks2 must be of one image size, got {tuple(masks1.shape[-2:])} and "
            f"{tuple(masks2.shape[-2:])}"
        )
    return _mask_iou(masks1, masks2)


def _mask_iou(masks1: Tensor, masks2: Tensor) -> Tensor:
    a = masks1.flatten(1).double()
    b = masks2.flatten(1).double()
    inter = a @ b.T
    union = a.sum(1)[:, None] + b.sum(1)[None, :] - inter
    return torch.where(union > 0, inter / union.clamp(min=1), torch.zeros_like(inter))
