"""Grader for `house_prices` (question 9): a price regressor on a pretrained backbone.

The fixture (grader.fixtures.houses_data) is 512 training and 256 held-out pictures of
houses whose price depends on what they show, and a small CNN backbone pretrained on a
source task. The candidate's model is trained a few times, once per module-scoped fixture,
and the checks inspect what came out: the backbone's state before and after each phase,
the predictions, and a rerun with the held-out prices changed (nothing the model learns
may depend on them). The runs and their helpers: grader.fixtures.houses_runs.

The stub's contract, sentence by sentence -> the checks that fail when it is broken:
- PriceTransform: statistics from `fit`'s prices only, fit returns self, a later fit replaces
  them -> test_transform_fitted_on_training_split, test_transform_fit_returns_self_and_refits;
  transform gives small numbers -> test_transform_scales_prices_down; inverse undoes it ->
  test_transform_round_trip
- build_regressor: (N, 1) output -> test_one_output_per_image; holds `backbone` itself, weights
  unchanged, a head of its own -> test_uses_given_backbone; linear output layer ->
  test_output_has_no_activation
- train_head: only the head trains, parameters and BatchNorm statistics unchanged ->
  test_phase_one_freezes_weights, test_phase_one_keeps_batchnorm_statistics; fits the targets
  with its defaults -> test_phase_one_fits_targets; returns model -> test_phases_return_the_model
- fine_tune: backbone changes, outputs finite -> test_fine_tune_updates_backbone; exactly
  `epochs` passes -> test_fine_tune_runs_given_epochs; honours lr -> test_fine_tune_honours_lr;
  returns model -> test_phases_return_the_model
- predict: inverse of the model's output -> test_predict_inverts; eval mode, no gradients ->
  test_predict_eval_mode_without_grad
- rmse / mae / r2 and their Python floats -> test_rmse, test_mae, test_r2,
  test_metrics_are_python_floats
- fit_and_evaluate: seeded, deterministic whatever was seeded before -> test_protocol_deterministic;
  defaults 0 and 0 -> test_protocol_defaults; transform on training prices ->
  test_transform_fitted_on_training_split; fine_tune(epochs=finetune_epochs) ->
  test_protocol_fine_tunes; with 0 the backbone is unchanged ->
  test_protocol_without_fine_tuning_keeps_backbone; held-out prices never used ->
  test_no_held_out_leakage; returned scores, predictions, model and transform agree ->
  test_reported_metrics, test_predictions_come_from_returned_model; the model is good ->
  test_predictions_finite, test_predictions_in_price_units, test_held_out_r2, test_beats_the_mean
"""

from __future__ import annotations

import copy
import inspect
import math

import pytest
import torch
from torch import nn

from grader.authoring.checks import check
from grader.fixtures import houses_data
from grader.fixtures.houses_runs import (
    FEATURE_DIM, FINE_TUNE_EPOCHS, FINE_TUNE_SIZE, PhaseOne, PhaseTwo, Run, as_float, as_vector, buffers_of,
    changed_names, cpu, load_backbone, metric, params_of, price_pairs, r_squared, raw_outputs, run_protocol,
    signed_targets, train_phase_one, train_phase_two,
)

# The reference solution scores 0.86-0.88 over 5 seeds (benchmarks/house_prices.py);
# predicting the training mean scores about 0.
R2_THRESHOLD = 0.7


@pytest.fixture(scope="module")
def splits(device) -> dict:
    return {k: v.to(device) for k, v in houses_data.target_splits().items()}


@pytest.fixture(scope="module")
def run(impl, device, splits) -> Run:
    """The protocol on the full fixture, backbone frozen throughout (finetune_epochs=0)."""
    return run_protocol(impl, device, splits)


@pytest.fixture(scope="module")
def rerun(impl, device, splits) -> Run:
    """The same run with other held-out prices: reversed and ten times larger."""
    return run_protocol(impl, device, splits, test_prices=splits["test_prices"].flip(0) * 10)


@pytest.fixture(scope="module")
def finetune_run(impl, device, splits) -> Run:
    return run_protocol(impl, device, splits, finetune_epochs=1, n_train=96, n_test=32, global_seed=1)


@pytest.fixture(scope="module")
def finetune_rerun(impl, device, splits) -> Run:
    """The same call after other global seeds (torch, NumPy, random)."""
    return run_protocol(impl, device, splits, finetune_epochs=1, n_train=96, n_test=32, global_seed=2)


@pytest.fixture(scope="module")
def phase_one(impl, device, splits) -> PhaseOne:
    return train_phase_one(impl, device, splits)


@pytest.fixture(scope="module")
def phase_two(impl, phase_one, splits) -> PhaseTwo:
    return train_phase_two(impl, phase_one, splits)


# --- the model ---------------------------------------------------------------------------


@check(
    "The regressor outputs one value per image, shape (N, 1)",
    level="basic", points=2,
    hint="A regression head is a Linear layer with out_features=1 on the backbone's features, not the source classifier's class scores.",
)
def test_one_output_per_image(impl, device, splits):
    model = impl.build_regressor(load_backbone(device), FEATURE_DIM)
    images = splits["test_images"][:8]
    model.eval()
    with torch.no_grad():
        out = model(images)
    assert isinstance(out, torch.Tensor), f"model(images) should return a tensor, got {type(out).__name__}"
    assert tuple(out.shape) == (8, 1), f"expected model(images) of shape (8, 1) for 8 images, got {tuple(out.shape)}"


@check(
    "The regressor is built on the given backbone object, not a copy",
    level="basic", points=1,
    hint="Store the backbone module you were given as a submodule of the regressor; do not deep-copy it or build a new one.",
)
def test_uses_given_backbone(impl, device):
    backbone = load_backbone(device)
    before = {**params_of(backbone), **buffers_of(backbone)}
    model = impl.build_regressor(backbone, FEATURE_DIM)
    changed = changed_names(before, {**params_of(backbone), **buffers_of(backbone)})
    assert not changed, f"build_regressor should not change the backbone's weights, {len(changed)} changed (e.g. {changed[:3]})"
    assert isinstance(model, nn.Module), f"build_regressor should return an nn.Module, got {type(model).__name__}"
    in_model = {id(p) for p in model.parameters()}
    missing = [name for name, p in backbone.named_parameters() if id(p) not in in_model]
    assert not missing, f"the regressor's parameters should include the backbone's own tensors; missing {missing[:3]}"
    extra = [p for p in model.parameters() if id(p) not in {id(q) for q in backbone.parameters()}]
    assert extra, "the regressor should add a head with its own parameters, found none outside the backbone"


# --- the target transform ----------------------------------------------------------------


@check(
    "inverse(transform(prices)) gives back the prices",
    level="basic", points=2,
    hint="The inverse must undo every step of the transform in reverse order: the standardisation first, then the log (with the same base).",
)
def test_transform_round_trip(impl, splits):
    transform = impl.PriceTransform()
    transform.fit(splits["train_prices"])
    g = torch.Generator().manual_seed(5)
    probe = torch.exp(11 + 3 * torch.rand(50, generator=g)).to(splits["train_prices"].device)
    back = transform.inverse(transform.transform(probe))
    back = as_vector(back, 50, "inverse(transform(prices))")
    rel = ((back - cpu(probe)).abs() / cpu(probe)).max().item()
    assert rel < 1e-3, f"expected the prices back, largest relative error {rel:.3g} (e.g. {back[0]:.6g} for {probe[0].item():.6g})"


@check(
    "The transform maps prices in the hundreds of thousands to small numbers",
    level="interview", points=2,
    hint="Raw prices around 1e5 make MSE gradients enormous; train on log prices and/or standardised prices (mean 0, std 1 on the training split).",
)
def test_transform_scales_prices_down(impl, splits):
    transform = impl.PriceTransform()
    transform.fit(splits["train_prices"])
    z = as_vector(transform.transform(splits["train_prices"]), len(splits["train_prices"]), "transform(prices)")
    assert torch.isfinite(z).all(), "transform(training prices) contains NaN or inf"
    largest = z.abs().max().item()
    assert largest < 20, f"expected transformed training prices below 20 in absolute value, the largest is {largest:.4g}"


@check(
    "PriceTransform.fit returns the transform itself, and a second fit replaces the statistics",
    level="basic", points=1,
    hint="End fit with `return self` (so PriceTransform().fit(p) is the fitted transform), and overwrite the statistics on each fit instead of accumulating them.",
)
def test_transform_fit_returns_self_and_refits(impl, splits):
    prices = splits["train_prices"]
    transform = impl.PriceTransform()
    returned = transform.fit(prices[256:])
    assert returned is transform, (
        f"fit should return the transform itself, got {'None' if returned is None else type(returned).__name__}"
    )
    transform.fit(prices[:256])
    fresh = impl.PriceTransform()
    fresh.fit(prices[:256])
    got = as_vector(transform.transform(prices[:32]), 32, "transform(prices)")
    want = as_vector(fresh.transform(prices[:32]), 32, "transform(prices)")
    gap = (got - want).abs().max().item()
    assert gap < 1e-5, f"after fit(A) then fit(B), the transform should equal one fitted on B alone; they differ by {gap:.3g}"


# --- metrics -----------------------------------------------------------------------------


@check(
    "rmse is the square root of the mean squared error",
    level="basic", points=1,
    hint="RMSE = sqrt(mean((y - y_hat)^2)), in price units; without the square root it is the MSE, in squared dollars.",
)
def test_rmse(impl):
    y, pred = price_pairs()
    got = metric(impl, "rmse", y, pred)
    expected = ((y - pred) ** 2).mean().sqrt().item()
    assert math.isclose(got, expected, rel_tol=1e-5), f"expected rmse {expected:.6g}, got {got:.6g}"


@check(
    "mae is the mean absolute error",
    level="basic", points=1,
    hint="MAE averages |y - y_hat|; without the absolute value, over- and under-estimates cancel out.",
)
def test_mae(impl):
    y, pred = price_pairs()
    got = metric(impl, "mae", y, pred)
    expected = (y - pred).abs().mean().item()
    assert math.isclose(got, expected, rel_tol=1e-5), f"expected mae {expected:.6g}, got {got:.6g}"


@check(
    "r2 is 1 - SS_res / SS_tot: 1 when perfect, 0 for the mean, negative when worse",
    level="interview", points=2,
    hint="SS_res = sum((y - y_hat)^2), SS_tot = sum((y - mean(y))^2), R^2 = 1 - SS_res / SS_tot.",
)
def test_r2(impl):
    y, pred = price_pairs()
    got = metric(impl, "r2", y, pred)
    expected = r_squared(y, pred)
    assert math.isclose(got, expected, abs_tol=1e-5), f"expected r2 {expected:.6f}, got {got:.6f}"
    worse = y.mean() - (y - y.mean())
    cases = {"perfect predictions": (y, 1.0), "the mean": (torch.full_like(y, y.mean().item()), 0.0), "mirrored predictions": (worse, -3.0)}
    for label, (p, want) in cases.items():
        value = metric(impl, "r2", y, p)
        assert math.isclose(value, want, abs_tol=1e-5), f"expected r2 = {want} for {label}, got {value:.6g}"


@check(
    "rmse, mae, r2 and the protocol's scores are plain Python floats, not tensors",
    level="basic", points=1,
    hint="Turn a 0-dim tensor into a number with .item() (or float(...)) before returning it.",
)
def test_metrics_are_python_floats(impl, run):
    y, pred = price_pairs()
    for name in ("rmse", "mae", "r2"):
        value = getattr(impl, name)(y, pred)
        assert isinstance(value, float), f"{name}(y_true, y_pred) should return a Python float, got {type(value).__name__}"
        value = run.result[name]
        assert isinstance(value, float), f"fit_and_evaluate's result[{name!r}] should be a Python float, got {type(value).__name__}"


# --- phase one: frozen backbone ----------------------------------------------------------


@check(
    "Phase one (train_head) leaves the backbone's weights unchanged",
    level="basic", points=2,
    hint="Set requires_grad=False on the backbone and give the optimizer only the head's parameters.",
)
def test_phase_one_freezes_weights(phase_one):
    changed = changed_names(phase_one.params_before, phase_one.params_after)
    assert not changed, f"expected no backbone weight to change in train_head, {len(changed)} changed (e.g. {changed[:3]})"


@check(
    "Phase one keeps the backbone's BatchNorm running statistics fixed",
    level="expert", points=3, hidden=True,
    hint="requires_grad=False does not stop BatchNorm from updating its running mean and variance in train mode: run the frozen backbone in eval mode.",
)
def test_phase_one_keeps_batchnorm_statistics(phase_one):
    changed = changed_names(phase_one.buffers_before, phase_one.buffers_after)
    assert not changed, f"expected the backbone's buffers to stay as they were, {len(changed)} changed (e.g. {changed[:3]})"


@check(
    "Phase one fits the regressor to the targets it is given",
    level="basic", points=2,
    hint="train_head must minimise the MSE between model(images) and the given targets (already in model units) until the head has converged.",
)
def test_phase_one_fits_targets(phase_one):
    fit = r_squared(phase_one.targets, phase_one.outputs)
    assert fit > 0.6, f"expected the trained regressor to explain the targets (training R^2 > 0.6), got R^2 = {fit:.3f}"


@check(
    "The output layer is linear: the regressor reaches targets below 0 and above 1",
    level="interview", points=3,
    hint="No ReLU, sigmoid or softplus after the last Linear layer: a regression output must be able to take any real value.",
)
def test_output_has_no_activation(phase_one):
    low, high = phase_one.outputs.min().item(), phase_one.outputs.max().item()
    assert low < -1 and high > 1, (
        f"trained on targets from {phase_one.targets.min().item():.2f} to {phase_one.targets.max().item():.2f}, "
        f"the outputs only span [{low:.3f}, {high:.3f}]: something bounds the output"
    )


@check(
    "train_head and fine_tune return the model they were given",
    level="basic", points=1,
    hint="Train the model in place and end both phases with `return model`.",
)
def test_phases_return_the_model(phase_one, phase_two):
    for name, returned in (("train_head", phase_one.returned), ("fine_tune", phase_two.returned)):
        assert returned is phase_one.model, (
            f"{name} should return the model it was given, got {'None' if returned is None else 'another object'}"
        )


# --- phase two: fine-tuning --------------------------------------------------------------


@check(
    "Fine-tuning (fine_tune) updates the backbone and keeps outputs finite and fitted",
    level="interview", points=2,
    hint="Phase two must make the backbone's parameters trainable again and hand them to the optimizer, with a default learning rate small enough not to wreck the pretrained features (1e-4, not 1).",
)
def test_fine_tune_updates_backbone(phase_one, phase_two):
    changed = changed_names(phase_two.before, phase_two.after)
    assert changed, "expected fine_tune to change the backbone's weights, none changed"
    assert torch.isfinite(phase_two.outputs).all(), "after fine_tune the model outputs NaN or inf"
    fit = r_squared(phase_one.targets[:FINE_TUNE_SIZE], phase_two.outputs)
    assert fit > 0.3, (
        f"after {FINE_TUNE_EPOCHS} epochs of fine_tune with its default lr, the regressor should still fit its "
        f"training targets (R^2 > 0.3, it was above 0.6 before), got R^2 = {fit:.3f}"
    )


@check(
    f"fine_tune makes exactly `epochs` passes over the images (epochs={FINE_TUNE_EPOCHS})",
    level="interview", points=2,
    hint="One epoch trains on every image once: loop `for _ in range(epochs)` over all the batches, and use the epochs argument, not your default.",
)
def test_fine_tune_runs_given_epochs(phase_two):
    expected = FINE_TUNE_EPOCHS * FINE_TUNE_SIZE
    got = phase_two.images_trained
    assert abs(got - expected) <= FINE_TUNE_SIZE // 2, (
        f"fine_tune(..., epochs={FINE_TUNE_EPOCHS}) on {FINE_TUNE_SIZE} images should train on about {expected} images "
        f"(forward passes with gradients), it trained on {got}"
    )


@check(
    "fine_tune uses the learning rate it is given: with lr=0 no weight moves",
    level="interview", points=1,
    hint="Hand the lr argument to the optimiser instead of a hard-coded value or the optimiser's default.",
)
def test_fine_tune_honours_lr(impl, device, splits):
    backbone = load_backbone(device)
    model = impl.build_regressor(backbone, FEATURE_DIM)
    before = params_of(model)
    targets = signed_targets(splits["train_prices"][:64])
    impl.fine_tune(model, splits["train_images"][:64], targets, epochs=1, lr=0.0)
    changed = changed_names(before, params_of(model))
    assert not changed, f"fine_tune(..., lr=0.0) should leave every weight as it was, {len(changed)} changed (e.g. {changed[:3]})"


# --- the protocol ------------------------------------------------------------------------


@check(
    "Predictions stay finite when trained on raw prices in the hundreds of thousands",
    level="basic", points=2,
    hint="Training MSE on raw prices blows up; transform the target before training and invert it at prediction.",
)
def test_predictions_finite(run):
    bad = (~torch.isfinite(run.predictions)).sum().item()
    assert bad == 0, f"expected finite predictions, {bad} of {len(run.predictions)} are NaN or inf"


@check(
    "Predictions are in price units, not log or standardised units",
    level="basic", points=2,
    hint="The model predicts transformed values; map them back with the transform's inverse before returning or scoring them.",
)
def test_predictions_in_price_units(run, splits):
    ratio = (run.predictions / cpu(splits["test_prices"])).median().item()
    assert 0.5 < ratio < 2, (
        f"expected predictions around the held-out prices (median ratio near 1), median predicted/true = {ratio:.3g}"
    )


@check(
    f"Held-out R^2 is above {R2_THRESHOLD}",
    level="basic", points=3,
    hint="Train the head to convergence on the frozen pretrained features (a good learning rate, enough steps) and score the held-out split.",
)
def test_held_out_r2(run, splits):
    score = r_squared(splits["test_prices"], run.predictions)
    assert score > R2_THRESHOLD, f"expected held-out R^2 > {R2_THRESHOLD}, got {score:.3f}"


@check(
    "Predictions beat predicting the training mean price",
    level="basic", points=1,
    hint="If a constant does better, the model learned nothing: check the targets, the transform and the training loop.",
)
def test_beats_the_mean(run, splits):
    y = cpu(splits["test_prices"])
    baseline = (y - cpu(splits["train_prices"]).mean()).pow(2).mean().sqrt().item()
    got = (y - run.predictions).pow(2).mean().sqrt().item()
    assert got < baseline, f"expected held-out RMSE below {baseline:.0f} (the training mean as prediction), got {got:.0f}"


@check(
    "The reported RMSE, MAE and R^2 are those of the held-out predictions",
    level="interview", points=2,
    hint="Score the held-out prices against the held-out predictions with rmse, mae and r2, not the training split.",
)
def test_reported_metrics(run, splits):
    y, pred = cpu(splits["test_prices"]), run.predictions
    expected = {
        "rmse": (y - pred).pow(2).mean().sqrt().item(),
        "mae": (y - pred).abs().mean().item(),
        "r2": r_squared(y, pred),
    }
    for key, want in expected.items():
        got = as_float(run.result[key], f"result[{key!r}]")
        tol = 1e-4 * abs(want) if key != "r2" else 1e-4
        assert abs(got - want) <= tol, f"expected result[{key!r}] = {want:.6g} on the held-out split, got {got:.6g}"


@check(
    "predict returns the model's output mapped back through the transform",
    level="interview", points=2,
    hint="predict should run the model in eval mode without gradients and apply transform.inverse to its (N, 1) output, returning shape (N,).",
)
def test_predict_inverts(impl, run, splits):
    model, transform = run.result["model"], run.result["transform"]
    images = splits["test_images"][:32]
    got = as_vector(impl.predict(model, transform, images), 32, "predict(model, transform, images)")
    expected = cpu(transform.inverse(raw_outputs(model, images)))
    rel = ((got - expected).abs() / expected.abs()).max().item()
    assert rel < 1e-4, f"expected transform.inverse(model(images)), e.g. {expected[0]:.6g}, got {got[0]:.6g}"


@check(
    "fit_and_evaluate fits the target transform on the training prices only",
    level="interview", points=2,
    hint="Fit the transform's statistics on train_prices alone: held-out prices are unseen data, even for a mean and a standard deviation.",
)
def test_transform_fitted_on_training_split(impl, run, splits):
    fitted = run.result["transform"]
    reference = impl.PriceTransform()
    reference.fit(splits["train_prices"])
    probe = torch.cat([splits["train_prices"][:16], splits["test_prices"][:16]])
    got = as_vector(fitted.transform(probe), 32, "result['transform'].transform(prices)")
    want = as_vector(reference.transform(probe), 32, "PriceTransform().fit(train_prices).transform(prices)")
    gap = (got - want).abs().max().item()
    assert gap < 1e-4, f"expected the returned transform to equal one fitted on train_prices alone; they differ by up to {gap:.3g}"


@check(
    "Predictions on held-out images do not depend on the held-out prices",
    level="expert", points=3,
    hint="Held-out prices may only be used to score predictions: no training, early stopping or transform fitting on them.",
)
def test_no_held_out_leakage(run, rerun):
    gap = (run.predictions - rerun.predictions).abs().max().item()
    scale = run.predictions.abs().mean().item()
    assert gap <= 1e-4 * scale, (
        f"reversing the held-out prices and multiplying them by 10 changed the predictions by up to {gap:.4g} "
        f"(same training data and seed)"
    )


@check(
    "With finetune_epochs=0 the backbone's weights and BatchNorm statistics come out unchanged",
    level="expert", points=2,
    hint="Without fine-tuning, the protocol trains only the head: the pretrained backbone must not move, BatchNorm statistics included.",
)
def test_protocol_without_fine_tuning_keeps_backbone(run):
    changed = changed_names(run.backbone_before, run.backbone_after)
    assert not changed, f"expected the backbone untouched with finetune_epochs=0, {len(changed)} tensors changed (e.g. {changed[:3]})"


@check(
    "With finetune_epochs > 0 fit_and_evaluate fine-tunes the backbone",
    level="interview", points=1,
    hint="After the frozen phase, call your fine-tuning phase for finetune_epochs epochs on the training split.",
)
def test_protocol_fine_tunes(finetune_run):
    changed = changed_names(finetune_run.backbone_before, finetune_run.backbone_after)
    assert changed, "expected finetune_epochs=1 to change the backbone's weights, none changed"
    assert torch.isfinite(finetune_run.predictions).all(), "after fine-tuning the predictions contain NaN or inf"
    assert finetune_run.fine_tune_epochs == [1], (
        f"with finetune_epochs=1, fit_and_evaluate should call fine_tune(..., epochs=1) once; "
        f"it called it with epochs {finetune_run.fine_tune_epochs or 'never'}"
    )


@check(
    "fit_and_evaluate's defaults are finetune_epochs=0 and seed=0",
    level="basic", points=1,
    hint="Keep the signature of the stub: fine-tuning is off unless asked for, and the default seed is 0.",
)
def test_protocol_defaults(impl, run):
    """The grader passes both explicitly elsewhere (`run` makes this fail on an unimplemented protocol)."""
    params = inspect.signature(impl.fit_and_evaluate).parameters
    for name in ("finetune_epochs", "seed"):
        default = params[name].default if name in params else "no such parameter"
        assert default == 0 and not isinstance(default, bool), f"fit_and_evaluate's {name} should default to 0, got {default!r}"


@check(
    "fit_and_evaluate gives the same predictions whatever was seeded before the call",
    level="expert", points=2,
    hint="Call torch.manual_seed(seed) at the start and draw every random number from torch (no NumPy or random module): the result must depend on `seed` only.",
)
def test_protocol_deterministic(finetune_run, finetune_rerun):
    gap = (finetune_run.predictions - finetune_rerun.predictions).abs().max().item()
    scale = finetune_run.predictions.abs().mean().item()
    assert gap <= 1e-4 * scale, (
        f"two calls with the same arguments (seed=0, finetune_epochs=1) after different global seeds of torch, NumPy "
        f"and random gave predictions up to {gap:.4g} apart"
    )


@check(
    "predict runs the model in eval mode without gradients",
    level="interview", points=2,
    hint="Call model.eval() and run the forward pass under torch.no_grad() (or inference_mode) inside predict: a model handed over in train mode must not use batch statistics.",
)
def test_predict_eval_mode_without_grad(impl, run, splits):
    model, transform = copy.deepcopy(run.result["model"]), run.result["transform"]
    images = splits["test_images"][:32]
    expected = cpu(transform.inverse(raw_outputs(model, images)))
    model.train()
    got = impl.predict(model, transform, images)
    assert isinstance(got, torch.Tensor) and not got.requires_grad, (
        "predict should return prices computed without gradients (requires_grad=False)"
    )
    got = as_vector(got, 32, "predict(model, transform, images)")
    rel = ((got - expected).abs() / expected.abs()).max().item()
    assert rel < 1e-4, f"predict on a model in train mode should give the eval-mode prices; relative difference {rel:.3g}"


@check(
    "fit_and_evaluate's predictions are those of the returned model and transform",
    level="interview", points=1,
    hint="Return the regressor you trained and the transform you fitted, and the predictions made with them.",
)
def test_predictions_come_from_returned_model(run, splits):
    model, transform = run.result["model"], run.result["transform"]
    expected = cpu(transform.inverse(raw_outputs(model, splits["test_images"][:64])))
    rel = ((run.predictions[:64] - expected).abs() / expected.abs()).max().item()
    assert rel < 1e-4, (
        f"result['predictions'] should equal transform.inverse(model(test_images)) of the returned model and "
        f"transform; relative difference {rel:.3g}"
    )



@check(
    "On a backbone and images of another device (a GPU), the head, fine-tuning, predictions and scores stay there",
    level="interview", points=1,
    hint="Put the new head on the backbone's device (device= or .to(device)), make every tensor "
    "you create (indices, buffers, predictions) with the images' device, and call .item() for scores; "
    "a CPU layer or tensor mixed into a GPU model raises.",
)
def test_another_device(impl, splits):
    from grader.authoring.devices import elsewhere, here, mismatch_fails, on_elsewhere

    images, prices = elsewhere(splits["train_images"][:16]), elsewhere(splits["train_prices"][:16])
    with mismatch_fails("build_regressor, fine_tune, predict"):
        model = impl.build_regressor(elsewhere(load_backbone("cpu")), FEATURE_DIM)
        on_cpu = [k for k, p in model.named_parameters() if not on_elsewhere(p)]
        assert not on_cpu, f"expected the regressor on the backbone's device; on the CPU: {on_cpu[:3]}"
        transform = impl.PriceTransform().fit(prices)
        impl.fine_tune(model, images, transform.transform(prices), epochs=1)
        predicted = impl.predict(model, transform, images)
        assert on_elsewhere(predicted), f"expected predictions on the images' device, got {predicted.device}"
        scores = [metric(impl, name, prices, predicted) for name in ("rmse", "mae", "r2")]
    assert all(math.isfinite(s) for s in scores) and here(predicted).isfinite().all(), (
        f"expected finite predictions and scores on another device, got scores {scores}"
    )
