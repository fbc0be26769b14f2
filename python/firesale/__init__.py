"""firesale: a Monte Carlo stress tester for leveraged portfolios, in Python.

The same engines as the ``firesale`` command (the CPU reference engine and the GPU engine),
called in-process: ``firesale.run`` returns the summary the command's ``--json`` writes, with
the cohorts, assets and system as pandas DataFrames. See docs/python.md.

Bad input raises :class:`ScenarioError` (a ``ValueError``) with the command's one-line
message; a failure while running raises :class:`firesale.RuntimeError` (a ``RuntimeError``).
Ctrl-C stops a run between batches and raises ``KeyboardInterrupt``.
"""

from ._api import (
    calibrate,
    fit,
    load_scenario,
    replay,
    reverse,
    run,
    scenarios,
    validate,
)
from ._native import RuntimeError, ScenarioError
from ._results import (
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
