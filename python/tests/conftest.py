"""Shared pieces of the Python package's tests: the `firesale` binary they compare with
(FIRESALE_BIN, else the checkout's target/release/firesale, which `cargo build --release`
makes), a helper that runs it, and a small scenario."""

import json
import os
import subprocess
import tempfile
from pathlib import Path

import pytest

# Mesa's drivers want a runtime dir (the GPU tests run on its software Vulkan driver).
os.environ.setdefault("XDG_RUNTIME_DIR", tempfile.mkdtemp(prefix="firesale-xdg-"))

ROOT = Path(__file__).resolve().parents[2]
BINARY = Path(os.environ.get("FIRESALE_BIN", ROOT / "target" / "release" / "firesale"))

#: Two assets and one margin book, a day of hours: fast, with liquidations.
SMALL = """
name = "small"
[simulation]
steps = 24
paths = 2000
seed = 11
[market]
student_t_dof = 5
[[assets]]
name = "BTC"
price = 80000.0
vol = 0.8
depth = 2.0e8
[[assets]]
name = "ETH"
price = 2600.0
vol = 1.0
depth = 1.0e8
[correlation.calm]
default = 0.7
[[cohorts]]
name = "perps"
kind = "margin"
equity = 5.0e8
weights = { BTC = 0.6, ETH = 0.4 }
leverage = { median = 15.0, sigma = 0.6, buckets = 8 }
maintenance_margin = 0.01
"""


class Cli:
    """The `firesale` command, run in a scratch folder."""

    def __init__(self, folder: Path):
        self.folder = folder
        if not BINARY.exists():
            pytest.fail(f"{BINARY} is missing: run `cargo build --release` first (or set FIRESALE_BIN)")

    def __call__(self, *args: str, ok: bool = True) -> subprocess.CompletedProcess:
        done = subprocess.run(
            [str(BINARY), *args], cwd=self.folder, capture_output=True, text=True, timeout=600
        )
        if ok and done.returncode != 0:
            pytest.fail(f"firesale {' '.join(args)} failed ({done.returncode}): {done.stderr}")
        return done

    def json(self, *args: str) -> dict:
        """Runs with `--json out.json` added and returns the document."""
        out = self.folder / "out.json"
        self(*args, "--json", str(out), "--quiet")
        return json.loads(out.read_text())

    def refusal(self, *args: str) -> str:
        """The one-line error of a refused command, without `error: ` (exit status 2)."""
        done = self(*args, ok=False)
        assert done.returncode == 2, done.stderr
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
        return lines[0][len("error: "):]


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path)


@pytest.fixture
def small(tmp_path: Path) -> Path:
    path = tmp_path / "small.toml"
    path.write_text(SMALL)
    return path


def without_timing(document: dict) -> dict:
    """A document without its wall-clock times, which differ from run to run."""
    document = dict(document)
    document.pop("elapsed_seconds", None)
    if "trials" in document:
        document["trials"] = [{k: v for k, v in t.items() if k != "seconds"} for t in document["trials"]]
    return document
