"""Style: device-agnostic code that leans on what CUDA allows. The head is built on the
CPU and the whole regressor moved with .to(device) after building (the backbone's
Parameter objects stay the same); batches are drawn with a CPU permutation indexing images
on the GPU; the transform keeps its statistics as 0-dim CPU tensors mixed into GPU
arithmetic (one CPU scalar per binary op); fine-tuning uses SGD with momentum, created
before `model.eval()`, with the gradients cleared after each step; scores via float()."""

from __future__ import annotations

import torch
from torch import Tensor, nn


class PriceTransform:
    def fit(self, prices: Tensor) -> PriceTransform:
        logs = prices.double().log()
        self.mean = torch.tensor(logs.mean().item())
        self.std = torch.tensor(logs.std().item())
        return self

    def transform(self, prices: Tensor) -> Tensor:
        return ((prices.double().log() - self.mean) / self.std).to(prices.dtype)

    def inverse(self, values: Tensor) -> Tensor:
        return (values.double() * self.std + self.mean).exp().to(values.dtype)


class Regressor(nn.Module):
    def __init__(self, backbone: nn.Module, feature_dim: int):
        super().__init__()
        self.backbone = backbone
        self.head = nn.Linear(feature_dim, 1)

    def forward(self, images: Tensor) -> Tensor:
        return self.head(self.backbone(images))


def build_regressor(backbone: nn.Module, feature_dim: int) -> nn.Module:
    device = next(backbone.parameters()).device
    return Regressor(backbone, feature_dim).to(device)


def train_head(model: nn.Module, images: Tensor, targets: Tensor, *, epochs: int = 200, lr: float = 0.05) -> nn.Module:
    model.backbone.requires_grad_(False)
    model.backbone.eval()
    with torch.no_grad():
        features = model.backbone(images)
    optimizer = torch.optim.Adam(model.head.parameters(), lr=lr)
    for _ in range(epochs):
        loss = (model.head(features).squeeze(1) - targets).pow(2).mean()
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=False)
    return model


def fine_tune(model: nn.Module, images: Tensor, targets: Tensor, *, epochs: int = 3, lr: float = 1e-4) -> nn.Module:
    model.requires_grad_(True)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    model.eval()
    for _ in range(epochs):
        order = torch.randperm(len(images))
        for batch in order.split(32):
            loss = nn.functional.mse_loss(model(images[batch]).squeeze(1), targets[batch])
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
    return model


def predict(model: nn.Module, transform: PriceTransform, images: Tensor) -> Tensor:
    model.eval()
    with torch.no_grad():
        return transform.inverse(model(images)[:, 0])


def rmse(y_true: Tensor, y_pred: Tensor) -> float:
    return float((y_true.double() - y_pred.double()).pow(2).mean().sqrt())


def mae(y_true: Tensor, y_pred: Tensor) -> float:
    return float((y_true.double() - y_pred.double()).abs().mean())


def r2(y_true: Tensor, y_pred: Tensor) -> float:
    y = y_true.double()
    return float(1 - (y - y_pred.double()).pow(2).sum() / (y - y.mean()).pow(2).sum())


def fit_and_evaluate(backbone, feature_dim, train_images, train_prices, test_images, test_prices, *,
                     finetune_epochs=0, seed=0) -> dict:
    torch.manual_seed(seed)
    transform = PriceTransform().fit(train_prices)
    targets = transform.transform(train_prices)
    model = build_regressor(backbone, feature_dim)
    train_head(model, train_images, targets)
    if finetune_epochs:
        fine_tune(model, train_images, targets, epochs=finetune_epochs)
    predictions = predict(model, transform, test_images)
    return {"predictions": predictions, "rmse": rmse(test_prices, predictions), "mae": mae(test_prices, predictions),
            "r2": r2(test_prices, predictions), "model": model, "transform": transform}
