"""Train the pointer-dial regressor (value 0.0–9.9) and export vision/models/needles.onnx.

The model predicts (sin, cos) of the needle angle, so 9.9 and 0.0 are neighbours.
Run in the training venv (see vision/models/README.md):
    .venv-train/bin/python scripts/train_needles.py [--datasets ../shared/datasets] [--epochs 200]
Only the training split is used; the held-out split is for `shuiwu vision eval`.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from vision import datasets, training  # noqa: E402
from vision.needles import dial_error, value_from_sincos  # noqa: E402
from vision.preprocess import NEEDLE_SIZE  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--datasets", type=Path, default=datasets.default_root())
    parser.add_argument("--epochs", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=ROOT / "vision/models/needles.onnx")
    args = parser.parse_args()
    torch.manual_seed(args.seed)
    torch.set_num_threads(2)
    gen = torch.Generator().manual_seed(args.seed)

    train, held = datasets.needles(args.datasets)
    width, height = NEEDLE_SIZE
    x = training.load(train, NEEDLE_SIZE)
    values = torch.tensor([float(s.label) for s in train])
    print(f"train {len(train)} crops, held out {len(held)} (not used here)", flush=True)

    model = training.small_cnn(2, height, width, widths=(32, 64, 128), dropout=0.2)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=1e-3)
    batch = 64
    steps = args.epochs * ((len(x) + batch - 1) // batch)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, total_steps=steps)
    done = training.timed("training")
    for epoch in range(args.epochs):
        model.train()
        order = torch.randperm(len(x), generator=gen)
        total = 0.0
        for i in range(0, len(x), batch):
            idx = order[i : i + batch]
            xb, deg = training.augment(
                x[idx], max_rotation_deg=8, max_shift=0.06, scale=(0.92, 1.08), generator=gen
            )
            # Turning the picture counter-clockwise by d degrees moves a clockwise dial back
            # by d/36 of a unit.
            v = (values[idx] - deg / 36.0) % 10.0
            angle = v * (2 * math.pi / 10.0)
            target = torch.stack([torch.sin(angle), torch.cos(angle)], dim=1)
            loss = torch.nn.functional.mse_loss(model(xb), target)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss.detach()) * len(idx)
        if epoch % 10 == 0 or epoch == args.epochs - 1:
            print(f"epoch {epoch:3d} loss {total / len(x):.5f}", flush=True)
    done()

    model.eval()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    training.export_onnx(model, x[:1], args.out, "sincos")
    print(f"wrote {args.out} ({args.out.stat().st_size / 1024:.0f} KiB)")

    import onnxruntime as ort

    sess = ort.InferenceSession(str(args.out), providers=["CPUExecutionProvider"])
    xh = training.load(held, NEEDLE_SIZE).numpy()
    out = sess.run(None, {"image": xh})[0]
    pred = value_from_sincos(out)
    truth = np.array([float(s.label) for s in held])
    print(f"held-out MAE (wrap-aware) {dial_error(pred, truth).mean():.4f}; see `shuiwu vision eval`")


if __name__ == "__main__":
    main()
