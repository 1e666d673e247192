#!/usr/bin/python3
"""The peer of bench/gpu/device_check.sh on the device: PyTorch eager on the same GPU.

  torch_peer.py gemm N DTYPE        C = A @ B, N x N x N, DTYPE f32 | f16 | bf16 (cuBLAS)
  torch_peer.py resnet50 BATCH      ResNet-50 v1.5 forward, float32, random weights

Prints one JSON line: {"workload", "median_ms", "tflops"?, "device"}. Timed with CUDA events,
median of the timed runs after warm-up runs. f32 GEMM runs with TF32 off (full fp32, what Kiln's
f32 kernels compute).
"""
import json
import sys

import torch

DTYPES = {"f32": torch.float32, "f16": torch.float16, "bf16": torch.bfloat16}


def timed(fn, warmup=10, runs=50):
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(runs):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        end.record()
        end.synchronize()
        times.append(start.elapsed_time(end))
    times.sort()
    return times[len(times) // 2]


def resnet50():
    """torchvision's resnet50 when it is installed, else the same architecture (v1.5: the
    stride on the 3x3 convolution of each bottleneck) written out."""
    try:
        import torchvision
        return torchvision.models.resnet50()
    except ImportError:
        pass
    nn = torch.nn

    class Bottleneck(nn.Module):
        def __init__(self, cin, width, stride):
            super().__init__()
            cout = width * 4
            self.body = nn.Sequential(
                nn.Conv2d(cin, width, 1, bias=False), nn.BatchNorm2d(width), nn.ReLU(True),
                nn.Conv2d(width, width, 3, stride, 1, bias=False), nn.BatchNorm2d(width),
                nn.ReLU(True), nn.Conv2d(width, cout, 1, bias=False), nn.BatchNorm2d(cout))
            self.down = None
            if stride != 1 or cin != cout:
                self.down = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False),
                                          nn.BatchNorm2d(cout))

        def forward(self, x):
            return torch.relu(self.body(x) + (x if self.down is None else self.down(x)))

    layers = [nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU(True),
              nn.MaxPool2d(3, 2, 1)]
    cin = 64
    for width, blocks, stride in ((64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2)):
        for b in range(blocks):
            layers.append(Bottleneck(cin, width, stride if b == 0 else 1))
            cin = width * 4
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(2048, 1000)]
    return nn.Sequential(*layers)


def main():
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    device = torch.cuda.get_device_name(0)
    if len(sys.argv) == 4 and sys.argv[1] == "gemm":
        n, dtype = int(sys.argv[2]), DTYPES[sys.argv[3]]
        a = torch.randn(n, n, device="cuda", dtype=dtype)
        b = torch.randn(n, n, device="cuda", dtype=dtype)
        ms = timed(lambda: torch.matmul(a, b))
        print(json.dumps({"workload": f"gemm {n}^3 {sys.argv[3]}", "median_ms": ms,
                          "tflops": 2 * n**3 / ms / 1e9, "device": device}))
    elif len(sys.argv) == 3 and sys.argv[1] == "resnet50":
        batch = int(sys.argv[2])
        torch.manual_seed(0)
        model = resnet50().cuda().eval()
        x = torch.randn(batch, 3, 224, 224, device="cuda")
        with torch.no_grad():
            ms = timed(lambda: model(x), warmup=5, runs=30)
        print(json.dumps({"workload": f"resnet50 batch {batch} f32", "median_ms": ms,
                          "device": device}))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
