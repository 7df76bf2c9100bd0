"""The house-price fixtures: deterministic pictures whose price shows in them, a small
pretrained checkpoint that matches its generator, and a grader threshold the reference
solution clears with margin."""

from __future__ import annotations

import torch

from grader.fixtures import build_houses, houses_data
from grader.graders.house_prices import R2_THRESHOLD


def test_pictures_and_prices_are_deterministic():
    first, second = houses_data.make_houses(64, seed=3), houses_data.make_houses(64, seed=3)
    assert torch.equal(first[0], second[0]) and torch.equal(first[1], second[1])
    assert not torch.equal(first[0], houses_data.make_houses(64, seed=4)[0])


def test_target_splits_have_the_documented_format():
    data = houses_data.target_splits()
    assert data["train_images"].shape == (houses_data.N_TRAIN, 3, 32, 32)
    assert data["test_images"].shape == (houses_data.N_TEST, 3, 32, 32)
    for key in ("train_images", "test_images"):
        assert data[key].dtype == torch.float32
        assert 0.0 <= data[key].min() and data[key].max() <= 1.0
    for key in ("train_prices", "test_prices"):
        assert data[key].dtype == torch.float32
        assert 100_000 < data[key].min() and data[key].max() < 1_500_000


def test_target_splits_are_fresh_tensors():
    data = houses_data.target_splits()
    data["train_prices"].mul_(0)
    assert houses_data.target_splits()["train_prices"].min() > 0


def test_checkpoint_is_small_and_loads():
    assert houses_data.CHECKPOINT.stat().st_size < 2 * 2**20
    backbone = houses_data.load_backbone().eval()
    with torch.no_grad():
        features = backbone(houses_data.target_splits()["test_images"][:4])
    assert features.shape == (4, houses_data.FEATURE_DIM)


def test_checkpoint_solves_the_source_task_on_fresh_source_data():
    images, labels = houses_data.source_data(300, seed=12345)
    model = torch.nn.Sequential(houses_data.load_backbone(), torch.nn.Linear(houses_data.FEATURE_DIM, houses_data.SOURCE_CLASSES))
    model[1].load_state_dict(houses_data.load_checkpoint()["head"])
    assert build_houses.accuracy(model, images, labels) > 0.95


def test_source_training_is_deterministic():
    images, labels = houses_data.source_data(128, seed=7)
    first = build_houses.train_source(images, labels, epochs=1).state_dict()
    second = build_houses.train_source(images, labels, epochs=1).state_dict()
    assert all(torch.equal(first[k], second[k]) for k in first)


def test_reference_clears_the_grader_threshold_over_five_seeds():
    from solutions import house_prices

    data = houses_data.target_splits()
    scores = [
        house_prices.fit_and_evaluate(
            houses_data.load_backbone(), houses_data.FEATURE_DIM,
            data["train_images"], data["train_prices"], data["test_images"], data["test_prices"],
            seed=seed,
        )["r2"]
        for seed in range(5)
    ]
    assert min(scores) > R2_THRESHOLD + 0.1, scores


def test_benchmark_rows_are_importable():
    from benchmarks.house_prices import rows

    table = rows(seeds=2, finetune_epochs=0)
    assert [r["arm"] for r in table] == ["pretrained, frozen", "from scratch, frozen", "pretrained, frozen"]
    assert all({"rmse", "mae", "r2", "r2_std", "r2_per_seed"} <= set(r) for r in table)
    assert table[0]["r2"] > table[1]["r2"]
