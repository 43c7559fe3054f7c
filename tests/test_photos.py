"""Tests of course_utils.data.photos: bundled scikit-image photographs as tensors."""

from __future__ import annotations

import doctest
import socket

import pytest
import torch

from course_utils.data import photos
from course_utils.data.photos import available_photos, photo


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to open a connection fails: the photographs must ship with scikit-image."""

    def refuse(*args, **kwargs):
        raise AssertionError("photo() tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def test_available_photos_lists_the_classics() -> None:
    names = available_photos()
    assert names == sorted(names)
    assert {"camera", "astronaut", "coffee", "chelsea", "rocket", "coins"} <= set(names)


@pytest.mark.parametrize("name", available_photos())
def test_every_photo_loads_offline_as_float_chw(name: str, no_network) -> None:
    colour = photo(name)
    grey = photo(name, grey=True)
    assert colour.dtype == grey.dtype == torch.float32
    assert colour.ndim == 3 and colour.shape[0] == 3 and grey.shape[0] == 1
    assert colour.shape[1:] == grey.shape[1:] and min(colour.shape[1:]) >= 100
    for img in (colour, grey):
        assert 0.0 <= img.min() and img.max() <= 1.0 and img.std() > 0.02


def test_grey_photo_repeats_into_three_channels_and_colour_converts_to_luma() -> None:
    camera = photo("camera")
    assert torch.equal(camera[0], camera[1]) and torch.equal(camera[1], camera[2])
    assert torch.allclose(photo("camera", grey=True)[0], camera[0])
    rgb = photo("astronaut")
    luma = 0.2125 * rgb[0] + 0.7154 * rgb[1] + 0.0721 * rgb[2]  # ITU-R 709, as skimage
    assert torch.allclose(photo("astronaut", grey=True)[0], luma, atol=1e-5)


def test_resize_int_keeps_aspect_and_pair_sets_both() -> None:
    full = photo("chelsea")  # 300 × 451
    assert full.shape == (3, 300, 451)
    small = photo("chelsea", size=150)
    assert small.shape == (3, 150, 226)
    assert photo("coins", grey=True, size=(64, 80)).shape == (1, 64, 80)
    assert 0.0 <= small.min() and small.max() <= 1.0
    # antialiased downsampling keeps the mean brightness
    assert abs(small.mean().item() - full.mean().item()) < 0.01


def test_results_are_independent_copies() -> None:
    img = photo("camera")
    img.zero_()
    assert photo("camera").max() > 0.5


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": "lena"}, r"unknown photo 'lena'; choose one of \['astronaut'"),
        ({"name": "camera", "size": 0}, "positive"),
        ({"name": "camera", "size": (10, -1)}, "positive"),
        ({"name": "camera", "size": "big"}, "shorter side"),
    ],
)
def test_errors_teach(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        photo(**kwargs)


def test_docstring_examples_run() -> None:
    result = doctest.testmod(photos)
    assert result.failed == 0 and result.attempted >= 4
