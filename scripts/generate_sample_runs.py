"""Generate the bundled sample project: ~500 image-classification runs, the same bytes on every run.

    python scripts/generate_sample_runs.py [OUTPUT]   (default nql_lsp/data/sample_runs.json.gz)

The project looks like a year of work by a small team and two service accounts: backbones and
optimizers swept over datasets, learning curves that depend on the parameters, a few failures with a
traceback in the log, some trashed runs, some still running. Everything comes from one seeded
``random.Random`` and a fixed clock, and gzip writes no timestamp, so the output is reproducible.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import math
import random
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

RUNS = 500
SEED = 20251120
RECENT = 16  # runs created in the last two days
NOW = datetime(2025, 11, 20, 12, 0, tzinfo=UTC)  # the newest run is a little before this
OUTPUT = Path(__file__).resolve().parents[1] / "nql_lsp" / "data" / "sample_runs.json.gz"

OWNERS = ["alice", "bob", "chen.wei", "dana", "eduardo", "ci-trainer@image-cls-sa", "nightly@image-cls-sa"]
OWNER_WEIGHTS = [22, 18, 16, 12, 8, 16, 8]
BACKBONES = {
    "resnet18": 11.7,
    "resnet50": 25.6,
    "vit-b16": 86.6,
    "efficientnet-b0": 5.3,
    "convnext-t": 28.6,
    "mobilenet-v3": 5.4,
}
DATASETS = {"cifar10": 10, "cifar100": 100, "imagenet-1k": 1000, "food101": 101}
OPTIMIZERS = ["adam", "adamw", "sgd", "lamb"]
TAG_POOL = [
    "baseline",
    "sweep",
    "ablation",
    "augment",
    "mixup",
    "prod-candidate",
    "prod",
    "debug",
    "fp16",
    "distributed",
    "pretrained",
    "from-scratch",
]
TEAMS = ["vision-core", "edge-models", "research"]


def _round(x: float, digits: int = 5) -> float:
    return float(f"{x:.{digits}g}")


def _dt(moment: datetime) -> dict[str, str]:
    return {"type": "datetime", "value": moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")}


def generate(rng: random.Random) -> list[dict[str, object]]:
    runs: list[dict[str, object]] = []
    start = NOW - timedelta(days=365)
    # A year of runs, and a burst in the last two days (a sweep in flight), so some are still running.
    times = sorted(
        [start + timedelta(seconds=rng.uniform(0, 363 * 86400)) for _ in range(RUNS - RECENT)]
        + [NOW - timedelta(seconds=rng.uniform(600, 2 * 86400)) for _ in range(RECENT)]
    )
    experiments: dict[str, str] = {}  # experiment name -> id of its latest run
    for n, created in enumerate(times, 1):
        run_id = f"CLS-{n}"
        owner = rng.choices(OWNERS, OWNER_WEIGHTS)[0]
        backbone = rng.choice(list(BACKBONES))
        dataset = rng.choices(list(DATASETS), [35, 25, 15, 25])[0]
        optimizer = rng.choices(OPTIMIZERS, [30, 40, 25, 5])[0]
        lr = _round(10 ** rng.uniform(-4.5, -1.3), 3)
        batch = rng.choice([32, 64, 128, 256, 512])
        epochs = rng.choice([10, 20, 30, 50, 90])
        points = rng.randint(50, 200)
        # How good the run gets: better backbones and sensible learning rates help; hard datasets hurt.
        quality = {
            "resnet18": 0.0,
            "resnet50": 0.04,
            "vit-b16": 0.07,
            "efficientnet-b0": 0.03,
            "convnext-t": 0.06,
            "mobilenet-v3": -0.02,
        }[backbone]
        quality -= (
            abs(math.log10(lr) + 3) * 0.05
            + {"cifar10": 0, "cifar100": 0.18, "imagenet-1k": 0.22, "food101": 0.12}[dataset]
        )
        ceiling = max(0.3, min(0.985, 0.9 + quality + rng.gauss(0, 0.02)))
        recent = NOW - created < timedelta(days=2)
        running = recent and rng.random() < 0.6
        failed = not running and rng.random() < 0.08
        if failed:
            points = rng.randint(3, 40)
        loss, acc = [], []
        for i in range(points):
            progress = (i + 1) / points
            loss.append(_round(2.3 * math.exp(-3.5 * progress * (0.6 + ceiling)) + 0.05 + abs(rng.gauss(0, 0.03))))
            acc.append(_round(min(0.999, ceiling * (1 - math.exp(-4 * progress)) + rng.gauss(0, 0.008)), 4))
        if failed:
            loss[-1] = _round(loss[-1] * 3.0)
        tags = set(rng.sample(TAG_POOL, rng.choice([0, 1, 1, 2, 2, 3])))
        if owner.endswith("-sa"):
            tags.add("scheduled")
        if ceiling > 0.95 and not failed and rng.random() < 0.5:
            tags.add("prod-candidate")
        experiment = f"{backbone}-{dataset}"
        parent = experiments.get(experiment)
        experiments[experiment] = run_id
        running_time = 0.0 if failed and points < 5 else points * rng.uniform(20, 90) * (batch / 128) ** 0.3
        modified = created + timedelta(seconds=running_time + rng.uniform(1, 600))
        ping = modified if not running else NOW - timedelta(seconds=rng.uniform(5, 120))
        stdout = [f"epoch {e + 1}/{epochs} done" for e in range(min(epochs, 6))]
        if failed:
            stdout.append(
                rng.choice(
                    [
                        "RuntimeError: CUDA out of memory",
                        "NaN loss detected, stopping",
                        "KeyboardInterrupt",
                        "OSError: dataset shard missing",
                    ]
                )
            )
        elif not running:
            stdout.append(f"finished: best val/acc {max(acc):.4f}")
        run: dict[str, object] = {
            "sys/id": run_id,
            "sys/custom_run_id": hashlib.sha1(f"{SEED}-{n}".encode()).hexdigest()[:16],
            "sys/name": f"{backbone}-{dataset}-{optimizer}-lr{lr:g}",
            "sys/description": rng.choice(
                [
                    "",
                    "",
                    f"{backbone} on {dataset}",
                    "sweep member",
                    "retry after OOM",
                    "ablation: no augmentation",
                    "näive baseline ✓",
                ]
            ),
            "sys/owner": owner,
            "sys/tags": sorted(tags),
            "sys/group_tags": [rng.choice(TEAMS)] + (["q" + str((created.month - 1) // 3 + 1)] if n % 3 else []),
            "sys/state": "running" if running else "idle",
            "sys/failed": failed,
            "sys/trashed": rng.random() < 0.05,
            "sys/archived": False,
            "sys/creation_time": created.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "sys/modification_time": modified.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "sys/ping_time": ping.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "sys/running_time_seconds": _round(running_time, 6),
            "sys/relative_creation_time_ms": int((created - start).total_seconds() * 1000),
            "sys/size": float(rng.randint(40_000, 9_000_000)),
            "sys/family": parent or run_id,
            "sys/experiment/name": experiment,
            "sys/experiment/is_head": True,
            "parameters": {"lr": lr, "batch_size": batch, "optimizer": optimizer, "epochs": epochs},
            "model": {"backbone": backbone},
            "dataset": {"name": dataset, "num_classes": DATASETS[dataset]},
            "train": {"loss": loss},
            "val": {"acc": acc},
            "monitoring": {"stdout": {"type": "stringSeries", "value": stdout}},
            "model_info": {"size_MB": _round(BACKBONES[backbone] * 4 * rng.uniform(0.98, 1.02), 4)},
            "dataset_version": {
                "type": "artifact",
                "value": hashlib.sha256(f"{dataset}-v{1 + created.month // 4}".encode()).hexdigest(),
            },
        }
        if not failed and not running:
            run["model/weights"] = {"type": "fileRef", "value": f"models/{run_id}/best.pt"}
            run["val/best_acc"] = _round(max(acc), 4)
        if parent is not None:
            for earlier in runs:
                if earlier["sys/id"] == parent:
                    earlier["sys/experiment/is_head"] = False
        runs.append(run)
    return runs


def main(argv: list[str]) -> int:
    out = Path(argv[1]) if len(argv) > 1 else OUTPUT
    runs = generate(random.Random(SEED))
    text = "[\n" + ",\n".join(json.dumps(run, ensure_ascii=False, separators=(",", ":")) for run in runs) + "\n]\n"
    out.write_bytes(gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0))
    print(f"wrote {len(runs)} runs to {out} ({out.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
