"""A plain PyTorch LSTM (embedding, LSTM, linear readout) on modular counting or A5: one-seed checks.

Scratch checks behind the state-tracking control, kept so that the figures quoted in the experiment's notes
can be traced; not a finding (one seed each, its own loop: AdamW without weight decay, 100 warmup steps,
cosine to zero, clipping at 1, batch 32, one length from 3-40 per step). Prints the accuracy on length-40
sequences (every position) and the scaled accuracy at length 256 on the positions past 40.

    python lstm_probe.py WIDTH STEPS LR SEEDS          # modular counting mod 5, e.g. 64 5000 3e-3 0,1,2
    TASK=a5 python lstm_probe.py WIDTH STEPS LR SEEDS  # the A5 word problem
"""

import math
import os
import sys
import time

import torch
from torch import nn

from rt_explore.tasks.permutation import product_table

torch.set_num_threads(1)
TASK = os.environ.get("TASK", "mc")
TABLE = torch.tensor(product_table("A5"))
VOCAB = 60 if TASK == "a5" else 5


def batch(size: int, length: int, generator: torch.Generator):
    """Tokens [B, T] and the running state [B, T] (sum mod 5, or the A5 product)."""
    x = torch.randint(VOCAB, (size, length), generator=generator)
    if TASK != "a5":
        return x, x.cumsum(1) % VOCAB
    states = [x[:, 0]]
    for t in range(1, length):
        states.append(TABLE[states[-1], x[:, t]])
    return x, torch.stack(states, 1)


class Net(nn.Module):
    def __init__(self, width: int):
        super().__init__()
        self.emb = nn.Embedding(VOCAB, width)
        self.rnn = nn.LSTM(width, width, batch_first=True)
        self.o = nn.Linear(width, width, bias=False)
        self.head = nn.Linear(width, VOCAB)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        x = self.emb(tokens)
        h, _ = self.rnn(x)
        return self.head(x + self.o(h))


def run(width: int, seed: int, steps: int, lr: float) -> None:
    torch.manual_seed(seed)
    data = torch.Generator().manual_seed(1000 + seed)
    net = Net(width)
    opt = torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=0.0)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda i: min(1, (i + 1) / 100) * 0.5 * (1 + math.cos(math.pi * i / steps)))
    start = time.time()
    for _ in range(steps):
        length = int(torch.randint(3, 41, (1,), generator=data))
        x, y = batch(32, length, data)
        net.train()
        loss = nn.functional.cross_entropy(net(x).reshape(-1, VOCAB), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(net.parameters(), 1.0)
        opt.step()
        sched.step()
    net.eval()
    test = torch.Generator().manual_seed(99)
    with torch.no_grad():
        x, y = batch(128, 40, test)
        train = (net(x).argmax(-1) == y).float().mean().item()
        x, y = batch(128, 256, test)
        acc = (net(x).argmax(-1)[:, 40:] == y[:, 40:]).float().mean().item()
    scaled = (acc - 1 / VOCAB) / (1 - 1 / VOCAB)
    print(f"{TASK} lstm C={width} seed={seed} steps={steps} lr={lr} train={train:.2f} scaled256={scaled:.2f} "
          f"{time.time() - start:.0f}s", flush=True)


if __name__ == "__main__":
    width, steps, lr = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
    for seed in map(int, sys.argv[4].split(",")):
        run(width, seed, steps, lr)
