"""Type stub of the native module (Rust, PyO3): the package's functions in _api.py call it.
Scenarios arrive as (kind, text): kind ``spec`` (a built-in name or a path), ``toml`` (text)
or ``dict`` (JSON text of a dict); documents come back as JSON text, tables as CSV text, per-path rows as f64 bytes."""

import builtins
from typing import Callable, Dict, List, Optional, Tuple

class ScenarioError(ValueError):
    """Bad input: a scenario field, an argument or a file; the message names it and the fix."""

class RuntimeError(builtins.RuntimeError):
    """A failure while running: a GPU that fails, a fit that does not converge."""

def scenarios() -> List[str]: ...
def scenario_json(kind: str, text: str) -> str: ...
def validate(kind: str, text: str) -> str: ...
def run(
    kind: str,
    text: str,
    paths: Optional[int],
    seed: Optional[int],
    backend: str,
    adapter: Optional[str],
    threads: Optional[int],
    dump_paths: int,
    progress: Optional[Callable[[int, int], object]],
) -> Tuple[str, List[str], bytes]: ...
def replay(
    kind: str, text: str, shocks_path: Optional[str], shocks_csv: Optional[str]
) -> Tuple[str, str]: ...
def calibrate(
    kind: str,
    text: str,
    cohort: str,
    param: str,
    target: str,
    paths: Optional[int],
    seed: Optional[int],
    tolerance: float,
    min: Optional[float],
    max: Optional[float],
    backend: str,
) -> str: ...
def reverse(
    kind: str, text: str, shock: str, target: str, regime: str, max_scale: Optional[float]
) -> str: ...
def fit(
    prices_path: Optional[str],
    prices_csv: Optional[str],
    origin: str,
    sectors: Dict[str, str],
    name: Optional[str],
) -> Tuple[str, str]: ...
