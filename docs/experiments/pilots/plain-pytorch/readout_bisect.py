"""Which part of the generated LSTM model stops it extrapolating modular counting: one seed each, a pilot.

Trains with rt-explore's own recipe (rt_explore.training.loop.fit, batch 32, peak rate 3e-3) either a plain
PyTorch LSTM with a linear readout (`net`) or the model `rt-explore scaffold` generates for step/token with an
LSTM mixer (`proj`), optionally with its SwiGLU (`proj-nomlp`) or its final norm (`proj-nofinal`) taken out.
Prints the accuracy on length-40 sequences and the scaled accuracy at length 256 past position 40.

    rt-explore scaffold --cell step/token -o mixer=lstm -o dim=64 -o n_layers=1 --name lstmproj --out /tmp/lstmproj
    PYTHONPATH=/tmp/lstmproj python readout_bisect.py proj-nomlp 0.01 0,1,2 5000   # WHICH WEIGHT_DECAY SEEDS STEPS
"""

import sys
import time

import torch
from lstmproj.config import Config
from lstmproj.model import Model
from torch import nn

from rt_explore.tasks.modular_count import ModularCountTask
from rt_explore.training.loop import fit

torch.set_num_threads(1)


class Net(nn.Module):
    def __init__(self, width: int):
        super().__init__()
        self.emb = nn.Embedding(5, width)
        self.rnn = nn.LSTM(width, width, batch_first=True)
        self.o = nn.Linear(width, width, bias=False)
        self.head = nn.Linear(width, 5)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        x = self.emb(tokens)
        h, _ = self.rnn(x)
        return self.head(x + self.o(h))


class Zero(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.zeros_like(x)


def build(which: str) -> nn.Module:
    if which == "net":
        return Net(64)
    model = Model(Config(dim=64, n_layers=1, vocab_size=5))
    if "nomlp" in which:
        model.layers[0].mlp = Zero()
    if "nofinal" in which:
        model.norm = nn.Identity()
    return model


if __name__ == "__main__":
    task = ModularCountTask(modulus=5, min_train_length=3, max_train_length=40, test_lengths="40,256")
    which, decay, seeds, steps = sys.argv[1], float(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    for seed in map(int, seeds.split(",")):
        torch.manual_seed(seed)
        model = build(which)
        start = time.time()
        fit(model, task, steps=steps, seed=seed, batch_size=32, lr=3e-3, weight_decay=decay)
        test = torch.Generator().manual_seed(99)
        with torch.no_grad():
            b = task.batch(128, 40, test)
            train = (model(b.inputs).argmax(-1) == b.targets).float().mean().item()
            b = task.batch(128, 256, test)
            acc = (model(b.inputs).argmax(-1)[:, 40:] == b.targets[:, 40:]).float().mean().item()
        print(f"{which} wd={decay} seed={seed} train={train:.2f} scaled256={(acc - 0.2) / 0.8:.2f} "
              f"{time.time() - start:.0f}s", flush=True)
