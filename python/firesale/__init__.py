"""firesale: a Monte Carlo stress tester for leveraged portfolios, in Python.

The same engines as the ``firesale`` command (the CPU reference engine and the GPU engine),
called in-process: ``firesale.run`` returns the summary the command's ``--json`` writes, with
the cohorts, assets and system as pandas DataFrames. See docs/python.md.

Bad input raises :class:`ScenarioError` (a ``ValueError``) with the command's one-line
message; a failure while running raises :class:`firesale.RuntimeError` (a ``RuntimeError``).
Ctrl-C stops a run between batches and raises ``KeyboardInterrupt``.
"""

import os as _os
import tempfile as _tempfile

# Mesa's drivers complain on every adapter query when XDG_RUNTIME_DIR is unset (as on servers
# and in containers): point it at a private folder under the temp dir, as the command does.
if "XDG_RUNTIME_DIR" not in _os.environ and hasattr(_os, "getuid"):
    _runtime = _os.path.join(_tempfile.gettempdir(), f"firesale-runtime-{_os.getuid()}")
    _os.makedirs(_runtime, mode=0o700, exist_ok=True)
    _os.environ["XDG_RUNTIME_DIR"] = _runtime

from ._api import (  # noqa: E402
    calibrate,
    fit,
    load_scenario,
    replay,
    reverse,
    run,
    scenarios,
    validate,
)
from ._native import RuntimeError, ScenarioError  # noqa: E402
from ._results import (  # noqa: E402
    CalibrationResult,
    FitResult,
    ReplayResult,
    Result,
    ReverseResult,
)

__version__ = "0.1.0"

__all__ = [
    "CalibrationResult",
    "FitResult",
    "ReplayResult",
    "Result",
    "ReverseResult",
    "RuntimeError",
    "ScenarioError",
    "calibrate",
    "fit",
    "load_scenario",
    "replay",
    "reverse",
    "run",
    "scenarios",
    "validate",
]
