"""The reference DIP `skip` net in PyTorch, rebuilt from dip-spec.md §2–§3 (models/skip.py and
models/common.py of DmitryUlyanov/deep-image-prior), plus the safetensors I/O the scripts share.

While building, it records every parameter under the name dip's Swift engine gives it, in the
engine's declaration order, together with the channel permutation the engine's storage needs:
dip concatenates [deeper | skip] where the reference concatenates [skip | deeper], so the merge
BatchNorm and the conv after it hold their channels rotated.
"""
import json
import struct

import torch
import torch.nn as nn


class Concat(nn.Module):
    """Runs each branch on the input, centre-crops to the smallest H and W, concatenates."""

    def __init__(self, *branches):
        super().__init__()
        for i, b in enumerate(branches):
            self.add_module(str(i), b)

    def forward(self, x):
        outs = [m(x) for m in self._modules.values()]
        h = min(o.shape[2] for o in outs)
        w = min(o.shape[3] for o in outs)
        cropped = []
        for o in outs:
            dh = (o.shape[2] - h) // 2
            dw = (o.shape[3] - w) // 2
            cropped.append(o[:, :, dh:dh + h, dw:dw + w])
        return torch.cat(cropped, dim=1)


class SkipBuilder:
    def __init__(self, gamma_uniform=True):
        self.exports = []  # (engine name, parameter, permutation of dim 0 or 1, which dim)
        self.gamma_uniform = gamma_uniform

    def conv(self, cin, cout, k, name, stride=1, pad="reflection", perm=None):
        p = (k - 1) // 2
        layers = []
        if pad == "reflection" and p > 0:
            layers.append(nn.ReflectionPad2d(p))
        c = nn.Conv2d(cin, cout, k, stride, padding=0 if pad == "reflection" else p, bias=True)
        layers.append(c)
        self.exports.append((name + ".weight", c.weight, perm, 1))
        self.exports.append((name + ".bias", c.bias, None, 0))
        return layers

    def bn(self, c, name, perm=None):
        b = nn.BatchNorm2d(c)
        if self.gamma_uniform:
            nn.init.uniform_(b.weight)  # PyTorch <= 1.1 default, which the authors ran
        self.exports.append((name + ".weight", b.weight, perm, 0))
        self.exports.append((name + ".bias", b.bias, perm, 0))
        return b

    def block(self, cin, cout, k, name, stride=1, perm=None):
        return self.conv(cin, cout, k, name, stride, perm=perm) + [self.bn(cout, name + ".bn"), nn.LeakyReLU(0.2)]

    def skip(self, cin, cout, down, up, skip, upsample):
        """models/skip.py with filter sizes 3/3/1, stride downsampling, need1x1_up, sigmoid."""
        levels = len(down)

        def level(i, cin_i):
            name = f"level{i}"
            # Registration order matters: it is the engine's parameter order.
            skip_branch = None
            if skip[i] > 0:
                skip_branch = nn.Sequential(*self.block(cin_i, skip[i], 1, name + ".skip"))
            deeper = self.block(cin_i, down[i], 3, name + ".down1", stride=2)
            deeper += self.block(down[i], down[i], 3, name + ".down2")
            k = down[i]
            if i < levels - 1:
                deeper.append(level(i + 1, down[i]))
                k = up[i + 1]
            deeper.append(nn.Upsample(scale_factor=2, mode=upsample[i],
                                      **({} if upsample[i] == "nearest" else {"align_corners": False})))
            deeper = nn.Sequential(*deeper)
            s = skip[i]
            perm = list(range(s, s + k)) + list(range(s)) if s > 0 else None
            body = [Concat(skip_branch, deeper)] if s > 0 else [deeper]
            body.append(self.bn(s + k, name + ".merge.bn", perm))
            body += self.block(s + k, up[i], 3, name + ".up", perm=perm)
            body += self.block(up[i], up[i], 1, name + ".up1x1")
            return nn.Sequential(*body)

        net = [level(0, cin)] + self.conv(up[0], cout, 1, "output.conv") + [nn.Sigmoid()]
        return nn.Sequential(*net)

    def engine_tensors(self, grads=False):
        """Every parameter (or its gradient) in engine order and engine channel order."""
        out = []
        for name, p, perm, dim in self.exports:
            t = (p.grad if grads else p).detach().clone()
            if perm is not None:
                t = t.index_select(dim, torch.tensor(perm))
            out.append((name, t.contiguous()))
        return out

    def load_engine_tensors(self, tensors):
        for name, p, perm, dim in self.exports:
            t = torch.from_numpy(tensors[name].copy()) if hasattr(tensors[name], "copy") else tensors[name]
            t = torch.as_tensor(t).reshape(p.shape)
            if perm is not None:
                inverse = [0] * len(perm)
                for i, j in enumerate(perm):
                    inverse[j] = i
                t = t.index_select(dim, torch.tensor(inverse))
            with torch.no_grad():
                p.copy_(t)


def write_safetensors(path, tensors, metadata):
    """tensors: list of (name, float32 tensor). Written without the safetensors package."""
    header, blobs, offset = {}, [], 0
    for name, t in tensors:
        data = t.detach().to(torch.float32).contiguous().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    header["__metadata__"] = {k: str(v) for k, v in metadata.items()}
    raw = json.dumps(header, sort_keys=True).encode()
    raw += b" " * (-len(raw) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for b in blobs:
            f.write(b)
