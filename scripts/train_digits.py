"""Train the digit-wheel classifier (0–9 and NaN) and export vision/models/digits.onnx.

Run in the training venv (see vision/models/README.md):
    .venv-train/bin/python scripts/train_digits.py [--datasets ../shared/datasets] [--epochs 150]
Only the training split is used; the held-out split is for `shuiwu vision eval`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

from vision import datasets, training  # noqa: E402
from vision.preprocess import DIGIT_SIZE  # noqa: E402


class WithSoftmax(nn.Module):
    def __init__(self, net: nn.Module):
        super().__init__()
        self.net = net

    def forward(self, x):
        return torch.softmax(self.net(x), dim=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--datasets", type=Path, default=datasets.default_root())
    parser.add_argument("--epochs", type=int, default=150)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=ROOT / "vision/models/digits.onnx")
    args = parser.parse_args()
    torch.manual_seed(args.seed)
    torch.set_num_threads(2)
    gen = torch.Generator().manual_seed(args.seed)

    train, held = datasets.digits(args.datasets)
    width, height = DIGIT_SIZE
    x = training.load(train, DIGIT_SIZE)
    y = torch.tensor([datasets.DIGIT_LABELS.index(s.label) for s in train])
    print(f"train {len(train)} crops, held out {len(held)} (not used here)", flush=True)

    model = training.small_cnn(len(datasets.DIGIT_LABELS), height, width)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=1e-3)
    batch = 64
    steps = args.epochs * ((len(x) + batch - 1) // batch)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, total_steps=steps)
    loss_fn = nn.CrossEntropyLoss(label_smoothing=0.05)
    done = training.timed("training")
    for epoch in range(args.epochs):
        model.train()
        order = torch.randperm(len(x), generator=gen)
        total = 0.0
        for i in range(0, len(x), batch):
            idx = order[i : i + batch]
            xb, _ = training.augment(
                x[idx], max_rotation_deg=6, max_shift=0.08, scale=(0.9, 1.1), generator=gen
            )
            loss = loss_fn(model(xb), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss.detach()) * len(idx)
        if epoch % 10 == 0 or epoch == args.epochs - 1:
            print(f"epoch {epoch:3d} loss {total / len(x):.4f}", flush=True)
    done()

    model.eval()
    wrapped = WithSoftmax(model).eval()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    training.export_onnx(wrapped, x[:1], args.out, "probabilities")
    print(f"wrote {args.out} ({args.out.stat().st_size / 1024:.0f} KiB)")

    import onnxruntime as ort

    sess = ort.InferenceSession(str(args.out), providers=["CPUExecutionProvider"])
    xh = training.load(held, DIGIT_SIZE).numpy()
    probs = sess.run(None, {"image": xh})[0]
    with torch.no_grad():
        ref = wrapped(torch.from_numpy(xh)).numpy()
    print(f"onnx vs torch max diff {np.abs(probs - ref).max():.2e}")
    pred = [datasets.DIGIT_LABELS[i] for i in probs.argmax(1)]
    right = sum(p == s.label for p, s in zip(pred, held, strict=True))
    print(f"held-out accuracy (all 11 classes) {right / len(held):.4f}; see `shuiwu vision eval`")


if __name__ == "__main__":
    main()
