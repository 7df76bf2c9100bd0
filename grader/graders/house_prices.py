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
  `epochs` passes -> test_fine_tune_runs_given_epochs; each step follows its own batches'
  gradient (cleared between steps) -> test_fine_tune_clears_gradients; honours lr ->
  test_fine_tune_honours_lr; returns model -> test_phases_return_the_model
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

import torch

from grader.authoring.checks import assert_exact_type, check, say
from grader.authoring.devices import elsewhere, here, mismatch_fails, on_elsewhere
from grader.fixtures.houses_runs import (  # noqa: F401 - finetune_rerun ... splits are the checks' pytest fixtures
    FEATURE_DIM, FINE_TUNE_EPOCHS, FINE_TUNE_SIZE, as_float, as_vector, assert_module, buffers_of, changed_names, cpu,
    finetune_rerun, finetune_run, load_backbone, metric, params_of, phase_one, phase_two, price_pairs, r_squared,
    raw_outputs, rerun, run, signed_targets, splits,
)

# The reference solution scores 0.86-0.88 over 5 seeds (benchmarks/house_prices.py);
# predicting the training mean scores about 0.
R2_THRESHOLD = 0.7


# --- the model ---------------------------------------------------------------------------


@check(
    "The regressor outputs one value per image, shape (N, 1)",
    level="basic", points=2,
    hint="A regression head is a Linear layer with out_features=1 on the backbone's features, not the source classifier's class scores.",
    title_zh="回归模型对每张图片输出一个值，形状为 (N, 1)",
    hint_zh="回归头是接在骨干网络特征上的 out_features=1 的 Linear 层，而不是源分类器的各类得分。")
def test_one_output_per_image(impl, device, splits):
    model = impl.build_regressor(load_backbone(device), FEATURE_DIM)
    images = splits["test_images"][:8]
    model.eval()
    with torch.no_grad():
        out = model(images)
    got = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
    assert isinstance(out, torch.Tensor) and got == (8, 1), say(
        f"expected model(images) of shape (8, 1) for 8 images, got {got}", f"8 张图片时 model(images) 的形状应为 (8, 1)，实际为 {got}")


@check(
    "The regressor is built on the given backbone object, not a copy",
    level="basic", points=1,
    hint="Store the backbone module you were given as a submodule of the regressor; do not deep-copy it or build a new one.",
    title_zh="回归模型建立在传入的那个骨干网络对象上，而不是它的副本",
    hint_zh="把传入的骨干网络模块作为回归模型的子模块保存；不要深拷贝，也不要新建一个。")
def test_uses_given_backbone(impl, device):
    backbone = load_backbone(device)
    before = {**params_of(backbone), **buffers_of(backbone)}
    model = impl.build_regressor(backbone, FEATURE_DIM)
    changed = changed_names(before, {**params_of(backbone), **buffers_of(backbone)})
    assert not changed, say(f"build_regressor should not change the backbone's weights, {len(changed)} changed (e.g. {changed[:3]})",
                            f"build_regressor 不应改动骨干网络的权重，实际变了 {len(changed)} 个（例如 {changed[:3]}）")
    assert_module(model)
    in_model = {id(p) for p in model.parameters()}
    missing = [name for name, p in backbone.named_parameters() if id(p) not in in_model]
    assert not missing, say(f"the regressor's parameters should include the backbone's own tensors; missing {missing[:3]}",
                            f"回归模型的参数应包含骨干网络自己的张量；缺少 {missing[:3]}")
    extra = [p for p in model.parameters() if id(p) not in {id(q) for q in backbone.parameters()}]
    assert extra, say("the regressor should add a head with its own parameters, found none outside the backbone",
                      "回归模型应加一个有自己参数的回归头，但骨干网络之外一个参数也没有")


# --- the target transform ----------------------------------------------------------------


@check(
    "inverse(transform(prices)) gives back the prices",
    level="basic", points=2,
    hint="The inverse must undo every step of the transform in reverse order: the standardisation first, then the log (with the same base).",
    title_zh="inverse(transform(prices)) 能还原出原价格",
    hint_zh="逆变换要按相反顺序撤销变换的每一步：先撤销标准化，再撤销对数（底数相同）。")
def test_transform_round_trip(impl, splits):
    transform = impl.PriceTransform()
    transform.fit(splits["train_prices"])
    g = torch.Generator().manual_seed(5)
    probe = torch.exp(11 + 3 * torch.rand(50, generator=g)).to(splits["train_prices"].device)
    back = transform.inverse(transform.transform(probe))
    back = as_vector(back, 50, "inverse(transform(prices))")
    rel = ((back - cpu(probe)).abs() / cpu(probe)).max().item()
    example = f"{back[0]:.6g} / {probe[0].item():.6g}"
    assert rel < 1e-3, say(f"expected the prices back, largest relative error {rel:.3g} (e.g. {example})",
                           f"应还原出原价格，最大相对误差 {rel:.3g}（例如 {example}）")


@check(
    "The transform maps prices in the hundreds of thousands to small numbers",
    level="interview", points=2,
    hint="Raw prices around 1e5 make MSE gradients enormous; train on log prices and/or standardised prices (mean 0, std 1 on the training split).",
    title_zh="目标变换把几十万量级的价格映射成小数值",
    hint_zh="1e5 左右的原始价格会让 MSE 的梯度大得离谱；用对数价格和/或标准化后的价格训练（在训练集上均值 0、标准差 1）。")
def test_transform_scales_prices_down(impl, splits):
    transform = impl.PriceTransform()
    transform.fit(splits["train_prices"])
    z = as_vector(transform.transform(splits["train_prices"]), len(splits["train_prices"]), "transform(prices)")
    assert torch.isfinite(z).all(), say("transform(training prices) contains NaN or inf", "transform(训练集价格) 中有 NaN 或 inf")
    largest = z.abs().max().item()
    assert largest < 20, say(f"expected transformed training prices below 20 in absolute value, the largest is {largest:.4g}",
                             f"变换后的训练集价格绝对值应小于 20，最大的是 {largest:.4g}")


@check(
    "PriceTransform.fit returns the transform itself, and a second fit replaces the statistics",
    level="basic", points=1,
    hint="End fit with `return self` (so PriceTransform().fit(p) is the fitted transform), and overwrite the statistics on each fit instead of accumulating them.",
    title_zh="PriceTransform.fit 返回变换对象本身，第二次 fit 会替换掉统计量",
    hint_zh="fit 最后写 `return self`（这样 PriceTransform().fit(p) 就是拟合好的变换），每次 fit 都覆盖统计量，不要累积。")
def test_transform_fit_returns_self_and_refits(impl, splits):
    prices = splits["train_prices"]
    transform = impl.PriceTransform()
    returned = transform.fit(prices[256:])
    got = "None" if returned is None else type(returned).__name__
    assert returned is transform, say(f"fit should return the transform itself, got {got}", f"fit 应返回变换对象本身，实际返回了 {got}")
    transform.fit(prices[:256])
    fresh = impl.PriceTransform()
    fresh.fit(prices[:256])
    got = as_vector(transform.transform(prices[:32]), 32, "transform(prices)")
    want = as_vector(fresh.transform(prices[:32]), 32, "transform(prices)")
    gap = (got - want).abs().max().item()
    assert gap < 1e-5, say(f"after fit(A) then fit(B), the transform should equal one fitted on B alone; they differ by {gap:.3g}",
                           f"先 fit(A) 再 fit(B) 之后，变换应与只在 B 上拟合的相同；实际相差 {gap:.3g}")


# --- metrics -----------------------------------------------------------------------------


@check(
    "rmse is the square root of the mean squared error",
    level="basic", points=1,
    hint="RMSE = sqrt(mean((y - y_hat)^2)), in price units; without the square root it is the MSE, in squared dollars.",
    title_zh="rmse 是均方误差的平方根",
    hint_zh="RMSE = sqrt(mean((y - y_hat)^2))，单位与价格相同；不开平方就是 MSE，单位是美元的平方。")
def test_rmse(impl):
    y, pred = price_pairs()
    got = metric(impl, "rmse", y, pred)
    expected = ((y - pred) ** 2).mean().sqrt().item()
    assert math.isclose(got, expected, rel_tol=1e-5), say(f"expected rmse {expected:.6g}, got {got:.6g}",
                                                          f"rmse 应为 {expected:.6g}，实际为 {got:.6g}")


@check(
    "mae is the mean absolute error",
    level="basic", points=1,
    hint="MAE averages |y - y_hat|; without the absolute value, over- and under-estimates cancel out.",
    title_zh="mae 是平均绝对误差",
    hint_zh="MAE 对 |y - y_hat| 取平均；不取绝对值的话，高估和低估会相互抵消。")
def test_mae(impl):
    y, pred = price_pairs()
    got = metric(impl, "mae", y, pred)
    expected = (y - pred).abs().mean().item()
    assert math.isclose(got, expected, rel_tol=1e-5), say(f"expected mae {expected:.6g}, got {got:.6g}",
                                                          f"mae 应为 {expected:.6g}，实际为 {got:.6g}")


@check(
    "r2 is 1 - SS_res / SS_tot: 1 when perfect, 0 for the mean, negative when worse",
    level="interview", points=2,
    hint="SS_res = sum((y - y_hat)^2), SS_tot = sum((y - mean(y))^2), R^2 = 1 - SS_res / SS_tot.",
    title_zh="r2 等于 1 - SS_res / SS_tot：完美预测时为 1，预测均值时为 0，更差时为负",
    hint_zh="残差平方和 SS_res = sum((y - y_hat)^2)，总平方和 SS_tot = sum((y - mean(y))^2)，R^2 = 1 - SS_res / SS_tot。")
def test_r2(impl):
    y, pred = price_pairs()
    got = metric(impl, "r2", y, pred)
    expected = r_squared(y, pred)
    assert math.isclose(got, expected, abs_tol=1e-5), say(f"expected r2 {expected:.6f}, got {got:.6f}",
                                                          f"r2 应为 {expected:.6f}，实际为 {got:.6f}")
    worse = y.mean() - (y - y.mean())
    cases = {"perfect predictions": (y, 1.0, "完美预测"), "the mean": (torch.full_like(y, y.mean().item()), 0.0, "预测均值"),
             "mirrored predictions": (worse, -3.0, "镜像预测")}
    for label, (p, want, label_zh) in cases.items():
        value = metric(impl, "r2", y, p)
        assert math.isclose(value, want, abs_tol=1e-5), say(f"expected r2 = {want} for {label}, got {value:.6g}",
                                                            f"{label_zh}时 r2 应为 {want}，实际为 {value:.6g}")


@check(
    "rmse, mae, r2 and the protocol's scores are plain Python floats, not tensors",
    level="basic", points=1,
    hint="Turn a 0-dim tensor into a number with .item() (or float(...)) before returning it.",
    title_zh="rmse、mae、r2 以及流程给出的分数都是普通的 Python float，不是张量",
    hint_zh="返回之前用 .item()（或 float(...)）把 0 维张量变成数。")
def test_metrics_are_python_floats(impl, run):
    y, pred = price_pairs()
    for name in ("rmse", "mae", "r2"):
        assert_exact_type(getattr(impl, name)(y, pred), float, f"{name}(y_true, y_pred)")
        assert_exact_type(run.result[name], float, f"fit_and_evaluate's result[{name!r}]")


# --- phase one: frozen backbone ----------------------------------------------------------


@check(
    "Phase one (train_head) leaves the backbone's weights unchanged",
    level="basic", points=2,
    hint="Set requires_grad=False on the backbone and give the optimizer only the head's parameters.",
    title_zh="第一阶段（train_head）不改动骨干网络的权重",
    hint_zh="把骨干网络设为 requires_grad=False，只把回归头的参数交给优化器。")
def test_phase_one_freezes_weights(phase_one):
    changed = changed_names(phase_one.params_before, phase_one.params_after)
    assert not changed, say(f"expected no backbone weight to change in train_head, {len(changed)} changed (e.g. {changed[:3]})",
                            f"train_head 不应改动骨干网络的权重，实际变了 {len(changed)} 个（例如 {changed[:3]}）")


@check(
    "Phase one keeps the backbone's BatchNorm running statistics fixed",
    level="expert", points=3, hidden=True,
    hint="requires_grad=False does not stop BatchNorm from updating its running mean and variance in train mode: run the frozen backbone in eval mode.",
    title_zh="第一阶段保持骨干网络 BatchNorm 的运行统计量不变",
    hint_zh="requires_grad=False 挡不住 BatchNorm 在训练模式下更新运行均值和方差：让冻结的骨干网络在评估模式下运行。")
def test_phase_one_keeps_batchnorm_statistics(phase_one):
    changed = changed_names(phase_one.buffers_before, phase_one.buffers_after)
    assert not changed, say(f"expected the backbone's buffers to stay as they were, {len(changed)} changed (e.g. {changed[:3]})",
                            f"骨干网络的缓冲区应保持原样，实际变了 {len(changed)} 个（例如 {changed[:3]}）")


@check(
    "Phase one fits the regressor to the targets it is given",
    level="basic", points=2,
    hint="train_head must minimise the MSE between model(images) and the given targets (already in model units) until the head has converged.",
    title_zh="第一阶段让回归模型拟合给定的目标值",
    hint_zh="train_head 要最小化 model(images) 与给定目标值（已是模型单位）之间的 MSE，直到回归头收敛。")
def test_phase_one_fits_targets(phase_one):
    fit = r_squared(phase_one.targets, phase_one.outputs)
    assert fit > 0.6, say(f"expected the trained regressor to explain the targets (training R^2 > 0.6), got R^2 = {fit:.3f}",
                          f"训练后的回归模型应能解释目标值（训练集 R^2 > 0.6），实际 R^2 = {fit:.3f}")


@check(
    "The output layer is linear: the regressor reaches targets below 0 and above 1",
    level="interview", points=3,
    hint="No ReLU, sigmoid or softplus after the last Linear layer: a regression output must be able to take any real value.",
    title_zh="输出层是线性的：回归模型能输出小于 0 和大于 1 的目标值",
    hint_zh="最后一个 Linear 层之后不要接 ReLU、sigmoid 或 softplus：回归输出必须能取任意实数。")
def test_output_has_no_activation(phase_one):
    low, high = phase_one.outputs.min().item(), phase_one.outputs.max().item()
    lo_t, hi_t = phase_one.targets.min().item(), phase_one.targets.max().item()
    assert low < -1 and high > 1, say(
        f"trained on targets from {lo_t:.2f} to {hi_t:.2f}, the outputs only span [{low:.3f}, {high:.3f}]: something bounds the output",
        f"在 {lo_t:.2f} 到 {hi_t:.2f} 的目标值上训练后，输出只覆盖 [{low:.3f}, {high:.3f}]：有什么东西限制了输出范围")


@check(
    "train_head and fine_tune return the model they were given",
    level="basic", points=1,
    hint="Train the model in place and end both phases with `return model`.",
    title_zh="train_head 和 fine_tune 返回传入的模型",
    hint_zh="原地训练模型，两个阶段都以 `return model` 结尾。")
def test_phases_return_the_model(phase_one, phase_two):
    for name, returned in (("train_head", phase_one.returned), ("fine_tune", phase_two.returned)):
        got, got_zh = ("None", " None") if returned is None else ("another object", "另一个对象")
        assert returned is phase_one.model, say(f"{name} should return the model it was given, got {got}",
                                                f"{name} 应返回传入的模型，实际返回了{got_zh}")


# --- phase two: fine-tuning --------------------------------------------------------------


@check(
    "Fine-tuning (fine_tune) updates the backbone and keeps outputs finite and fitted",
    level="interview", points=2,
    hint="Phase two must make the backbone's parameters trainable again and hand them to the optimizer, with a default learning rate small enough not to wreck the pretrained features (1e-4, not 1).",
    title_zh="微调（fine_tune）会更新骨干网络，输出保持有限并仍然拟合",
    hint_zh="第二阶段要让骨干网络的参数重新可训练并交给优化器，默认学习率要小到不会破坏预训练特征（1e-4，而不是 1）。")
def test_fine_tune_updates_backbone(phase_one, phase_two):
    changed = changed_names(phase_two.before, phase_two.after)
    assert changed, say("expected fine_tune to change the backbone's weights, none changed", "fine_tune 应改动骨干网络的权重，实际一个也没变")
    assert torch.isfinite(phase_two.outputs).all(), say("after fine_tune the model outputs NaN or inf", "fine_tune 之后模型输出了 NaN 或 inf")
    fit = r_squared(phase_one.targets[:FINE_TUNE_SIZE], phase_two.outputs)
    assert fit > 0.3, say(
        f"after {FINE_TUNE_EPOCHS} epochs of fine_tune with its default lr, the regressor should still fit its "
        f"training targets (R^2 > 0.3, it was above 0.6 before), got R^2 = {fit:.3f}",
        f"用默认学习率 fine_tune {FINE_TUNE_EPOCHS} 个 epoch 之后，回归模型仍应拟合训练目标（R^2 > 0.3，之前高于 0.6），"
        f"实际 R^2 = {fit:.3f}")


@check(
    f"fine_tune makes exactly `epochs` passes over the images (epochs={FINE_TUNE_EPOCHS})",
    level="interview", points=2,
    hint="One epoch trains on every image once: loop `for _ in range(epochs)` over all the batches, and use the epochs argument, not your default.",
    title_zh=f"fine_tune 恰好遍历图片 `epochs` 遍（epochs={FINE_TUNE_EPOCHS}）",
    hint_zh="一个 epoch 把每张图片训练一次：用 `for _ in range(epochs)` 遍历所有批次，并使用传入的 epochs，而不是你的默认值。")
def test_fine_tune_runs_given_epochs(phase_two):
    expected = FINE_TUNE_EPOCHS * FINE_TUNE_SIZE
    got = phase_two.images_trained
    assert abs(got - expected) <= FINE_TUNE_SIZE // 2, say(
        f"fine_tune(..., epochs={FINE_TUNE_EPOCHS}) on {FINE_TUNE_SIZE} images should train on about {expected} images "
        f"(forward passes with gradients), it trained on {got}",
        f"在 {FINE_TUNE_SIZE} 张图片上 fine_tune(..., epochs={FINE_TUNE_EPOCHS}) 应训练约 {expected} 张次（带梯度的前向传播），"
        f"实际为 {got}")


@check(
    "fine_tune clears the gradients between optimizer steps",
    level="interview", points=2,
    hint="loss.backward() adds to .grad: call optimizer.zero_grad() (or model.zero_grad()) once per step, so that each step follows its own batch's gradient, not the sum of every batch so far.",
    title_zh="fine_tune 在两次优化器更新之间清空梯度",
    hint_zh="loss.backward() 是把梯度累加到 .grad 上：每一步调用一次 optimizer.zero_grad()（或 model.zero_grad()），"
    "让每次更新跟随本批的梯度，而不是到目前为止所有批梯度的总和。")
def test_fine_tune_clears_gradients(phase_two):
    watch = phase_two.gradients
    assert watch.carried < 1e-3, say(
        f"after a weight update, the next backward pass added its gradient to the earlier batches' in the backbone's {watch.name}.grad "
        f"(left-over {watch.carried:.3g}x the new gradient's size): the gradients are never cleared between steps",
        f"权重更新之后，下一次反向传播把新梯度加到了骨干网络 {watch.name}.grad 里之前各批的梯度上"
        f"（残留的梯度是新梯度的 {watch.carried:.3g} 倍）：两次更新之间没有清空梯度")


@check(
    "fine_tune uses the learning rate it is given: with lr=0 no weight moves",
    level="interview", points=1,
    hint="Hand the lr argument to the optimiser instead of a hard-coded value or the optimiser's default.",
    title_zh="fine_tune 使用传入的学习率：lr=0 时任何权重都不动",
    hint_zh="把 lr 参数交给优化器，不要用写死的值或优化器的默认值。")
def test_fine_tune_honours_lr(impl, device, splits):
    backbone = load_backbone(device)
    model = impl.build_regressor(backbone, FEATURE_DIM)
    before = params_of(model)
    targets = signed_targets(splits["train_prices"][:64])
    impl.fine_tune(model, splits["train_images"][:64], targets, epochs=1, lr=0.0)
    changed = changed_names(before, params_of(model))
    assert not changed, say(f"fine_tune(..., lr=0.0) should leave every weight as it was, {len(changed)} changed (e.g. {changed[:3]})",
                            f"fine_tune(..., lr=0.0) 应让每个权重保持原样，实际变了 {len(changed)} 个（例如 {changed[:3]}）")


# --- the protocol ------------------------------------------------------------------------


@check(
    "Predictions stay finite when trained on raw prices in the hundreds of thousands",
    level="basic", points=2,
    hint="Training MSE on raw prices blows up; transform the target before training and invert it at prediction.",
    title_zh="在几十万量级的原始价格上训练时，预测值保持有限",
    hint_zh="在原始价格上训练 MSE 会发散；训练前先变换目标值，预测时再逆变换回来。")
def test_predictions_finite(run):
    bad = (~torch.isfinite(run.predictions)).sum().item()
    assert bad == 0, say(f"expected finite predictions, {bad} of {len(run.predictions)} are NaN or inf",
                         f"预测值应全部有限，实际 {len(run.predictions)} 个中有 {bad} 个是 NaN 或 inf")


@check(
    "Predictions are in price units, not log or standardised units",
    level="basic", points=2,
    hint="The model predicts transformed values; map them back with the transform's inverse before returning or scoring them.",
    title_zh="预测值以价格为单位，而不是对数或标准化后的单位",
    hint_zh="模型预测的是变换后的值；返回或打分之前先用变换的 inverse 映射回去。")
def test_predictions_in_price_units(run, splits):
    ratio = (run.predictions / cpu(splits["test_prices"])).median().item()
    assert 0.5 < ratio < 2, say(
        f"expected predictions around the held-out prices (median ratio near 1), median predicted/true = {ratio:.3g}",
        f"预测值应在测试集价格附近（比值的中位数接近 1），实际 预测/真实 的中位数 = {ratio:.3g}")


@check(
    f"Held-out R^2 is above {R2_THRESHOLD}",
    level="basic", points=3,
    hint="Train the head to convergence on the frozen pretrained features (a good learning rate, enough steps) and score the held-out split.",
    title_zh=f"测试集上的 R^2 高于 {R2_THRESHOLD}",
    hint_zh="在冻结的预训练特征上把回归头训练到收敛（合适的学习率、足够的步数），再在测试集上打分。")
def test_held_out_r2(run, splits):
    score = r_squared(splits["test_prices"], run.predictions)
    assert score > R2_THRESHOLD, say(f"expected held-out R^2 > {R2_THRESHOLD}, got {score:.3f}",
                                     f"测试集 R^2 应大于 {R2_THRESHOLD}，实际为 {score:.3f}")


@check(
    "Predictions beat predicting the training mean price",
    level="basic", points=1,
    hint="If a constant does better, the model learned nothing: check the targets, the transform and the training loop.",
    title_zh="预测效果好于直接预测训练集的平均价格",
    hint_zh="如果一个常数都比它好，说明模型什么也没学到：检查目标值、变换和训练循环。")
def test_beats_the_mean(run, splits):
    y = cpu(splits["test_prices"])
    baseline = (y - cpu(splits["train_prices"]).mean()).pow(2).mean().sqrt().item()
    got = (y - run.predictions).pow(2).mean().sqrt().item()
    assert got < baseline, say(f"expected held-out RMSE below {baseline:.0f} (the training mean as prediction), got {got:.0f}",
                               f"测试集 RMSE 应低于 {baseline:.0f}（用训练集均值作预测时的值），实际为 {got:.0f}")


@check(
    "The reported RMSE, MAE and R^2 are those of the held-out predictions",
    level="interview", points=2,
    hint="Score the held-out prices against the held-out predictions with rmse, mae and r2, not the training split.",
    title_zh="报告的 RMSE、MAE 和 R^2 是测试集预测值上的结果",
    hint_zh="用 rmse、mae 和 r2 对测试集价格与测试集预测值打分，而不是训练集。")
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
        assert abs(got - want) <= tol, say(f"expected result[{key!r}] = {want:.6g} on the held-out split, got {got:.6g}",
                                           f"测试集上 result[{key!r}] 应为 {want:.6g}，实际为 {got:.6g}")


@check(
    "predict returns the model's output mapped back through the transform",
    level="interview", points=2,
    hint="predict should run the model in eval mode without gradients and apply transform.inverse to its (N, 1) output, returning shape (N,).",
    title_zh="predict 返回经变换逆映射回去的模型输出",
    hint_zh="predict 应在评估模式下、不带梯度地运行模型，对其 (N, 1) 的输出做 transform.inverse，返回形状 (N,)。")
def test_predict_inverts(impl, run, splits):
    model, transform = run.result["model"], run.result["transform"]
    images = splits["test_images"][:32]
    got = as_vector(impl.predict(model, transform, images), 32, "predict(model, transform, images)")
    expected = cpu(transform.inverse(raw_outputs(model, images)))
    rel = ((got - expected).abs() / expected.abs()).max().item()
    assert rel < 1e-4, say(f"expected transform.inverse(model(images)), e.g. {expected[0]:.6g}, got {got[0]:.6g}",
                           f"应为 transform.inverse(model(images))，例如 {expected[0]:.6g}，实际为 {got[0]:.6g}")


@check(
    "fit_and_evaluate fits the target transform on the training prices only",
    level="interview", points=2,
    hint="Fit the transform's statistics on train_prices alone: held-out prices are unseen data, even for a mean and a standard deviation.",
    title_zh="fit_and_evaluate 只在训练集价格上拟合目标变换",
    hint_zh="变换的统计量只在 train_prices 上拟合：测试集价格是没见过的数据，哪怕只是用来算均值和标准差也不行。")
def test_transform_fitted_on_training_split(impl, run, splits):
    fitted = run.result["transform"]
    reference = impl.PriceTransform()
    reference.fit(splits["train_prices"])
    probe = torch.cat([splits["train_prices"][:16], splits["test_prices"][:16]])
    got = as_vector(fitted.transform(probe), 32, "result['transform'].transform(prices)")
    want = as_vector(reference.transform(probe), 32, "PriceTransform().fit(train_prices).transform(prices)")
    gap = (got - want).abs().max().item()
    assert gap < 1e-4, say(f"expected the returned transform to equal one fitted on train_prices alone; they differ by up to {gap:.3g}",
                           f"返回的变换应与只在 train_prices 上拟合的相同；实际最多相差 {gap:.3g}")


@check(
    "Predictions on held-out images do not depend on the held-out prices",
    level="expert", points=3,
    hint="Held-out prices may only be used to score predictions: no training, early stopping or transform fitting on them.",
    title_zh="测试集图片上的预测与测试集价格无关",
    hint_zh="测试集价格只能用来给预测打分：不能用它们训练、早停或拟合变换。")
def test_no_held_out_leakage(run, rerun):
    gap = (run.predictions - rerun.predictions).abs().max().item()
    scale = run.predictions.abs().mean().item()
    assert gap <= 1e-4 * scale, say(
        f"reversing the held-out prices and multiplying them by 10 changed the predictions by up to {gap:.4g} "
        f"(same training data and seed)",
        f"把测试集价格倒序并乘以 10 之后，预测值最多变了 {gap:.4g}（训练数据和种子都相同）")


@check(
    "With finetune_epochs=0 the backbone's weights and BatchNorm statistics come out unchanged",
    level="expert", points=2,
    hint="Without fine-tuning, the protocol trains only the head: the pretrained backbone must not move, BatchNorm statistics included.",
    title_zh="finetune_epochs=0 时骨干网络的权重和 BatchNorm 统计量都保持不变",
    hint_zh="不微调时流程只训练回归头：预训练的骨干网络一点也不能动，包括 BatchNorm 统计量。")
def test_protocol_without_fine_tuning_keeps_backbone(run):
    changed = changed_names(run.backbone_before, run.backbone_after)
    assert not changed, say(f"expected the backbone untouched with finetune_epochs=0, {len(changed)} tensors changed (e.g. {changed[:3]})",
                            f"finetune_epochs=0 时骨干网络不应被改动，实际变了 {len(changed)} 个张量（例如 {changed[:3]}）")


@check(
    "With finetune_epochs > 0 fit_and_evaluate fine-tunes the backbone",
    level="interview", points=1,
    hint="After the frozen phase, call your fine-tuning phase for finetune_epochs epochs on the training split.",
    title_zh="finetune_epochs > 0 时 fit_and_evaluate 会微调骨干网络",
    hint_zh="冻结阶段之后，在训练集上调用你的微调阶段，训练 finetune_epochs 个 epoch。")
def test_protocol_fine_tunes(finetune_run):
    changed = changed_names(finetune_run.backbone_before, finetune_run.backbone_after)
    assert changed, say("expected finetune_epochs=1 to change the backbone's weights, none changed",
                        "finetune_epochs=1 应改动骨干网络的权重，实际一个也没变")
    assert torch.isfinite(finetune_run.predictions).all(), say("after fine-tuning the predictions contain NaN or inf",
                                                               "微调之后预测值中有 NaN 或 inf")
    seen = finetune_run.fine_tune_epochs
    assert seen == [1] and type(seen[0]) is int, say(
        f"with finetune_epochs=1, fit_and_evaluate should call fine_tune(..., epochs=1) once; it called it with epochs {seen or 'never'}",
        f"finetune_epochs=1 时 fit_and_evaluate 应调用一次 fine_tune(..., epochs=1)；实际调用时的 epochs 为 {seen or '（从未调用）'}")


@check(
    "fit_and_evaluate's defaults are finetune_epochs=0 and seed=0",
    level="basic", points=1,
    hint="Keep the signature of the stub: fine-tuning is off unless asked for, and the default seed is 0.",
    title_zh="fit_and_evaluate 的默认值是 finetune_epochs=0 和 seed=0",
    hint_zh="保持练习模板里的函数签名：除非明确要求，否则不微调，默认种子是 0。")
def test_protocol_defaults(impl, run):
    """The grader passes both explicitly elsewhere (`run` makes this fail on an unimplemented protocol)."""
    params = inspect.signature(impl.fit_and_evaluate).parameters
    for name in ("finetune_epochs", "seed"):
        default = params[name].default if name in params else "no such parameter"
        assert type(default) is int and default == 0, say(f"fit_and_evaluate's {name} should default to 0, got {default!r}",
                                                          f"fit_and_evaluate 的 {name} 默认值应为 0，实际为 {default!r}")


@check(
    "fit_and_evaluate gives the same predictions whatever was seeded before the call",
    level="expert", points=2,
    hint="Call torch.manual_seed(seed) at the start and draw every random number from torch (no NumPy or random module): the result must depend on `seed` only.",
    title_zh="无论调用前设过什么随机种子，fit_and_evaluate 给出的预测都相同",
    hint_zh="开头调用 torch.manual_seed(seed)，所有随机数都从 torch 取（不用 NumPy 或 random 模块）：结果只能取决于 `seed`。")
def test_protocol_deterministic(finetune_run, finetune_rerun):
    gap = (finetune_run.predictions - finetune_rerun.predictions).abs().max().item()
    scale = finetune_run.predictions.abs().mean().item()
    assert gap <= 1e-4 * scale, say(
        f"two calls with the same arguments (seed=0, finetune_epochs=1) after different global seeds of torch, NumPy "
        f"and random gave predictions up to {gap:.4g} apart",
        f"在 torch、NumPy 和 random 设了不同全局种子之后，用相同参数（seed=0，finetune_epochs=1）调用两次，"
        f"预测值最多相差 {gap:.4g}")


@check(
    "predict runs the model in eval mode without gradients",
    level="interview", points=2,
    hint="Call model.eval() and run the forward pass under torch.no_grad() (or inference_mode) inside predict: a model handed over in train mode must not use batch statistics.",
    title_zh="predict 在评估模式下、不带梯度地运行模型",
    hint_zh="在 predict 里调用 model.eval()，并在 torch.no_grad()（或 inference_mode）下做前向传播：交进来的模型即使处于训练模式，"
    "也不能用批统计量。")
def test_predict_eval_mode_without_grad(impl, run, splits):
    model, transform = copy.deepcopy(run.result["model"]), run.result["transform"]
    images = splits["test_images"][:32]
    expected = cpu(transform.inverse(raw_outputs(model, images)))
    model.train()
    got = impl.predict(model, transform, images)
    assert isinstance(got, torch.Tensor) and not got.requires_grad, say(
        "predict should return prices computed without gradients (requires_grad=False)",
        "predict 应返回不带梯度算出的价格（requires_grad=False）")
    got = as_vector(got, 32, "predict(model, transform, images)")
    rel = ((got - expected).abs() / expected.abs()).max().item()
    assert rel < 1e-4, say(f"predict on a model in train mode should give the eval-mode prices; relative difference {rel:.3g}",
                           f"对训练模式下的模型调用 predict，应得到评估模式下的价格；相对差 {rel:.3g}")


@check(
    "fit_and_evaluate's predictions are those of the returned model and transform",
    level="interview", points=1,
    hint="Return the regressor you trained and the transform you fitted, and the predictions made with them.",
    title_zh="fit_and_evaluate 的预测值来自它返回的模型和变换",
    hint_zh="返回你训练好的回归模型、拟合好的变换，以及用它们做出的预测。")
def test_predictions_come_from_returned_model(run, splits):
    model, transform = run.result["model"], run.result["transform"]
    expected = cpu(transform.inverse(raw_outputs(model, splits["test_images"][:64])))
    rel = ((run.predictions[:64] - expected).abs() / expected.abs()).max().item()
    assert rel < 1e-4, say(
        f"result['predictions'] should equal transform.inverse(model(test_images)) of the returned model and "
        f"transform; relative difference {rel:.3g}",
        f"result['predictions'] 应等于用返回的模型和变换算出的 transform.inverse(model(test_images))；相对差 {rel:.3g}")


@check(
    "On a backbone and images of another device (a GPU), the head, fine-tuning, predictions and scores stay there",
    level="interview", points=1,
    hint="Put the new head on the backbone's device (device= or .to(device)), make every tensor "
    "you create (indices, buffers, predictions) with the images' device, and call .item() for scores; "
    "a CPU layer or tensor mixed into a GPU model raises.",
    title_zh="骨干网络和图片在另一设备（GPU）上时，回归头、微调、预测和打分都留在该设备上",
    hint_zh="把新回归头放到骨干网络所在的设备上（device= 或 .to(device)），自己新建的张量（下标、缓冲区、预测值）都用图片所在的设备，"
    "打分时调用 .item()；GPU 模型里混进 CPU 层或张量会报错。")
def test_another_device(impl, splits):
    images, prices = elsewhere(splits["train_images"][:16]), elsewhere(splits["train_prices"][:16])
    with mismatch_fails("build_regressor, fine_tune, predict"):
        model = impl.build_regressor(elsewhere(load_backbone("cpu")), FEATURE_DIM)
        on_cpu = [k for k, p in model.named_parameters() if not on_elsewhere(p)]
        assert not on_cpu, say(f"expected the regressor on the backbone's device; on the CPU: {on_cpu[:3]}",
                               f"回归模型应在骨干网络所在的设备上；留在 CPU 上的有：{on_cpu[:3]}")
        transform = impl.PriceTransform().fit(prices)
        impl.fine_tune(model, images, transform.transform(prices), epochs=1)
        predicted = impl.predict(model, transform, images)
        assert on_elsewhere(predicted), say(f"expected predictions on the images' device, got {predicted.device}",
                                            f"预测值应在图片所在的设备上，实际在 {predicted.device} 上")
        scores = [metric(impl, name, prices, predicted) for name in ("rmse", "mae", "r2")]
    assert all(math.isfinite(s) for s in scores) and here(predicted).isfinite().all(), say(
        f"expected finite predictions and scores on another device, got scores {scores}",
        f"在另一设备上预测值和分数都应有限，实际分数为 {scores}")
