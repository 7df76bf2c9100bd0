"""Alternative style: standardised prices without a log, a head solved in closed form
(ridge regression on the frozen features, written into an nn.Linear), an nn.Sequential
regressor, AdamW fine-tuning with BatchNorm in train mode, and numpy metrics."""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor, nn

RIDGE = 1e-3


class PriceTransform:
    def fit(self, prices: Tensor) -> PriceTransform:
        values = prices.detach().double().cpu().numpy()
        self.center, self.scale = float(values.mean()), float(values.std())
        return self

    def transform(self, prices: Tensor) -> Tensor:
        return (prices - self.center) / self.scale

    def inverse(self, values: Tensor) -> Tensor:
        return values * self.scale + self.center


def build_regressor(backbone: nn.Module, feature_dim: int) -> nn.Module:
    head = nn.Linear(feature_dim, 1)
    return nn.Sequential(backbone, head.to(next(backbone.parameters()).device))


def train_head(model: nn.Module, images: Tensor, targets: Tensor, *, epochs: int = 1, lr: float = 0.0) -> nn.Module:
    """Closed form: `epochs` and `lr` are unused."""
    backbone, head = model[0], model[1]
    for p in backbone.parameters():
        p.requires_grad = False
    backbone.eval()
    with torch.inference_mode():
        features = backbone(images).double()
    design = torch.cat([features, torch.ones(len(features), 1, dtype=torch.float64, device=features.device)], dim=1)
    gram = design.T @ design + RIDGE * torch.eye(design.shape[1], dtype=torch.float64, device=design.device)
    solution = torch.linalg.solve(gram, design.T @ targets.double().to(design.device))
    with torch.no_grad():
        head.weight.copy_(solution[:-1].unsqueeze(0))
        head.bias.copy_(solution[-1:])
    return model


def fine_tune(model: nn.Module, images: Tensor, targets: Tensor, *, epochs: int = 3, lr: float = 5e-5) -> nn.Module:
    for p in model.parameters():
        p.requires_grad = True
    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-4)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(images, targets), batch_size=32, shuffle=True)
    for _ in range(epochs):
        for x, y in loader:
            optimizer.zero_grad()
            nn.functional.mse_loss(model(x).view(-1), y).backward()
            optimizer.step()
    return model.eval()


def predict(model: nn.Module, transform: PriceTransform, images: Tensor) -> Tensor:
    model.eval()
    with torch.inference_mode():
        return transform.inverse(model(images).view(-1)).clone()


def _arrays(y_true: Tensor, y_pred: Tensor) -> tuple[np.ndarray, np.ndarray]:
    return y_true.detach().cpu().double().numpy(), y_pred.detach().cpu().double().numpy()


def rmse(y_true: Tensor, y_pred: Tensor) -> float:
    y, p = _arrays(y_true, y_pred)
    return float(np.sqrt(np.mean((y - p) ** 2)))


def mae(y_true: Tensor, y_pred: Tensor) -> float:
    y, p = _arrays(y_true, y_pred)
    return float(np.mean(np.abs(y - p)))


def r2(y_true: Tensor, y_pred: Tensor) -> float:
    y, p = _arrays(y_true, y_pred)
    return float(1 - np.sum((y - p) ** 2) / np.sum((y - y.mean()) ** 2))


def fit_and_evaluate(backbone, feature_dim, train_images, train_prices, test_images, test_prices, *, finetune_epochs=0, seed=0) -> dict:
    torch.manual_seed(seed)
    transform = PriceTransform().fit(train_prices)
    targets = transform.transform(train_prices)
    model = build_regressor(backbone, feature_dim)
    train_head(model, train_images, targets)
    if finetune_epochs:
        fine_tune(model, train_images, targets, epochs=finetune_epochs)
    predictions = predict(model, transform, test_images)
    scores = {name: fn(test_prices, predictions) for name, fn in (("rmse", rmse), ("mae", mae), ("r2", r2))}
    return {"predictions": predictions, **scores, "model": model, "transform": transform}
