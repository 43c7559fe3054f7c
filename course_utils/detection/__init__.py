"""Region-based object detection, stage by stage (after torchvision's ``models/detection``).

- ``boxes``     formats, area, IoU, R-CNN box coding, clipping, input checks
- ``nms``       greedy non-maximum suppression (plain, per class, step by step)
- ``anchors``   anchor grids, anchor-to-object matching, balanced sampling (RPN)
- ``roi``       RoI max pooling from scratch (Fast R-CNN), RoI Align
- ``proposals`` selective-search proposals, proposal recall
- ``metrics``   detection matching, precision/recall, AP, mAP
- ``draw``      boxes, masks and proposals on images (matplotlib)

Boxes are ``(K, 4)`` float tensors in ``(x1, y1, x2, y2)`` pixels throughout.

Bad input (one policy for every public function here, checked once at its boundary by
``course_utils._checks``): a wrong type raises ``TypeError`` and a wrong shape or value
``ValueError``, naming the argument, what was given and what is expected.

- **NaN and inf are refused.** Boxes, RoIs and regression deltas must be finite, scores
  must not be NaN: a ``ValueError`` quotes the first bad row. torchvision has no NaN policy
  for its box ops (``nms`` silently keeps a NaN box and ranks a NaN score above 0.9,
  ``box_iou`` returns NaN or 0), so we refuse rather than guess. ``-inf`` scores are
  allowed (they rank last). The one exception follows torchvision's kernel: a NaN *feature*
  in ``roi_pool`` is skipped by the max (an all-NaN bin gives −FLT_MAX).
- **Boxes are ordered**: ``x2 < x1`` or ``y2 < y1`` is refused (an xywh box read as xyxy);
  zero width is fine (IoU 0), except in ``encode_boxes``, which divides by it.
  ``roi_pool``/``roi_align`` keep torchvision's rule for a reversed RoI (it becomes 1×1).
- **Thresholds** are numbers in [0, 1] (an IoU), sizes and counts ints ≥ 1; ``"0.5"`` is
  a ``TypeError``.
- **Precision**: float16/bfloat16 boxes are measured in float32 (``box_area``/``box_iou``
  return float32, so ``nms`` keeps the float32 set); small integer boxes in int32
  (torchvision's ``_upcast``). ``roi_pool`` pools float16/bfloat16 features in float32 and
  returns their dtype (torchvision's autocast does the same).
- **Empty inputs** give empty outputs, as torchvision: ``nms``/``batched_nms`` on no boxes
  return an empty int64 tensor, ``box_iou`` a ``(0, M)`` matrix.
- **Containers** as torchvision/torchmetrics: ``mean_average_precision`` takes lists of
  dicts of tensors; a tensor for the list, or a list inside a dict, is a ``TypeError``.
"""

from course_utils.detection.anchors import (
    IGNORE,
    NEGATIVE,
    anchor_labels,
    base_anchors,
    generate_anchors,
    match_anchors,
    sample_labels,
)
from course_utils.detection.boxes import (
    BBOX_XFORM_CLIP,
    box_area,
    box_iou,
    box_iou_loops,
    clip_boxes,
    convert_boxes,
    cxcywh_to_xyxy,
    decode_boxes,
    encode_boxes,
    remove_small_boxes,
    validate_boxes,
    validate_target,
    xywh_to_xyxy,
    xyxy_to_cxcywh,
    xyxy_to_xywh,
)
from course_utils.detection.draw import class_color, draw_boxes, draw_masks, draw_proposals
from course_utils.detection.metrics import (
    average_precision,
    match_detections,
    mean_average_precision,
    precision_recall,
)
from course_utils.detection.nms import NMSStep, batched_nms, nms, nms_steps
from course_utils.detection.proposals import proposal_recall, selective_search_boxes
from course_utils.detection.roi import boxes_to_rois, roi_align, roi_pool, roi_pool_loops

__all__ = [
    # boxes
    "BBOX_XFORM_CLIP",
    "xyxy_to_xywh",
    "xywh_to_xyxy",
    "xyxy_to_cxcywh",
    "cxcywh_to_xyxy",
    "convert_boxes",
    "box_area",
    "box_iou",
    "box_iou_loops",
    "encode_boxes",
    "decode_boxes",
    "clip_boxes",
    "remove_small_boxes",
    "validate_boxes",
    "validate_target",
    # nms
    "NMSStep",
    "nms",
    "nms_steps",
    "batched_nms",
    # anchors
    "NEGATIVE",
    "IGNORE",
    "base_anchors",
    "generate_anchors",
    "match_anchors",
    "anchor_labels",
    "sample_labels",
    # roi
    "boxes_to_rois",
    "roi_pool",
    "roi_pool_loops",
    "roi_align",
    # proposals
    "selective_search_boxes",
    "proposal_recall",
    # metrics
    "match_detections",
    "precision_recall",
    "average_precision",
    "mean_average_precision",
    # draw
    "class_color",
    "draw_boxes",
    "draw_masks",
    "draw_proposals",
]
