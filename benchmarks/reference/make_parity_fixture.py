"""Writes Tests/EngineTests/Fixtures/skip_parity.safetensors: a small reference skip net's
weights (in dip's order), its input, target, output, MSE loss, every gradient, and the losses of
three Adam steps. Tests/EngineTests/ParityTests.swift loads it and must match.

Run: python3 benchmarks/reference/make_parity_fixture.py   (needs torch; CPU is fine)
"""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(__file__))
from dip_reference import SkipBuilder, write_safetensors  # noqa: E402

CONFIG = {
    "input_channels": 4, "output_channels": 3, "down": [8] * 5, "up": [8] * 5, "skip": [4] * 5,
    "upsample": ["bilinear", "bilinear", "nearest", "bilinear", "bilinear"], "size": 64, "lr": 0.01,
}


def main():
    torch.manual_seed(2018)
    torch.set_num_threads(2)
    c = CONFIG
    builder = SkipBuilder(gamma_uniform=True)
    net = builder.skip(c["input_channels"], c["output_channels"], c["down"], c["up"], c["skip"], c["upsample"])
    net.train()
    n = c["size"]
    z = torch.rand(1, c["input_channels"], n, n) * 0.1
    target = torch.rand(1, c["output_channels"], n, n)
    initial = builder.engine_tensors()

    out = net(z)
    loss = torch.nn.functional.mse_loss(out, target)
    loss.backward()
    grads = builder.engine_tensors(grads=True)

    # Three Adam steps from the same start (no input jitter), as dip's Trainer runs them.
    opt = torch.optim.Adam(net.parameters(), lr=c["lr"])
    opt.zero_grad()
    losses = []
    for _ in range(3):
        opt.zero_grad()
        l = torch.nn.functional.mse_loss(net(z), target)
        l.backward()
        opt.step()
        losses.append(l.item())

    tensors = [("param/" + k, v) for k, v in initial] + [("grad/" + k, v) for k, v in grads]
    tensors += [("z", z[0]), ("target", target[0]), ("output", out[0].detach())]
    meta = {"loss": repr(loss.item()), "adam_losses": json.dumps(losses), "config": json.dumps(c),
            "torch": torch.__version__}
    path = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "EngineTests", "Fixtures",
                        "skip_parity.safetensors")
    write_safetensors(path, tensors, meta)
    print("wrote", os.path.normpath(path), "loss", loss.item(), "adam", losses)


if __name__ == "__main__":
    main()
