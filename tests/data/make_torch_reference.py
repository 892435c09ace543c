"""Record torch.optim trajectories and lr_scheduler values for mlopt's parity tests.

Writes ``tests/data/torch_reference.json``, which ``tests/test_optimizers.py`` and
``tests/test_schedules.py`` compare mlopt against, so the test suite checks torch parity
without torch being installed. Re-run after changing a case below; mlopt is not imported here
(the cases name mlopt's factories and keyword arguments, the tests build them).

torch is not a dependency of the course. In a throw-away environment::

    python3 -m venv /tmp/torchenv
    /tmp/torchenv/bin/pip install torch numpy
    /tmp/torchenv/bin/python tests/data/make_torch_reference.py

The problem: least squares :math:`f(\\theta) = \\frac1n\\lVert A\\theta - b\\rVert^2` with
``A`` of shape (20, 5), float64, the gradient :math:`\\frac2n A^\\top(A\\theta - b)` computed
explicitly (no autograd). Each trajectory holds the 21 iterates of 20 steps from ``x0``. For
runs with a schedule, torch's scheduler is stepped once after each ``optimizer.step()``, so
update ``t`` (0-based) uses the schedule's value at ``t``. Each schedule record holds
``param_groups[0]["lr"]`` before each of its steps.
"""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path

import numpy as np

OUT = Path(__file__).with_name("torch_reference.json")
N_STEPS = 20
# mlopt's factory -> torch.optim's class
TORCH_NAMES = {"sgd": "SGD", "adagrad": "Adagrad", "rmsprop": "RMSprop",
               "adadelta": "Adadelta", "adam": "Adam", "adamw": "AdamW"}

# (case name, mlopt factory, mlopt keyword arguments, optional (schedule, schedule kwargs)).
# An empty kwargs dict compares the defaults of both libraries.
OPTIMIZER_CASES = [
    ("sgd_defaults", "sgd", {}, None),
    ("sgd_plain", "sgd", {"lr": 0.05}, None),
    ("sgd_momentum", "sgd", {"lr": 0.05, "momentum": 0.9}, None),
    ("sgd_dampening", "sgd", {"lr": 0.05, "momentum": 0.9, "dampening": 0.5}, None),
    ("sgd_nesterov", "sgd", {"lr": 0.05, "momentum": 0.9, "nesterov": True}, None),
    ("sgd_weight_decay", "sgd", {"lr": 0.05, "momentum": 0.5, "weight_decay": 0.1}, None),
    ("sgd_nesterov_weight_decay", "sgd",
     {"lr": 0.05, "momentum": 0.8, "nesterov": True, "weight_decay": 0.2}, None),
    ("sgd_nesterov_step_schedule", "sgd", {"lr": 0.05, "momentum": 0.9, "nesterov": True},
     ("step", {"lr": 0.05, "step_size": 5, "gamma": 0.5})),
    ("adagrad_defaults", "adagrad", {}, None),
    ("adagrad_lr", "adagrad", {"lr": 0.5}, None),
    ("adagrad_lr_decay", "adagrad", {"lr": 0.5, "lr_decay": 0.1}, None),
    ("adagrad_all", "adagrad",
     {"lr": 0.5, "weight_decay": 0.1, "initial_accumulator_value": 0.5, "eps": 1e-3}, None),
    ("adagrad_lr_decay_exponential_schedule", "adagrad", {"lr": 0.5, "lr_decay": 0.1},
     ("exponential", {"lr": 0.5, "gamma": 0.9})),
    ("rmsprop_defaults", "rmsprop", {}, None),
    ("rmsprop_alpha", "rmsprop", {"lr": 0.01, "alpha": 0.9}, None),
    ("rmsprop_centered", "rmsprop", {"lr": 0.01, "centered": True}, None),
    ("rmsprop_momentum", "rmsprop", {"lr": 0.01, "momentum": 0.9}, None),
    ("rmsprop_all", "rmsprop",
     {"lr": 0.01, "alpha": 0.95, "eps": 1e-4, "weight_decay": 0.1, "momentum": 0.5,
      "centered": True}, None),
    ("adadelta_defaults", "adadelta", {}, None),
    ("adadelta_all", "adadelta", {"lr": 0.5, "rho": 0.5, "eps": 1e-3, "weight_decay": 0.1},
     None),
    ("adam_defaults", "adam", {}, None),
    ("adam_lr", "adam", {"lr": 0.1}, None),
    ("adam_betas_weight_decay", "adam",
     {"lr": 0.1, "beta1": 0.8, "beta2": 0.9, "eps": 1e-6, "weight_decay": 0.1}, None),
    ("adam_amsgrad", "adam", {"lr": 0.1, "beta2": 0.5, "amsgrad": True}, None),
    ("adam_one_cycle_schedule", "adam", {"lr": 0.1},
     ("one_cycle", {"max_lr": 0.1, "total_steps": N_STEPS})),
    ("adamw_defaults", "adamw", {}, None),
    ("adamw_weight_decay", "adamw", {"lr": 0.1, "weight_decay": 0.5}, None),
    ("adamw_amsgrad", "adamw",
     {"lr": 0.1, "beta2": 0.5, "weight_decay": 0.5, "amsgrad": True}, None),
    ("adamw_cosine_warmup_schedule", "adamw", {"lr": 0.1, "weight_decay": 0.5},
     ("cosine", {"lr": 0.1, "total_steps": N_STEPS, "warmup_steps": 4, "min_lr": 0.001})),
]

# (case name, mlopt schedule, mlopt keyword arguments, number of steps recorded)
SCHEDULE_CASES = [
    ("step", "step", {"lr": 0.1, "step_size": 3, "gamma": 0.5}, 12),
    ("step_default_gamma", "step", {"lr": 1.0, "step_size": 4}, 12),
    ("exponential_decay", "exponential", {"lr": 0.1, "gamma": 0.9}, 10),
    ("exponential_growth", "exponential", {"lr": 1e-4, "gamma": 1.5}, 10),
    ("cosine", "cosine", {"lr": 0.1, "total_steps": 10, "min_lr": 0.01}, 11),
    ("cosine_warmup", "cosine", {"lr": 0.1, "total_steps": 12, "warmup_steps": 3,
                                 "min_lr": 0.001}, 13),
    ("warmup_constant", "warmup", {"schedule": 0.1, "warmup_steps": 4}, 10),
    ("one_cycle_defaults", "one_cycle", {"max_lr": 0.1, "total_steps": 20}, 20),
    ("one_cycle_options", "one_cycle",
     {"max_lr": 1.0, "total_steps": 100, "pct_start": 0.25, "div_factor": 10.0,
      "final_div_factor": 100.0}, 100),
]


def torch_kwargs(kwargs):
    """mlopt's keyword arguments in torch's spelling: beta1, beta2 become betas."""
    out = {k: v for k, v in kwargs.items() if k not in ("beta1", "beta2")}
    if "beta1" in kwargs or "beta2" in kwargs:
        out["betas"] = (kwargs.get("beta1", 0.9), kwargs.get("beta2", 0.999))
    return out


def base_lr(name, kwargs):
    return {"one_cycle": kwargs.get("max_lr"), "warmup": kwargs.get("schedule")}.get(
        name, kwargs.get("lr"))


def torch_scheduler(name, kwargs, opt):
    """The torch scheduler whose values equal those of mlopt's ``name(**kwargs)``."""
    from torch.optim import lr_scheduler

    if name == "step":
        return lr_scheduler.StepLR(opt, kwargs["step_size"], kwargs.get("gamma", 0.1))
    if name == "exponential":
        return lr_scheduler.ExponentialLR(opt, kwargs["gamma"])
    if name == "warmup":
        w = kwargs["warmup_steps"]
        return lr_scheduler.LinearLR(opt, start_factor=1 / w, end_factor=1.0, total_iters=w - 1)
    if name == "cosine":
        total, w = kwargs["total_steps"], kwargs.get("warmup_steps", 0)
        anneal = lr_scheduler.CosineAnnealingLR(opt, T_max=total - w,
                                                eta_min=kwargs.get("min_lr", 0.0))
        if w == 0:
            return anneal
        linear = lr_scheduler.LinearLR(opt, start_factor=1 / w, end_factor=1.0,
                                       total_iters=w - 1)
        return lr_scheduler.SequentialLR(opt, [linear, anneal], milestones=[w])
    if name == "one_cycle":
        return lr_scheduler.OneCycleLR(
            opt, max_lr=kwargs["max_lr"], total_steps=kwargs["total_steps"],
            pct_start=kwargs.get("pct_start", 0.3), div_factor=kwargs.get("div_factor", 25.0),
            final_div_factor=kwargs.get("final_div_factor", 1e4), anneal_strategy="cos",
            three_phase=False, cycle_momentum=False)
    raise ValueError(f"no torch scheduler for {name!r}")


def make_problem():
    rng = np.random.default_rng(0)
    return rng.normal(size=(20, 5)), rng.normal(size=20), rng.normal(size=5)


def trajectory(A, b, x0, optimizer, kwargs, schedule):
    import torch

    A_t, b_t = torch.from_numpy(A), torch.from_numpy(b)
    p = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
    opt = getattr(torch.optim, TORCH_NAMES[optimizer])([p], **torch_kwargs(kwargs))
    sched = None if schedule is None else torch_scheduler(schedule[0], schedule[1], opt)
    rows = [p.detach().numpy().copy()]
    for _ in range(N_STEPS):
        with torch.no_grad():
            p.grad = 2.0 / A.shape[0] * (A_t.T @ (A_t @ p - b_t))
        opt.step()
        if sched is not None:
            sched.step()
        rows.append(p.detach().numpy().copy())
    return np.array(rows)


def schedule_values(name, kwargs, n):
    import torch

    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([p], lr=base_lr(name, kwargs))
    sched = torch_scheduler(name, kwargs, opt)
    values = []
    for _ in range(n):
        values.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return values


def main():
    import torch  # imported here, so that pytest's --doctest-modules can import this file

    warnings.simplefilter("ignore")  # torch's notes on scheduler.step(epoch) and friends
    torch.set_default_dtype(torch.float64)
    A, b, x0 = make_problem()
    optimizers = []
    for case, optimizer, kwargs, schedule in OPTIMIZER_CASES:
        params = trajectory(A, b, x0, optimizer, kwargs, schedule)
        optimizers.append({
            "case": case, "optimizer": optimizer, "kwargs": kwargs,
            "schedule": None if schedule is None else {"name": schedule[0],
                                                       "kwargs": schedule[1]},
            "params": params.tolist(),
        })
    # AMSGrad must matter on this problem, or its cases test nothing.
    by_case = {c["case"]: np.array(c["params"]) for c in optimizers}
    plain = trajectory(A, b, x0, "adam", {"lr": 0.1, "beta2": 0.5}, None)
    assert not np.allclose(plain, by_case["adam_amsgrad"], rtol=1e-6)
    schedules = [
        {"case": case, "schedule": name, "kwargs": kwargs,
         "lr": schedule_values(name, kwargs, n)}
        for case, name, kwargs, n in SCHEDULE_CASES
    ]
    data = {
        "generated_by": "tests/data/make_torch_reference.py",
        "torch_version": torch.__version__,
        "n_steps": N_STEPS,
        "problem": {"A": A.tolist(), "b": b.tolist(), "x0": x0.tolist()},
        "optimizers": optimizers,
        "schedules": schedules,
    }
    text = json.dumps(data, indent=1)
    # one line per list of numbers (an iterate, a schedule): readable diffs, a third the size
    text = re.sub(r"\[\s+([-+\d.eE,\s]+?)\s+\]",
                  lambda m: "[" + " ".join(m.group(1).split()) + "]", text)
    OUT.write_text(text + "\n")
    print(f"wrote {OUT} ({len(optimizers)} trajectories, {len(schedules)} schedules, "
          f"torch {torch.__version__})")


if __name__ == "__main__":
    main()
