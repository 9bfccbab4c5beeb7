"""What every benchmark records about the machine it ran on, so that its timings can be read in context."""

from __future__ import annotations

import os
import platform
import time

import torch


def machine_meta(started: float, load_before: float) -> dict:
    """The processor, cores, platform, torch version, wall seconds since `started` and the load around the run."""
    return {"machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPU cores",
            "platform": platform.platform(), "torch": torch.__version__,
            "total_seconds": round(time.perf_counter() - started, 1), "load_before": load_before,
            "load_after": os.getloadavg()[0]}


def forward_backward_seconds(fn, inputs: list[torch.Tensor]) -> tuple[float, float]:
    """Wall time and process CPU time (s) of one forward + backward of a recurrence kernel `fn(*inputs)`.

    CPU time is reported too because it is far less inflated than wall time on a shared, busy machine.
    """
    for x in inputs:
        x.grad = None
    wall, cpu = time.perf_counter(), time.process_time()
    o, S = fn(*inputs, output_final_state=True)
    (o.sum() + S.sum()).backward()
    return time.perf_counter() - wall, time.process_time() - cpu
