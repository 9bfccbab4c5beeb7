"""One recipe: rt-explore train and a generated train.py run the same code and follow the same loss curve."""

from __future__ import annotations

import json
import math

import torch

from rt_explore.cli import main
from rt_explore.codegen.context import recipe_source
from rt_explore.tasks import get_task
from rt_explore.training.recipe import learning_rate


def test_the_schedule_warms_up_then_decays_to_a_tenth_of_the_peak():
    steps, peak = 200, 1.0
    rates = [learning_rate(s, steps, peak) for s in range(1, steps + 1)]
    assert rates[0] == peak / 20 and math.isclose(rates[19], peak)  # warmup over steps // 10 = 20
    assert all(a >= b for a, b in zip(rates[19:], rates[20:], strict=False))  # then only decays
    assert math.isclose(rates[-1], 0.1 * peak)


def test_scaffold_smoke_and_rt_explore_train_follow_the_same_loss_curve(tmp_path, capsys):
    out = tmp_path / "p"
    assert main(["scaffold", "--cell", "step/token", "--out", str(out), "-o", "dim=32", "--smoke", "--json"]) == 0
    smoke = json.loads(capsys.readouterr().out)["smoke"]
    steps = smoke["steps"]
    assert main(["train", str(out), "--steps", str(steps), "--json"]) == 0
    capsys.readouterr()
    trained = json.loads((out / "metrics.json").read_text())
    assert len(smoke["loss_curve"]) == len(trained["loss_curve"]) == steps
    torch.testing.assert_close(torch.tensor(smoke["loss_curve"]), torch.tensor(trained["loss_curve"]),
                               rtol=1e-5, atol=1e-6)


def test_the_generated_train_py_contains_the_recipe_verbatim(tmp_path):
    out = tmp_path / "p"
    assert main(["scaffold", "--cell", "none", "--out", str(out)]) == 0
    assert recipe_source() in (out / "train.py").read_text()
    assert "def learning_rate" in recipe_source() and "def optimiser_step" in recipe_source()


def test_the_built_in_parity_of_train_py_draws_the_batches_of_the_parity_task(tmp_path):
    out = tmp_path / "p"
    assert main(["scaffold", "--cell", "none", "--out", str(out)]) == 0
    text = (out / "train.py").read_text()
    source = text[text.index("class Parity:") : text.index("def load_task")]
    namespace = {"torch": torch}
    exec(compile(source, "train.py", "exec"), namespace)  # the class as written in the generated file
    built_in, task = namespace["Parity"](), get_task("parity")
    assert built_in.train_lengths == task.train_lengths and built_in.vocab_size == task.vocab_size
    a, b = torch.Generator().manual_seed(3), torch.Generator().manual_seed(3)
    for length in (4, 9, 16):
        mine, theirs = built_in.batch(5, length, a), task.batch(5, length, b)
        assert all(torch.equal(x, y) for x, y in zip(mine, (theirs.inputs, theirs.targets, theirs.mask), strict=True))
