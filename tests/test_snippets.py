"""Every ```python block of every model answer and follow-up answer, in both languages,
runs against small offline stand-ins (quiz/content/README.md, "Snippets that run").

- Pretrained weights: every torchvision model builder is wrapped so that `weights=...`
  and `weights_backbone=...` become None (the architecture is the same, the weights are
  random), and any attempt to download a checkpoint fails at once.
- Data: the names in `STAND_INS` (tiny tensors, a few batches) are put in the snippet's
  namespace; everything else a snippet uses it must import or define itself.
- zh and en blocks of a question must be the same code: identical token streams once
  comments are dropped (comments may be translated, nothing else).
"""

from __future__ import annotations

import inspect
import io
import re
import sys
import time
import tokenize
import warnings

import pytest

from quiz.questions.bank import load_questions
from quiz.text.lang import LANGS

torch = pytest.importorskip("torch")
torchvision = pytest.importorskip("torchvision")
from torch.utils.data import DataLoader, Dataset, TensorDataset  # noqa: E402

QUESTIONS = load_questions()
SNIPPETS = [s for q in QUESTIONS for lang in LANGS for s in q.snippets(lang)]

NUM_CLASSES = 3
IMAGE = (3, 32, 32)
BATCH = 4


def _images(n: int, labels: torch.Tensor, g: torch.Generator, shift: float = 0.0) -> torch.Tensor:
    """Normalised-looking noise with a class-dependent offset (so a model can learn a bit)."""
    x = torch.randn(n, *IMAGE, generator=g)
    return x + 0.5 * labels.float().view(-1, 1, 1, 1) + shift


def _classification(n: int, g: torch.Generator, shift: float = 0.0, shuffle: bool = False) -> DataLoader:
    y = torch.arange(n) % NUM_CLASSES  # every class present
    return DataLoader(TensorDataset(_images(n, y, g, shift), y), batch_size=BATCH, shuffle=shuffle,
                      generator=torch.Generator().manual_seed(0))


class _Houses(Dataset):
    """(image, tabular features, price) with prices in currency units (1e5 .. 3e6)."""

    def __init__(self, n: int, g: torch.Generator):
        self.tabular = torch.randn(n, 4, generator=g)
        log_price = 13.0 + 0.6 * self.tabular[:, 0] + 0.2 * torch.randn(n, generator=g)
        self.price = log_price.exp()
        self.images = torch.randn(n, *IMAGE, generator=g) + 0.3 * self.tabular[:, :1].view(-1, 1, 1, 1)

    def __len__(self) -> int:
        return len(self.price)

    def __getitem__(self, i):
        return self.images[i], self.tabular[i], self.price[i]


def stand_ins() -> dict:
    """The names a snippet may use without defining them (documented in the README)."""
    g = torch.Generator().manual_seed(0)
    return {
        "num_classes": NUM_CLASSES,
        "num_epochs": 1,
        "train_loader": _classification(8, g, shuffle=True),
        "val_loader": _classification(6, g),
        "test_loader": _classification(6, g),
        "source_loader": _classification(8, g, shuffle=True),
        "target_loader": _classification(8, g, shift=0.7, shuffle=True),
        "house_train_loader": DataLoader(_Houses(8, g), batch_size=BATCH, shuffle=True,
                                         generator=torch.Generator().manual_seed(0)),
        "house_val_loader": DataLoader(_Houses(6, g), batch_size=BATCH),
    }


class DownloadBlocked(RuntimeError):
    pass


def _no_download(*args, **kwargs):
    raise DownloadBlocked(
        "a snippet tried to download weights; pass them to a torchvision builder "
        "(weights=...), which the test replaces by weights=None"
    )


def _offline(builder):
    params = inspect.signature(builder).parameters

    def build(*args, **kwargs):
        if "weights" in params:
            kwargs["weights"] = None
        if "weights_backbone" in params:
            kwargs["weights_backbone"] = None
        return builder(*args, **kwargs)

    build.__wrapped__ = builder
    build.__name__ = getattr(builder, "__name__", "build")
    return build


@pytest.fixture
def offline_torchvision(monkeypatch):
    """Every torchvision model builder, wherever it is imported from, ignores weights."""
    from torchvision.models import _api

    originals = {id(fn): fn for fn in _api.BUILTIN_MODELS.values()}
    wrapped = {key: _offline(fn) for key, fn in originals.items()}
    for name, module in list(sys.modules.items()):
        if not (name == "torchvision.models" or name.startswith("torchvision.models.")) or module is None:
            continue
        for attr, value in list(vars(module).items()):
            if id(value) in wrapped and value is originals[id(value)]:
                monkeypatch.setattr(module, attr, wrapped[id(value)])
    for fn in list(_api.BUILTIN_MODELS):
        monkeypatch.setitem(_api.BUILTIN_MODELS, fn, wrapped[id(_api.BUILTIN_MODELS[fn])])
    monkeypatch.setattr(_api, "load_state_dict_from_url", _no_download)
    monkeypatch.setattr(torch.hub, "load_state_dict_from_url", _no_download)
    monkeypatch.setattr(torch.hub, "download_url_to_file", _no_download)
    monkeypatch.setattr(torch.hub, "load", _no_download)


@pytest.fixture
def one_thread():
    """Tiny tensors gain nothing from intra-op threads, and on a busy 2-core machine
    oversubscription makes them many times slower."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.mark.parametrize("snippet", SNIPPETS, ids=[s.label for s in SNIPPETS])
def test_snippet_runs(snippet, offline_torchvision, one_thread, capsys):
    namespace = {"__name__": "__snippet__", **stand_ins()}
    torch.manual_seed(0)
    code = compile(snippet.code, f"<{snippet.label}: {snippet.where}>", "exec")
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        exec(code, namespace)
    elapsed = time.perf_counter() - started
    out = capsys.readouterr().out
    assert not re.search(r"\bnan\b", out, re.I), f"{snippet.label} printed NaN:\n{out}"
    assert elapsed < 20, f"{snippet.label} took {elapsed:.1f}s; keep snippets tiny"


def _tokens(code: str) -> list[tuple[int, str]]:
    skip = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT,
            tokenize.ENCODING, tokenize.ENDMARKER}
    return [(t.type, t.string) for t in tokenize.generate_tokens(io.StringIO(code).readline)
            if t.type not in skip]


@pytest.mark.parametrize("q", QUESTIONS, ids=[f"q{q.id:02d}" for q in QUESTIONS])
def test_snippets_are_the_same_code_in_both_languages(q):
    zh, en = q.snippets("zh"), q.snippets("en")
    assert len(zh) == len(en), f"q{q.id:02d}: {len(zh)} python blocks in zh, {len(en)} in en"
    for a, b in zip(zh, en):
        assert a.where == b.where, f"{a.label} is in {a.where} but {b.label} is in {b.where}"
        assert _tokens(a.code) == _tokens(b.code), (
            f"{a.label} and {b.label} differ in more than comments"
        )


def test_coding_questions_show_code():
    for q in QUESTIONS:
        if q.kind == "coding":
            assert q.snippets("en"), f"q{q.id:02d} is a coding question without a python block"


def test_stand_ins_block_downloads(offline_torchvision):
    from torchvision import models

    model = models.resnet18(weights="IMAGENET1K_V1")
    assert model.fc.out_features == 1000
    with pytest.raises(DownloadBlocked):
        models.ResNet18_Weights.IMAGENET1K_V1.get_state_dict(progress=False)
