"""Drops optimizer.zero_grad() from the fine-tuning loop: loss.backward() adds each batch's
gradient to the ones already in .grad, so every step follows the sum of all batches so far
(the first head phase still clears its gradients).

Caught by: fine_tune clears the gradients between optimizer steps
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

BATCH_SIZE = 64


class PriceTransform:
    """Prices -> standardised log prices, and back."""

    def fit(self, prices: Tensor) -> PriceTransform:
        logs = torch.log(prices.double())
        self.mean = logs.mean().item()
        self.std = logs.std().item()
        return self

    def transform(self, prices: Tensor) -> Tensor:
        return (torch.log(prices) - self.mean) / self.std

    def inverse(self, values: Tensor) -> Tensor:
        return torch.exp(values * self.std + self.mean)


class HousePriceRegressor(nn.Module):
    def __init__(self, backbone: nn.Module, feature_dim: int):
        super().__init__()
        self.backbone = backbone
        self.head = nn.Linear(feature_dim, 1)

    def forward(self, images: Tensor) -> Tensor:
        return self.head(self.backbone(images))


def build_regressor(backbone: nn.Module, feature_dim: int) -> nn.Module:
    """`backbone` itself plus a fresh Linear(feature_dim, 1) head on the backbone's device."""
    device = next(backbone.parameters()).device
    return HousePriceRegressor(backbone, feature_dim).to(device)


def train_head(model: nn.Module, images: Tensor, targets: Tensor, *, epochs: int = 200, lr: float = 5e-2) -> nn.Module:
    """Phase one: freeze the backbone, compute its features once in eval mode (BatchNorm
    statistics untouched), and fit the head to `targets` with full-batch Adam."""
    model.backbone.requires_grad_(False)
    features = _features(model.backbone, images)
    optimizer = torch.optim.Adam(model.head.parameters(), lr=lr)
    for _ in range(epochs):
        loss = nn.functional.mse_loss(model.head(features).squeeze(1), targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return model


def fine_tune(model: nn.Module, images: Tensor, targets: Tensor, *, epochs: int = 4, lr: float = 1e-4) -> nn.Module:
    """Phase two: train every weight with mini-batch Adam at a small learning rate.
    BatchNorm keeps its running statistics (eval mode), so the features the head was
    fitted to do not jump when training starts."""
    model.requires_grad_(True)
    model.eval()
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    for _ in range(epochs):
        for batch in torch.randperm(len(images), device=images.device).split(BATCH_SIZE):
            loss = nn.functional.mse_loss(model(images[batch]).squeeze(1), targets[batch])
            loss.backward()
            optimizer.step()
    return model


@torch.no_grad()
def predict(model: nn.Module, transform: PriceTransform, images: Tensor) -> Tensor:
    """Prices (N,) for `images`: the model's output mapped back through the transform."""
    model.eval()
    outputs = torch.cat([model(batch) for batch in images.split(256)])
    return transform.inverse(outputs.squeeze(1))


def rmse(y_true: Tensor, y_pred: Tensor) -> float:
    return math.sqrt(_errors(y_true, y_pred).pow(2).mean().item())


def mae(y_true: Tensor, y_pred: Tensor) -> float:
    return _errors(y_true, y_pred).abs().mean().item()


def r2(y_true: Tensor, y_pred: Tensor) -> float:
    y = y_true.double()
    ss_res = _errors(y_true, y_pred).pow(2).sum()
    ss_tot = (y - y.mean()).pow(2).sum()
    return (1.0 - ss_res / ss_tot).item()


def fit_and_evaluate(
    backbone: nn.Module,
    feature_dim: int,
    train_images: Tensor,
    train_prices: Tensor,
    test_images: Tensor,
    test_prices: Tensor,
    *,
    finetune_epochs: int = 0,
    seed: int = 0,
) -> dict:
    """Fit on the training split only, then score the held-out split."""
    torch.manual_seed(seed)
    transform = PriceTransform().fit(train_prices)
    targets = transform.transform(train_prices)
    model = build_regressor(backbone, feature_dim)
    train_head(model, train_images, targets)
    if finetune_epochs > 0:
        fine_tune(model, train_images, targets, epochs=finetune_epochs)
    predictions = predict(model, transform, test_images)
    return {
        "predictions": predictions,
        "rmse": rmse(test_prices, predictions),
        "mae": mae(test_prices, predictions),
        "r2": r2(test_prices, predictions),
        "model": model,
        "transform": transform,
    }


@torch.no_grad()
def _features(backbone: nn.Module, images: Tensor) -> Tensor:
    backbone.eval()
    return torch.cat([backbone(batch) for batch in images.split(256)])


def _errors(y_true: Tensor, y_pred: Tensor) -> Tensor:
    return y_pred.double() - y_true.double()
