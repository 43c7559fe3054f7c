"""Notebook 00's exercise checkers: right answers pass, usual mistakes get their hint."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from exercise_asserts import SEEDS, assert_correct, assert_hint, placeholder

from course_utils.exercises.nb00 import check_conv_flops, check_mse_gradient, check_training_step
from course_utils.exercises.solutions import reference

# ----------------------------------------------------------------------------- exercise 1

mse_gradient = reference("00.1")


def test_mse_gradient_right_answers_pass():
    assert_correct(check_mse_gradient(mse_gradient))
    # another honest derivation: the mean of per-sample gradients 2·(x·w − y)·x
    assert_correct(check_mse_gradient(lambda w, X, y: (2 * (X @ w - y)[:, None] * X).mean(dim=0)))
    assert_correct(check_mse_gradient(lambda w, X, y: mse_gradient(w, X, y).float()))


@pytest.mark.parametrize(
    "wrong",
    [
        lambda w, X, y: X.T @ (X @ w - y) / len(y),  # the 2 forgotten
        lambda w, X, y: 2 * X.T @ (X @ w - y),  # the 1/N forgotten
        lambda w, X, y: 2 * X.T @ (y - X @ w) / len(y),  # the sign
    ],
    ids=["no 2", "no 1/N", "sign"],
)
def test_mse_gradient_constant_factor_hint(wrong):
    assert_hint(check_mse_gradient(wrong), "differs from autograd", "constant factor")


def test_mse_gradient_other_mistakes():
    verdict = check_mse_gradient(lambda w, X, y: torch.zeros_like(w))
    assert_hint(verdict, "differs from autograd for N=5, d=3")
    assert "constant factor" not in repr(verdict)  # zero is no multiple worth hinting at
    assert_hint(check_mse_gradient(lambda w, X, y: X.T @ X), "w's shape (3,)")
    assert_hint(check_mse_gradient(lambda w, X, y: [0.0] * len(w)), "w's shape", "list")
    assert_hint(check_mse_gradient(placeholder), "NotImplementedError")
    assert_hint(check_mse_gradient(lambda w, X, y: 1 / 0), "ZeroDivisionError")
    with pytest.raises(TypeError, match="pass your function itself"):
        check_mse_gradient(torch.zeros(3))


def test_mse_gradient_message_does_not_leak_the_gradient():
    text = repr(check_mse_gradient(lambda w, X, y: X.T @ (X @ w - y) / len(y)))
    assert "X.T" not in text and "Xᵀ" not in text and "tensor(" not in text


# ----------------------------------------------------------------------------- exercise 2

conv_flops = reference("00.2")


def test_conv_flops_right_answers_pass():
    assert_correct(check_conv_flops(conv_flops))
    assert_correct(check_conv_flops(lambda n, ci, co, h, w, k: 2 * n * ci * co * h * w * k**2))


def test_conv_flops_counts_macs_hint():
    # the notebook's template: MACs, not FLOPs
    verdict = check_conv_flops(lambda n, ci, co, h, w, k: n * ci * co * h * w * k * k)
    assert_hint(verdict, "count a multiply-add as 2 FLOPs")


@pytest.mark.parametrize(
    "wrong",
    [
        lambda n, ci, co, h, w, k: 2 * n * co * h * w * k * k,  # input channels forgotten
        lambda n, ci, co, h, w, k: 2 * ci * co * h * w * k * k,  # the batch forgotten
        lambda n, ci, co, h, w, k: 2 * n * ci * co * h * w * k,  # one kernel side only
    ],
    ids=["no c_in", "no batch", "kernel once"],
)
def test_conv_flops_missing_factor_hint(wrong):
    verdict = check_conv_flops(wrong)
    assert_hint(verdict, "wrong for batch=", "check each factor")
    expected = 2 * 1 * 3 * 8 * 16 * 16 * 9  # the first layer's count must not be shown
    assert str(expected) not in repr(verdict) and f"{expected:,}" not in repr(verdict)


def test_conv_flops_misuse():
    assert_hint(check_conv_flops(placeholder), "NotImplementedError")
    with pytest.raises(TypeError, match="pass your function itself"):
        check_conv_flops(110592)


# ----------------------------------------------------------------------------- exercise 3

training_step = reference("00.3")


def test_training_step_right_answers_pass():
    assert_correct(check_training_step(training_step))

    def set_to_none(model, optimizer, x, y):  # zeroing by hand is as good
        for p in model.parameters():
            p.grad = None
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        return loss.item()

    assert_correct(check_training_step(set_to_none))


def test_training_step_without_zero_grad_hint():
    def no_zero_grad(model, optimizer, x, y):
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        return loss.item()

    assert_hint(check_training_step(no_zero_grad), "after step 1", "zero_grad")


def test_nb00_messages_read_in_korean(monkeypatch):
    monkeypatch.setenv("COURSE_LANG", "ko")

    def no_zero_grad(model, optimizer, x, y):
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        return loss.item()

    assert "zero_grad" in repr(check_training_step(no_zero_grad))
    assert "가중치" in repr(check_training_step(no_zero_grad))
    assert "2 FLOP으로" in repr(
        check_conv_flops(lambda n, ci, co, h, w, k: n * ci * co * h * w * k * k)
    )
    assert "인수를" in repr(check_conv_flops(lambda n, ci, co, h, w, k: 0))


def test_training_step_other_mistakes():
    def returns_tensor(model, optimizer, x, y):
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        return loss

    assert_hint(check_training_step(returns_tensor), "Python float", "Tensor")

    def loss_after_step(model, optimizer, x, y):
        training_step(model, optimizer, x, y)
        return F.cross_entropy(model(x), y).item()

    assert_hint(check_training_step(loss_after_step), "before the step")

    def wrong_loss(model, optimizer, x, y):
        optimizer.zero_grad()
        loss = F.mse_loss(model(x), F.one_hot(y, 3).float())
        loss.backward()
        optimizer.step()
        return loss.item()

    assert_hint(check_training_step(wrong_loss), "not the cross-entropy")

    def no_step(model, optimizer, x, y):
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        return loss.item()

    assert_hint(check_training_step(no_step), "did not change", "optimizer.step()")
    assert_hint(check_training_step(placeholder), "NotImplementedError")


def test_training_step_message_does_not_leak_the_loss():
    verdict = check_training_step(lambda model, opt, x, y: 0.0)
    assert_hint(verdict, "not the cross-entropy")
    assert "1.1" not in repr(verdict)  # the reference loss (about 1.15) is not shown


# ----------------------------------------------------------------------------- hidden seeds
# What every seeded checker does is tested once, in tests/test_exercise_seeds.py; here only
# what is specific to this one.


def test_conv_flops_answer_that_is_not_a_number_gets_a_verdict():
    for seed in SEEDS:
        assert_hint(check_conv_flops(lambda *a: None, seed=seed), "wrong for batch=")
