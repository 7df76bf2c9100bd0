"""House prices on a pretrained backbone (question 9).

Predict the price of a house from its picture with a CNN backbone pretrained on a related
source task: a regression head with one output and no output activation, a target
transform fitted on the training prices and inverted at prediction, a first phase that
trains only the head on the frozen backbone, an optional fine-tuning phase, and RMSE,
MAE and R^2 on a held-out split. Implement everything below.

The data (grader.fixtures.houses_data.target_splits() gives the grader's own):
- An image is a float32 tensor (3, 32, 32) with values in [0, 1]: one house, drawn from
  its floors, width, windows, garage and pool; a batch of images is (N, 3, 32, 32).
  Feed the images to the backbone as they are (no resizing or normalisation needed).
- A price is in dollars, float32, between about 100 000 and 1 500 000; prices is (N,).
- The backbone (grader.fixtures.houses_data.load_backbone()) is an nn.Module mapping
  images (N, 3, 32, 32) to features (N, feature_dim), feature_dim = 32; the source
  task's classifier is already removed. It contains BatchNorm layers. The backbone, the
  images and the prices may be on the CPU or a GPU (CUDA), all on one device: keep every
  new tensor and module (the head, indices, predictions) on it.

Budget: fit_and_evaluate on 512 training and 256 held-out images must finish in a few
seconds on a laptop CPU (the grader trains your model four times).
"""

from __future__ import annotations

from torch import Tensor, nn


class PriceTransform:
    """The target transform: prices (dollars) <-> model units.

    Use a log, a standardisation ((y - mean) / std), or a log followed by a
    standardisation; its statistics come from the prices passed to `fit` and nothing else.

    - `fit(prices)` learns the statistics from `prices` (N,) and returns `self`; a later
      `fit` replaces them.
    - `transform(prices)` maps prices (N,) to model units (N,): small numbers (well
      within +-20), never raw dollars.
    - `inverse(values)` maps model units (N,) back to dollars (N,):
      `inverse(transform(p))` equals `p` up to float rounding.
    """

    def fit(self, prices: Tensor) -> PriceTransform:
        raise NotImplementedError

    def transform(self, prices: Tensor) -> Tensor:
        raise NotImplementedError

    def inverse(self, values: Tensor) -> Tensor:
        raise NotImplementedError


def build_regressor(backbone: nn.Module, feature_dim: int) -> nn.Module:
    """A regressor made of `backbone` and a new head: images (N, 3, 32, 32) -> (N, 1).
    Returns the regressor, an `nn.Module`.

    - It holds `backbone` itself (the same object and parameters, not a copy), so that
      training the regressor's backbone trains `backbone`.
    - The head maps the backbone's `feature_dim` features to ONE output in model units
      (the PriceTransform's units); the output layer is linear, with nothing after it
      (no ReLU, sigmoid or softplus): model units can be any real number.
    - The head may be a single Linear or a small MLP ending in a Linear; it is on the
      backbone's device. The backbone's weights are not changed here.
    """
    raise NotImplementedError


def train_head(model: nn.Module, images: Tensor, targets: Tensor, *, epochs: int = 200, lr: float = 5e-2) -> nn.Module:
    """Phase one: train only the head, the backbone frozen. Returns `model`.

    `model` comes from `build_regressor`; `targets` (N,) are already in model units (they
    may be any real numbers, negative ones included). Minimise the mean squared error
    between `model(images)[:, 0]` and `targets` until the head fits them.

    Frozen means the backbone's function does not change: its parameters AND its
    BatchNorm running statistics come out exactly as they went in (run it in eval mode;
    computing its features once and training the head on them is the fast way). Choose
    the defaults of `epochs` and `lr` so that the call with defaults trains the head well;
    the grader always uses your defaults here (a head solved in closed form may ignore
    them). The optimiser, batch size and initialisation are yours.
    """
    raise NotImplementedError


def fine_tune(model: nn.Module, images: Tensor, targets: Tensor, *, epochs: int = 4, lr: float = 1e-4) -> nn.Module:
    """Phase two (optional in the protocol): train the whole regressor, backbone
    included, minimising the MSE to `targets` (model units). Returns `model`.

    - It makes exactly `epochs` passes over `images`: each pass trains on every image
      once (a batch or two left out by `drop_last` is fine); the batch size, the
      optimiser and the shuffling are yours.
    - Each optimiser step follows the gradient of its own batch: `loss.backward()` adds
      to `.grad`, so clear the gradients between steps (accumulating a few
      micro-batches into one step is fine).
    - `lr` is the learning rate (the largest, if you use several): the caller's value
      when given, with a small default. With `lr=0` no weight moves.
    - The backbone's weights must change and the outputs must stay finite. Whether
      BatchNorm layers update their statistics here is your choice.
    - The default of `epochs` is yours: the protocol always passes it.
    """
    raise NotImplementedError


def predict(model: nn.Module, transform: PriceTransform, images: Tensor) -> Tensor:
    """Prices (N,) in dollars for `images`: `transform.inverse` of the model's output,
    computed in eval mode without gradients, on the images' device."""
    raise NotImplementedError


def rmse(y_true: Tensor, y_pred: Tensor) -> float:
    """Root mean squared error of two (N,) tensors, a Python float in the units of y."""
    raise NotImplementedError


def mae(y_true: Tensor, y_pred: Tensor) -> float:
    """Mean absolute error of two (N,) tensors, a Python float."""
    raise NotImplementedError


def r2(y_true: Tensor, y_pred: Tensor) -> float:
    """Coefficient of determination 1 - SS_res / SS_tot, a Python float.

    SS_res = sum((y_true - y_pred)^2), SS_tot = sum((y_true - mean(y_true))^2): 1 for
    perfect predictions, 0 for predicting mean(y_true), negative when worse than that.
    `y_true` is never constant here.
    """
    raise NotImplementedError


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
    """The whole protocol; returns the held-out results.

    1. `torch.manual_seed(seed)` first: use only torch's random number generator, so that
       two calls with the same arguments return the same predictions, whatever was
       seeded (torch, NumPy or Python's `random`) before the call.
    2. Fit a PriceTransform on `train_prices` and turn them into targets.
    3. `build_regressor(backbone, feature_dim)`, then `train_head` on the training split.
    4. If `finetune_epochs > 0`: `fine_tune(..., epochs=finetune_epochs)` on the training
       split (`backbone` is trained in place). With 0, the default, `backbone` comes out
       unchanged, its BatchNorm statistics included.
    5. Predict the held-out prices and score them.

    The held-out split is for scoring only: `test_prices` must not influence the model,
    the transform or the predictions in any way.

    Returns {"predictions": (N_test,) tensor of prices in dollars, "rmse": float,
    "mae": float, "r2": float (Python floats, the three computed on the held-out split
    with the functions above), "model": the trained regressor, "transform": the fitted
    PriceTransform}; "predictions" are `predict(model, transform, test_images)` of those two.
    """
    raise NotImplementedError
