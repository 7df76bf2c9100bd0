"""The digits fixtures of grader/fixtures/pretrained.py: small, loadable without pickle, reproducible
by their build script, and transferring the way their names say."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from grader.fixtures import pretrained
from grader.fixtures import build_digits

SCORE_TOLERANCE = 0.03


def shipped_scores(name: str) -> dict[str, float]:
    images, labels = build_digits.load_digits_images()
    source_idx, pool_idx = build_digits.split_indices(len(images))
    target = build_digits.make_target(images[pool_idx], labels[pool_idx])
    model = pretrained.load_source(name)
    return build_digits.source_scores(name, model, images[source_idx], labels[source_idx], target)


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory):
    folder = tmp_path_factory.mktemp("digits")
    return folder, build_digits.build(folder)


@pytest.mark.parametrize("name", pretrained.SOURCES)
def test_checkpoint_is_a_small_state_dict(name):
    path = pretrained.checkpoint_path(name)
    assert path.stat().st_size < 2_000_000
    state = torch.load(path, weights_only=True)
    assert all(isinstance(v, torch.Tensor) for v in state.values())
    pretrained.DigitNet().load_state_dict(state)


def test_target_splits():
    splits = pretrained.target_splits()
    assert splits.train.x.shape == (30, 1, 8, 8) and splits.heldout.x.shape == (767, 1, 8, 8)
    assert splits.train.x.dtype == torch.float32 and splits.train.y.dtype == torch.int64
    assert torch.bincount(splits.train.y).tolist() == [build_digits.LABELS_PER_CLASS] * pretrained.NUM_CLASSES
    assert set(splits.heldout.y.tolist()) == set(range(pretrained.NUM_CLASSES))


def test_target_split_is_rebuilt_identically(rebuilt):
    folder, _ = rebuilt
    with np.load(pretrained.FIXTURES / pretrained.TARGET_FILE) as shipped, np.load(folder / pretrained.TARGET_FILE) as fresh:
        assert shipped.files == fresh.files
        for key in shipped.files:
            np.testing.assert_array_equal(shipped[key], fresh[key], err_msg=key)


@pytest.mark.parametrize("name", pretrained.SOURCES)
def test_rebuilt_checkpoint_scores_like_the_shipped_one(rebuilt, name):
    folder, scores = rebuilt
    shipped = shipped_scores(name)
    recorded = json.loads((pretrained.FIXTURES / build_digits.BUILD_FILE).read_text(encoding="utf-8"))[name]
    assert shipped == pytest.approx(recorded, abs=1e-3), "the shipped checkpoint no longer matches digits_build.json"
    assert scores[name] == pytest.approx(shipped, abs=SCORE_TOLERANCE), f"rebuilt {scores[name]}, shipped {shipped}"
    rebuilt_model = pretrained.load_source(name, folder=folder)
    assert rebuilt_model.head.out_features == pretrained.NUM_CLASSES


def test_pairings_transfer_as_labelled():
    """One seed, a short budget: the positive source beats scratch, the negative one loses."""
    train, heldout = pretrained.target_splits()
    score = {}
    with pretrained.one_thread():
        for arm, source in [("scratch", None), *pretrained.PAIRINGS.items()]:
            model = pretrained.make_model(source, seed=0)
            pretrained.fine_tune(model, train, steps=100, seed=0)
            score[arm] = pretrained.accuracy(model, heldout)
    assert score["positive"] > 1.2 * score["scratch"], score
    assert score["negative"] < 0.9 * score["scratch"], score


def test_make_model_is_seeded_and_leaves_the_global_rng_alone():
    torch.manual_seed(123)
    before = torch.random.get_rng_state()
    a, b, c = (pretrained.make_model(None, seed) for seed in (5, 5, 6))
    assert torch.equal(torch.random.get_rng_state(), before)
    assert torch.equal(a.head.weight, b.head.weight) and not torch.equal(a.head.weight, c.head.weight)
    assert a.training


def test_make_model_from_a_source_loads_every_weight():
    source = pretrained.load_source(pretrained.POSITIVE)
    model = pretrained.make_model(pretrained.POSITIVE, seed=9)
    assert not source.training and model.training
    for key, value in source.state_dict().items():
        assert torch.equal(model.state_dict()[key], value), key


def test_unknown_source_is_a_value_error():
    with pytest.raises(ValueError, match="unknown source"):
        pretrained.load_source("imagenet")


def test_fine_tune_is_deterministic_and_accuracy_keeps_the_mode():
    train, heldout = pretrained.target_splits()
    runs = []
    for _ in range(2):
        model = pretrained.make_model(None, seed=1)
        pretrained.fine_tune(model, train, steps=5, seed=4)
        runs.append(model)
    assert all(torch.equal(p, q) for p, q in zip(runs[0].parameters(), runs[1].parameters()))
    assert runs[0].training
    pretrained.accuracy(runs[0], heldout)
    assert runs[0].training
