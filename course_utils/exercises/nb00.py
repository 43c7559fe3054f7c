"""Checkers for notebook 00 (deep-learning programming)."""

from __future__ import annotations

import random
from collections.abc import Callable

import torch

from course_utils.exercises import M, Verdict, call_answer, check_seed, report
from course_utils.i18n import define

__all__ = ["check_mse_gradient", "check_conv_flops", "check_training_step", "TYPICAL_MISTAKES"]

# One usual wrong answer per exercise, as a student would type it (the tests check that each
# checker rejects it, on the notebook's cases and on hidden seeded ones).
TYPICAL_MISTAKES: dict[str, str] = {
    # the 1/N of the mean forgotten
    "00.1": """
def mse_gradient(w, X, y):
    return 2 * X.T @ (X @ w - y)
""",
    # MACs, not FLOPs: the factor 2 forgotten (the notebook's starter code)
    "00.2": """
def conv_flops(batch, c_in, c_out, h_out, w_out, kernel):
    return batch * c_in * c_out * h_out * w_out * kernel * kernel
""",
    # no optimizer.zero_grad(): the gradients of earlier steps add up
    "00.3": """
import torch.nn.functional as F


def training_step(model, optimizer, x, y):
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    optimizer.step()
    return loss.item()
""",
}


define(
    {
        # exercise 1
        "00.grad_shape": (
            "the gradient must have w's shape {shape}; got {got}",
            "기울기는 w와 모양이 같아야 한다: {shape} (지금은 {got})",
        ),
        "00.grad_differs": (
            "differs from autograd for {where}",
            "{where}에서 자동 미분의 결과와 다르다",
        ),
        "00.grad_factor": (
            "differs from autograd for {where} (off by a constant factor: check the 2 and the 1/N)",
            "{where}에서 자동 미분의 결과와 다르다 (상수배만큼 어긋난다: 2와 1/N을 확인하라)",
        ),
        "00.grad_ok": (
            "your hand derivative equals autograd's on three random problems",
            "손으로 구한 도함수가 무작위 문제 세 개에서 자동 미분의 결과와 같다",
        ),
        # exercise 2
        "00.flops_where": (
            "batch={batch}, {c_in}→{c_out} channels, {output} output, {kernel} kernel",
            "batch={batch}, 채널 {c_in}→{c_out}, 출력 {output}, 커널 {kernel}",
        ),
        "00.flops_mac": ("count a multiply-add as 2 FLOPs", "곱셈-덧셈 하나를 2 FLOP으로 세어라"),
        "00.flops_other": ("check each factor", "곱하는 인수를 하나씩 확인하라"),
        "00.flops_ok": (
            "matches torch's FLOP counter on three layers",
            "층 세 개에서 torch의 FLOP 카운터와 일치한다",
        ),
        # exercise 3
        "00.step_not_float": (
            "return the loss as a Python float (loss.item()), not {type}",
            "손실을 파이썬 float로 반환하라 (loss.item()), 지금은 {type}",
        ),
        "00.step_loss": (
            "the returned loss is not the cross-entropy before the step",
            "반환한 손실이 이번 단계 전의 교차 엔트로피가 아니다",
        ),
        "00.step_no_change": (
            "the weights did not change: call optimizer.step()",
            "가중치가 바뀌지 않았다: optimizer.step()을 호출하라",
        ),
        "00.step_not_cleared": (
            "the weights after step {step} differ from plain SGD: did you clear old gradients "
            "(optimizer.zero_grad()) before backward?",
            "{step}번째 단계 뒤의 가중치가 일반 SGD와 다르다: backward 전에 이전 기울기를 "
            "지웠는가 (optimizer.zero_grad())?",
        ),
        "00.step_ok": (
            "three steps, loss {first:.3f} → {last:.3f}",
            "세 단계, 손실 {first:.3f} → {last:.3f}",
        ),
    }
)


def check_mse_gradient(
    grad_fn: Callable[[torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor],
    *,
    seed: int | None = None,
) -> Verdict:
    """Exercise 1: ``grad_fn(w, X, y)`` returns ∂/∂w of mean((X @ w − y)²), derived by hand.

    ``seed``: None for the notebook's problems, an int ≥ 0 for other sizes and values (hidden tests).
    """
    if check_seed(seed) is None:
        g = torch.Generator().manual_seed(123)
        sizes: tuple[tuple[int, int], ...] = ((5, 3), (17, 4), (1, 2))
    else:
        g = torch.Generator().manual_seed(seed)
        draw = random.Random(seed)
        # N ≥ 2 so that a forgotten 1/N shows
        sizes = tuple((draw.randint(2, 32), draw.randint(1, 8)) for _ in range(3))
    for n, d in sizes:
        X = torch.randn(n, d, generator=g, dtype=torch.float64)
        y = torch.randn(n, generator=g, dtype=torch.float64)
        w = torch.randn(d, generator=g, dtype=torch.float64, requires_grad=True)
        ((X @ w - y) ** 2).mean().backward()
        ok, got = call_answer(grad_fn, w.detach().clone(), X, y)
        if not ok:
            return report(False, got)
        if not isinstance(got, torch.Tensor) or got.shape != w.shape:
            shape = tuple(got.shape) if isinstance(got, torch.Tensor) else type(got).__name__
            return report(False, M("00.grad_shape", shape=str(tuple(w.shape)), got=str(shape)))
        if not torch.allclose(got.to(torch.float64), w.grad, rtol=1e-6, atol=1e-9):
            ratio = (got.to(torch.float64) / w.grad).mean().item()
            key = "00.grad_factor" if abs(ratio) > 0 else "00.grad_differs"
            return report(False, M(key, where=f"N={n}, d={d}"))
    return report(True, M("00.grad_ok"))


def _flops_cases(seed: int) -> tuple[tuple[int, int, int, int, int, int], ...]:
    """Three random layers (batch, c_in, c_out, h_out, w_out, kernel); in the first every
    factor is ≥ 2 (so that each forgotten factor shows) and h_out ≠ w_out."""
    draw = random.Random(seed)
    h, w = draw.sample(range(2, 21), 2)
    cases = [
        (draw.randint(2, 4), draw.randint(2, 16), draw.randint(2, 16), h, w, draw.randint(2, 5))
    ]
    for _ in range(2):
        cases.append(
            (
                draw.randint(1, 4),
                draw.randint(1, 16),
                draw.randint(1, 16),
                draw.randint(1, 20),
                draw.randint(1, 20),
                draw.randint(1, 5),
            )
        )
    return tuple(cases)


def check_conv_flops(flops_fn: Callable[..., int], *, seed: int | None = None) -> Verdict:
    """Exercise 2: ``flops_fn(batch, c_in, c_out, h_out, w_out, kernel)`` counts a conv's FLOPs.

    Convention: one multiply and one add are two FLOPs; no bias.
    ``seed``: None for the notebook's three layers, an int ≥ 0 for three random ones (hidden tests).
    """
    from torch.utils.flop_counter import FlopCounterMode

    if check_seed(seed) is None:
        cases = ((1, 3, 8, 16, 16, 3), (2, 16, 4, 7, 5, 5), (4, 1, 1, 10, 10, 1))
    else:
        cases = _flops_cases(seed)
    wrong = []  # (case, answer, expected) of every layer it gets wrong
    for batch, c_in, c_out, h, w, k in cases:
        conv = torch.nn.Conv2d(c_in, c_out, k, bias=False, device="meta")
        x = torch.empty(batch, c_in, h + k - 1, w + k - 1, device="meta")
        with FlopCounterMode(display=False) as counter:
            conv(x)
        ok, got = call_answer(flops_fn, batch, c_in, c_out, h, w, k)
        if not ok:
            return report(False, got)
        expected = counter.get_total_flops()
        if got != expected:
            wrong.append(((batch, c_in, c_out, h, w, k), got, expected))
    if wrong:
        (batch, c_in, c_out, h, w, k), _, _ = wrong[0]
        # half of every count is the MAC count; a missing factor that happens to be 2 on one
        # layer (batch=2) is not
        try:
            halves = len(wrong) == len(cases) and all(got * 2 == exp for _, got, exp in wrong)
        except TypeError:  # not a number (None, …): no factor to hint at
            halves = False
        hint = M("00.flops_mac") if halves else M("00.flops_other")
        where = M(
            "00.flops_where",
            batch=batch,
            c_in=c_in,
            c_out=c_out,
            output=f"{h}×{w}",
            kernel=f"{k}×{k}",
        )
        return report(False, M("wrong_for", where=where, hint=hint))
    return report(True, M("00.flops_ok"))


def check_training_step(
    step_fn: Callable[[torch.nn.Module, torch.optim.Optimizer, torch.Tensor, torch.Tensor], float],
    *,
    seed: int | None = None,
) -> Verdict:
    """Exercise 3: ``step_fn(model, optimizer, x, y)`` does one SGD step and returns the loss.

    It must clear old gradients, compute cross-entropy, backpropagate, step, and
    return the loss as a Python float.
    ``seed``: None for the notebook's problem, an int ≥ 0 for another batch, model and learning rate.
    """
    if check_seed(seed) is None:
        g = torch.Generator().manual_seed(7)
        x = torch.randn(32, 4, generator=g)
        y = torch.randint(0, 3, (32,), generator=g)
        torch.manual_seed(0)
        model = torch.nn.Linear(4, 3)
        lr = 0.1
    else:  # drawn from the seed (the global generator is not reseeded)
        draw = random.Random(seed)
        n, features, classes = draw.randint(8, 64), draw.randint(2, 8), draw.randint(2, 6)
        lr = draw.choice((0.05, 0.1, 0.2, 0.5))
        g = torch.Generator().manual_seed(seed)
        x = torch.randn(n, features, generator=g)
        y = torch.randint(0, classes, (n,), generator=g)
        model = torch.nn.Linear(features, classes)
        with torch.no_grad():
            for p in model.parameters():
                p.copy_(torch.rand(p.shape, generator=g) - 0.5)
    reference = torch.nn.Linear(model.in_features, model.out_features)
    reference.load_state_dict(model.state_dict())
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    ref_opt = torch.optim.SGD(reference.parameters(), lr=lr)
    for p in model.parameters():  # stale gradients that a correct step clears
        p.grad = torch.ones_like(p)
    losses = []
    for step in range(1, 4):
        ref_opt.zero_grad()
        ref_loss = torch.nn.functional.cross_entropy(reference(x), y)
        ref_loss.backward()
        ref_opt.step()
        before = model.weight.detach().clone()
        ok, got = call_answer(step_fn, model, opt, x, y)
        if not ok:
            return report(False, got)
        if not isinstance(got, float):
            return report(False, M("00.step_not_float", type=type(got).__name__))
        losses.append(got)
        if abs(got - ref_loss.item()) > 1e-5:
            return report(False, M("00.step_loss"))
        if torch.equal(model.weight, before):
            return report(False, M("00.step_no_change"))
        if not torch.allclose(model.weight, reference.weight, atol=1e-6):
            # the loss was right, the update was not: the gradient had something added to it
            return report(False, M("00.step_not_cleared", step=step))
    return report(True, M("00.step_ok", first=losses[0], last=losses[-1]))
