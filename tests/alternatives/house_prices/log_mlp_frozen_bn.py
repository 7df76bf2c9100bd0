"""Alternative style (timm-like): a log-only target transform, backbone BatchNorm layers
swapped for torchvision's FrozenBatchNorm2d when the regressor is built, an MLP head whose
last bias starts at the mean target, mini-batch training through a DataLoader over cached
features, and an explicit module class with `features` / `regressor` attributes."""

from __future__ import annotations

import torch
from torch import Tensor, nn
from torchvision.ops import FrozenBatchNorm2d


class PriceTransform:
    """Natural log of the price: nothing to fit."""

    def fit(self, prices: Tensor) -> PriceTransform:
        return self

    def transform(self, prices: Tensor) -> Tensor:
        return prices.log()

    def inverse(self, values: Tensor) -> Tensor:
        return values.exp()


def _freeze_batchnorm(module: nn.Module) -> None:
    for name, child in module.named_children():
        if isinstance(child, nn.BatchNorm2d):
            frozen = FrozenBatchNorm2d(child.num_features, eps=child.eps).to(child.weight.device)
            for key in ("weight", "bias", "running_mean", "running_var"):
                getattr(frozen, key).copy_(getattr(child, key).detach())
            setattr(module, name, frozen)
        else:
            _freeze_batchnorm(child)


class Regressor(nn.Module):
    def __init__(self, backbone: nn.Module, feature_dim: int, hidden: int = 64):
        super().__init__()
        self.features = backbone
        self.regressor = nn.Sequential(nn.Linear(feature_dim, hidden), nn.ReLU(), nn.Linear(hidden, 1))

    def forward(self, x: Tensor) -> Tensor:
        return self.regressor(self.features(x))


def build_regressor(backbone: nn.Module, feature_dim: int) -> nn.Module:
    _freeze_batchnorm(backbone)
    device = next(backbone.parameters()).device
    return Regressor(backbone, feature_dim).to(device)


def train_head(model: nn.Module, images: Tensor, targets: Tensor, *, epochs: int = 60, lr: float = 1e-2) -> nn.Module:
    model.features.requires_grad_(False)
    with torch.no_grad():
        features = model.features(images)
        model.regressor[-1].bias.fill_(targets.mean().item())
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(features, targets), batch_size=128, shuffle=True)
    optimizer = torch.optim.Adam(model.regressor.parameters(), lr=lr)
    model.regressor.train()
    for _ in range(epochs):
        for x, y in loader:
            loss = ((model.regressor(x).squeeze(-1) - y) ** 2).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return model


def fine_tune(model: nn.Module, images: Tensor, targets: Tensor, *, epochs: int = 4, lr: float = 1e-4) -> nn.Module:
    model.requires_grad_(True)
    model.train()
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(images, targets), batch_size=64, shuffle=True)
    for _ in range(epochs):
        for x, y in loader:
            loss = ((model(x).squeeze(-1) - y) ** 2).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return model


def predict(model: nn.Module, transform: PriceTransform, images: Tensor) -> Tensor:
    model.eval()
    with torch.no_grad():
        return transform.inverse(model(images).squeeze(-1))


def rmse(y_true: Tensor, y_pred: Tensor) -> float:
    return torch.nn.functional.mse_loss(y_pred.double(), y_true.double()).sqrt().item()


def mae(y_true: Tensor, y_pred: Tensor) -> float:
    return torch.nn.functional.l1_loss(y_pred.double(), y_true.double()).item()


def r2(y_true: Tensor, y_pred: Tensor) -> float:
    y = y_true.double()
    mse = torch.nn.functional.mse_loss(y_pred.double(), y)
    return (1 - mse / y.var(unbiased=False)).item()


def fit_and_evaluate(backbone, feature_dim, train_images, train_prices, test_images, test_prices, *, finetune_epochs=0, seed=0) -> dict:
    torch.manual_seed(seed)
    transform = PriceTransform().fit(train_prices)
    model = build_regressor(backbone, feature_dim)
    targets = transform.transform(train_prices)
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
