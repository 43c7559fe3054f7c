"""Shared test set-up."""

import pytest
import torch


@pytest.fixture(autouse=True, scope="session")
def one_torch_thread():
    """Unit tests run tiny tensors, where threads only add overhead; under `pytest -n 2` on a
    2-core machine two busy OpenMP teams also stall each other (tens of ms per small op)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
