"""Training helpers for the vision models (torch; only in the training venv, never in the app).

Used by scripts/train_digits.py and scripts/train_needles.py. Crops are decoded once with the
runtime's own preprocessing (vision.preprocess) and augmented as tensors, a batch at a time.
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from torch import nn
from torch.nn import functional as F

from vision.datasets import Sample
from vision.preprocess import to_array


def load(samples: list[Sample], size: tuple[int, int]) -> torch.Tensor:
    return torch.from_numpy(np.stack([to_array(Image.open(s.path), size) for s in samples]))


def conv(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU())


def small_cnn(outputs: int, height: int, width: int, widths=(32, 64, 128), dropout=0.3) -> nn.Module:
    """Three conv stages with 2×2 pooling, then a linear head on the flattened map.

    Flatten rather than global pooling: where a stroke or a needle is matters.
    """
    a, b, c = widths
    body = nn.Sequential(
        conv(3, a), conv(a, a), nn.MaxPool2d(2),
        conv(a, b), conv(b, b), nn.MaxPool2d(2),
        conv(b, c), nn.MaxPool2d(2),
    )
    features = c * (height // 8) * (width // 8)
    return nn.Sequential(body, nn.Flatten(), nn.Dropout(dropout), nn.Linear(features, outputs))


def augment(
    x: torch.Tensor,
    *,
    max_rotation_deg: float,
    max_shift: float,
    scale: tuple[float, float],
    generator: torch.Generator,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Random affine (rotation, shift, scale), brightness/contrast/colour, blur and noise.

    Returns the images and the rotation applied in degrees (positive turns the picture
    counter-clockwise), so a dial's label can follow the rotation.
    """
    n = x.shape[0]

    def uniform(lo, hi, *shape):
        return torch.rand(n, *shape, generator=generator) * (hi - lo) + lo

    deg = uniform(-max_rotation_deg, max_rotation_deg)
    rad = deg * math.pi / 180
    s = uniform(*scale)
    tx, ty = uniform(-max_shift, max_shift), uniform(-max_shift, max_shift)
    # affine_grid maps output to input coordinates: a positive angle turns the content
    # counter-clockwise on screen (y points down).
    theta = torch.zeros(n, 2, 3)
    theta[:, 0, 0] = torch.cos(rad) / s
    theta[:, 0, 1] = -torch.sin(rad) / s
    theta[:, 1, 0] = torch.sin(rad) / s
    theta[:, 1, 1] = torch.cos(rad) / s
    theta[:, 0, 2] = tx
    theta[:, 1, 2] = ty
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    x = F.grid_sample(x, grid, padding_mode="border", align_corners=False)

    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    contrast = uniform(0.6, 1.4, 1, 1, 1)
    brightness = uniform(-0.25, 0.25, 1, 1, 1)
    colour = uniform(0.85, 1.15, 3, 1, 1)
    x = (x - mean) * contrast + mean + brightness
    x = x * colour
    gray = torch.rand(n, 1, 1, 1, generator=generator) < 0.15
    x = torch.where(gray, x.mean(dim=1, keepdim=True).expand_as(x), x)

    blur = torch.rand(n, generator=generator) < 0.35
    if blur.any():
        sigma = float(uniform(0.5, 1.2).mean())
        k = torch.arange(-2, 3, dtype=torch.float32)
        k = torch.exp(-(k**2) / (2 * sigma**2))
        k = k / k.sum()
        kernel = (k[:, None] * k[None, :]).expand(3, 1, 5, 5).contiguous()
        blurred = F.conv2d(F.pad(x[blur], (2, 2, 2, 2), mode="replicate"), kernel, groups=3)
        x = x.clone()
        x[blur] = blurred
    x = x + torch.randn(x.shape, generator=generator) * uniform(0, 0.03, 1, 1, 1)
    return x.clamp(0, 1), deg


def export_onnx(model: nn.Module, example: torch.Tensor, path: Path, output_name: str) -> None:
    """ONNX with a dynamic batch axis, weights inlined in the one file."""
    import onnx

    model.eval()
    tmp = path.with_suffix(".tmp.onnx")
    torch.onnx.export(
        model,
        (example,),
        str(tmp),
        input_names=["image"],
        output_names=[output_name],
        dynamic_axes={"image": {0: "batch"}, output_name: {0: "batch"}},
        opset_version=18,
        dynamo=False,
    )
    proto = onnx.load(str(tmp))
    onnx.save(proto, str(path))
    tmp.unlink()
    for extra in path.parent.glob(tmp.name + "*"):
        extra.unlink()


def timed(label: str):
    start = time.perf_counter()

    def done():
        print(f"{label}: {time.perf_counter() - start:.1f} s", flush=True)

    return done
