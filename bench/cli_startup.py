"""How long a store-only CLI command takes, as a whole process, from start to answer.

Runs ``python -m broadcaster ARGS`` (default: ``users list``) repeatedly against the shipped
config.toml (every channel configured) in a scratch folder with one user, after a warm-up, and
prints the minimum, median and maximum wall and CPU seconds per run. The code's bytecode is
compiled first (``compileall``), as in an installed package. ``--source DIR`` runs
another checkout's code with this interpreter instead (for a before/after comparison).

Two series, interleaved run by run so that both see the same machine: ``warm``, the way an
operator's script calls the command again and again (the validated config's essentials come
from the cache, broadcaster.config_cache, in the scratch folder), and ``cold``, with
``BROADCASTER_CONFIG_CACHE=off`` (the config validated by pydantic on every run, as on the first
run after the file, the environment or the code changed).

    python -m bench.cli_startup --runs 20
    python -m bench.cli_startup --runs 20 --source /path/to/older/checkout
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def one_run(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def spread(values: list[float]) -> list[float]:
    return [round(min(values), 3), round(statistics.median(values), 3), round(max(values), 3)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--source", type=Path, help="run this checkout's code instead")
    parser.add_argument("args", nargs="*", default=["users", "list"])
    options = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if not k.startswith("BROADCASTER_")}
    if options.source is not None:
        env["PYTHONPATH"] = str(options.source.resolve())
    command = [sys.executable, "-m", "broadcaster", *options.args]
    with tempfile.TemporaryDirectory(prefix="bench-cli-") as tmp:
        folder = Path(tmp)
        shutil.copy(ROOT / "config.toml", folder / "config.toml")
        subprocess.run(
            [sys.executable, "-m", "broadcaster", "users", "add", "admin", "--role", "admin"],
            cwd=folder,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        # bytecode compiled, as in an installed package (also when PYTHONDONTWRITEBYTECODE is
        # set, which would otherwise make every run compile each module it imports)
        source = options.source or ROOT
        packages = [str(source / p) for p in ("broadcaster", "content", "schedules", "adapters")]
        subprocess.run(
            [sys.executable, "-m", "compileall", "-q", *packages],
            env={k: v for k, v in env.items() if k != "PYTHONDONTWRITEBYTECODE"},
            check=True,
            stdout=subprocess.DEVNULL,
        )
        warm_env = {**env, "BROADCASTER_CONFIG_CACHE": str(folder / "config-cache")}
        cold_env = {**env, "BROADCASTER_CONFIG_CACHE": "off"}
        one_run(command, folder, warm_env)  # warm-up: caches, and bytecode where it may be written
        one_run(command, folder, cold_env)
        series: dict[str, list[tuple[float, float]]] = {"warm": [], "cold": []}
        for _ in range(options.runs):
            series["warm"].append(one_run(command, folder, warm_env))
            series["cold"].append(one_run(command, folder, cold_env))
    for name, runs in series.items():
        print(
            json.dumps(
                {
                    "command": " ".join(["broadcaster", *options.args]),
                    "config": name,
                    "source": str(options.source or ROOT),
                    "runs": len(runs),
                    "wall_s_min_median_max": spread([w for w, _ in runs]),
                    "cpu_s_min_median_max": spread([c for _, c in runs]),
                    "load_1min": round(os.getloadavg()[0], 2),
                }
            )
        )


if __name__ == "__main__":
    main()
