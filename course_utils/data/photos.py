"""Sample photographs as tensors, from the images bundled with scikit-image (no download).

>>> img = photo("camera", grey=True, size=128)
>>> tuple(img.shape), img.dtype
((1, 128, 128), torch.float32)
>>> "astronaut" in available_photos()
True
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import numpy as np
import torch
import torch.nn.functional as F
from skimage import data as skdata
from skimage.color import rgb2gray

__all__ = ["available_photos", "photo"]

# Only images whose files ship inside the scikit-image wheel (skimage/data/*.png|jpg):
# the others in ``skimage.data`` need the optional ``pooch`` download and are left out.
_LOADERS: dict[str, Callable[[], np.ndarray]] = {
    "astronaut": skdata.astronaut,  # colour portrait, 512×512
    "brick": skdata.brick,  # grey texture, 512×512
    "camera": skdata.camera,  # grey, the classic cameraman, 512×512
    "chelsea": skdata.chelsea,  # colour cat, 300×451
    "checkerboard": skdata.checkerboard,  # grey, synthetic edges, 200×200
    "coffee": skdata.coffee,  # colour, 400×600
    "coins": skdata.coins,  # grey, 303×384
    "grass": skdata.grass,  # grey texture, 512×512
    "gravel": skdata.gravel,  # grey texture, 512×512
    "hubble_deep_field": skdata.hubble_deep_field,  # colour, 872×1000
    "immunohistochemistry": skdata.immunohistochemistry,  # colour microscopy, 512×512
    "moon": skdata.moon,  # grey, 512×512
    "page": skdata.page,  # grey scanned text, 191×384
    "retina": skdata.retina,  # colour fundus photograph, 1411×1411
    "rocket": skdata.rocket,  # colour, 427×640
    "text": skdata.text,  # grey, 172×448
}


def available_photos() -> list[str]:
    """Names accepted by :func:`photo`, sorted.

    >>> available_photos()[:3]
    ['astronaut', 'brick', 'camera']
    """
    return sorted(_LOADERS)


@cache
def _load_uint8(name: str) -> np.ndarray:
    """The raw image as H×W or H×W×3 uint8 (cached; callers must not modify it)."""
    img = np.asarray(_LOADERS[name]())
    if img.dtype == bool:
        img = img.astype(np.uint8) * 255
    if img.ndim == 3 and img.shape[2] == 4:  # RGBA: drop alpha
        img = img[:, :, :3]
    img = np.ascontiguousarray(img)
    img.setflags(write=False)
    return img


def _resolve_size(size: int | tuple[int, int], height: int, width: int) -> tuple[int, int]:
    if isinstance(size, bool):
        raise ValueError(f"size must be an int or a (height, width) pair, got {size!r}")
    if isinstance(size, int):
        if size < 1:
            raise ValueError(f"size must be a positive number of pixels, got {size}")
        scale = size / min(height, width)  # shorter side becomes `size`, aspect ratio kept
        return max(1, round(height * scale)), max(1, round(width * scale))
    try:
        out_h, out_w = (int(s) for s in size)
    except (TypeError, ValueError):
        raise ValueError(
            f"size must be an int (length of the shorter side) or a (height, width) pair, "
            f"got {size!r}"
        ) from None
    if out_h < 1 or out_w < 1:
        raise ValueError(f"size must be positive, got {size!r}")
    return out_h, out_w


def photo(name: str, grey: bool = False, size: int | tuple[int, int] | None = None) -> torch.Tensor:
    """A bundled scikit-image photograph as a float32 C×H×W tensor with values in [0, 1].

    ``grey=False`` always gives 3 channels (grey photographs are repeated into R, G, B);
    ``grey=True`` gives 1 channel (colour photographs are converted with the ITU-R 709 luma
    weights). ``size`` resizes with antialiasing: an int sets the shorter side and keeps the
    aspect ratio, a ``(height, width)`` pair sets both.

    >>> photo("chelsea", size=150).shape
    torch.Size([3, 150, 226])
    >>> photo("coins", grey=True, size=(64, 64)).shape
    torch.Size([1, 64, 64])
    """
    if name not in _LOADERS:
        raise ValueError(
            f"unknown photo {name!r}; choose one of {available_photos()} "
            f"(all ship with scikit-image, no download needed)"
        )
    raw = _load_uint8(name)
    if grey:
        arr = rgb2gray(raw) if raw.ndim == 3 else raw / 255.0
        arr = arr[None]
    else:
        arr = raw / 255.0
        arr = np.repeat(arr[None], 3, axis=0) if arr.ndim == 2 else arr.transpose(2, 0, 1)
    img = torch.from_numpy(np.ascontiguousarray(arr, dtype=np.float32))
    if size is not None:
        out_h, out_w = _resolve_size(size, img.shape[1], img.shape[2])
        if (out_h, out_w) != tuple(img.shape[1:]):
            img = F.interpolate(
                img[None], size=(out_h, out_w), mode="bilinear", antialias=True, align_corners=False
            )[0].clamp_(0.0, 1.0)
    return img
