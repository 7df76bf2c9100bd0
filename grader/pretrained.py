"""Offline "pretrained" source models and the target task they transfer to.

Everything comes from scikit-learn's 8x8 digits (1,797 images, shipped inside the
package): nothing is downloaded and no grader ever retrains a source model. The fixtures
live in grader/fixtures/digits_* and are rebuilt exactly by
`python -m grader.fixtures.build_digits`.

Target task (`target_splits()`): "noisy digits". The ten digit classes on 797 images that
no source model saw, with Gaussian pixel noise (sigma 0.3 on [0, 1] intensities). Only
3 labelled images per class are for training (30 in all); the other 767 are the
held-out split.

Source models (`load_source(name)`), one architecture (`DigitNet`), trained on the
other 1,000 digit images:
- "augmented_digits": all 1,000 with their labels, random 1-pixel shifts and pixel noise
  as augmentation. Transfers well: the POSITIVE pairing (`PAIRINGS["positive"]`).
- "shuffled_labels": 300 of them with their labels shuffled once, memorised without
  augmentation. Its features encode arbitrary labels, not digits: the NEGATIVE pairing
  (`PAIRINGS["negative"]`).

The source and target label spaces are the same ten digits, so transfer means
fine-tuning the whole source network, head included (`make_model(name, seed)`); the
scratch arm is the same architecture from random weights (`make_model(None, seed)`).

    from grader import pretrained
    train, heldout = pretrained.target_splits()
    model = pretrained.make_model(pretrained.POSITIVE, seed=0)  # None: random weights
    pretrained.fine_tune(model, train, steps=300, seed=0)
    pretrained.accuracy(model, heldout)                        # about 0.77 (from scratch: 0.55)

`fine_tune` and `accuracy` are the reference training and evaluation used by the
benchmark (benchmarks/transfer.py), which measures every pairing over 5 seeds. On CPU,
run them inside `one_thread()`: these models are so small that a second thread only
adds synchronisation (several times slower on a busy machine).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

FIXTURES = Path(__file__).with_name("fixtures")
TARGET_FILE = "digits_target.npz"
NUM_CLASSES = 10
SOURCES = ("augmented_digits", "shuffled_labels")
POSITIVE = "augmented_digits"
NEGATIVE = "shuffled_labels"
PAIRINGS = {"positive": POSITIVE, "negative": NEGATIVE}


class Split(NamedTuple):
    """Images `x` (N, 1, 8, 8) float32 (intensities in [0, 1] plus noise) and labels `y` (N,) int64."""

    x: torch.Tensor
    y: torch.Tensor

    def to(self, device) -> "Split":
        return Split(self.x.to(device), self.y.to(device))


class TargetSplits(NamedTuple):
    train: Split
    heldout: Split


class DigitNet(nn.Module):
    """A small CNN for 1x8x8 images: `features` (two conv/ReLU/max-pool blocks, then a
    64-unit ReLU layer) and `head`, a Linear(64, num_classes)."""

    FEATURE_DIM = 64

    def __init__(self, num_classes: int = NUM_CLASSES):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Linear(32 * 2 * 2, self.FEATURE_DIM),
            nn.ReLU(),
        )
        self.head = nn.Linear(self.FEATURE_DIM, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))


def checkpoint_path(name: str, folder: Path = FIXTURES) -> Path:
    if name not in SOURCES:
        raise ValueError(f"unknown source {name!r}; known: {', '.join(SOURCES)}")
    return Path(folder) / f"digits_{name}.pt"


def load_source(name: str, device="cpu", *, folder: Path = FIXTURES) -> DigitNet:
    """The pretrained source model `name` (one of SOURCES), its source head included, on
    `device`, in eval mode. `folder` is for tests that rebuild the fixtures elsewhere."""
    state = torch.load(checkpoint_path(name, folder), map_location="cpu", weights_only=True)
    model = DigitNet()
    model.load_state_dict(state)
    return model.to(device).eval()


def make_model(source: str | None, seed: int, device="cpu") -> DigitNet:
    """A fresh DigitNet in train mode, ready to fine-tune on the target: the weights of
    the source model `source`, or random weights drawn with `seed` when `source` is None.
    The global random state is left untouched."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = DigitNet()
    if source is not None:
        model.load_state_dict(load_source(source).state_dict())
    return model.to(device).train()


def target_splits(device="cpu", *, folder: Path = FIXTURES) -> TargetSplits:
    """The target task's training split (30 images) and held-out split (767 images)."""
    with np.load(Path(folder) / TARGET_FILE) as data:
        arrays = {key: torch.from_numpy(data[key]) for key in data.files}
    return TargetSplits(
        Split(arrays["train_x"], arrays["train_y"]).to(device),
        Split(arrays["heldout_x"], arrays["heldout_y"]).to(device),
    )


def curve_splits(device="cpu", *, per_class: int = 30, folder: Path = FIXTURES) -> TargetSplits:
    """For learning curves: a pool of `per_class` held-out images of each class (the first
    ones in held-out order) to draw nested training sets from, and the rest of the held-out
    split (467 images for 30 per class) to score on. The 30-image training split is unused."""
    heldout = target_splits(folder=folder).heldout
    in_pool = torch.zeros(len(heldout.y), dtype=torch.bool)
    for label in range(NUM_CLASSES):
        in_pool[torch.nonzero(heldout.y == label).flatten()[:per_class]] = True
    pool = Split(heldout.x[in_pool], heldout.y[in_pool])
    rest = Split(heldout.x[~in_pool], heldout.y[~in_pool])
    return TargetSplits(pool.to(device), rest.to(device))


def fine_tune(model: nn.Module, data: Split, steps: int, seed: int, *, lr: float = 1e-3, batch_size: int = 16) -> nn.Module:
    """Train every parameter of `model` in place for exactly `steps` Adam steps on
    mini-batches drawn with replacement from `data` (the draws depend only on `seed`)."""
    model.train()
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    draws = torch.Generator().manual_seed(seed)
    for _ in range(steps):
        batch = torch.randint(len(data.y), (batch_size,), generator=draws).to(data.y.device)
        loss = F.cross_entropy(model(data.x[batch]), data.y[batch])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return model


@torch.no_grad()
def accuracy(model: nn.Module, data: Split) -> float:
    """Top-1 accuracy of `model` on `data`, computed in eval mode (the mode is restored)."""
    was_training = model.training
    model.eval()
    correct = (model(data.x).argmax(dim=1) == data.y).float().mean().item()
    model.train(was_training)
    return correct


@contextmanager
def one_thread() -> Iterator[None]:
    """Run torch's CPU ops on one thread inside the block; the setting is restored after."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)
