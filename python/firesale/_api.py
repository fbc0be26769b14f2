"""The package's functions: their arguments checked and put in the form the native module
takes (a scenario as a kind and a text, shocks and prices as CSV text), and the native
module's JSON and CSV turned into result objects."""

from __future__ import annotations

import json
import numbers
import os
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple, Union

import pandas as pd

from . import _native
from ._native import ScenarioError
from ._results import (
    CalibrationResult,
    FitResult,
    ReplayResult,
    Result,
    ReverseResult,
)

#: A built-in name, a path to a TOML file, TOML text, or a dict with the TOML's structure.
Scenario = Union[str, "os.PathLike[str]", Mapping[str, Any]]
#: ``True`` for a tqdm bar, or a callable ``progress(done, total)`` called as paths finish.
Progress = Union[bool, Callable[[int, int], object], None]

_U64_MAX = 2**64 - 1


def _scenario(scenario: Scenario) -> Tuple[str, str]:
    """(kind, text): ``dict`` for a mapping, ``toml`` for text with a newline or ``=``,
    ``spec`` (a built-in name or a file) otherwise."""
    if isinstance(scenario, Mapping):
        try:
            text = json.dumps(scenario, allow_nan=False, default=_plain)
        except (TypeError, ValueError) as error:
            raise ScenarioError(
                f"scenario dict: {error}; fix: use only str, int, float, bool, list and dict values"
            ) from None
        return "dict", text
    if isinstance(scenario, os.PathLike):
        return "spec", os.fspath(scenario)
    if isinstance(scenario, str):
        if "\n" in scenario or "=" in scenario:
            return "toml", scenario
        return "spec", scenario
    raise ScenarioError(
        "scenario: expected a built-in name, a path, TOML text or a dict, "
        f"got {type(scenario).__name__}"
    )


def _plain(value: Any) -> Any:
    """numpy scalars (and anything with ``.item()``) as Python numbers, for ``json.dumps``."""
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not a scenario value")


def _whole(name: str, value: Any, least: int, most: int = _U64_MAX) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ScenarioError(f"{name} must be a whole number, got {value!r}")
    if not least <= int(value) <= most:
        raise ScenarioError(f"{name} must be between {least} and {most}, got {value}")
    return int(value)


def _optional_whole(name: str, value: Any, least: int) -> Optional[int]:
    return None if value is None else _whole(name, value, least)


def _optional_number(name: str, value: Any) -> Optional[float]:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ScenarioError(f"{name} must be a number, got {value!r}")
    return float(value)


def _number(name: str, value: Any) -> float:
    number = _optional_number(name, value)
    if number is None:
        raise ScenarioError(f"{name} must be a number, got None")
    return number


def _progress(progress: Progress) -> Tuple[Optional[Callable[[int, int], object]], Callable[[], None]]:
    """(the callback for the native module, what closes it when the run ends)."""
    if progress is None or progress is False:
        return None, lambda: None
    if progress is True:
        try:
            from tqdm.auto import tqdm
        except ImportError:
            raise ScenarioError(
                "progress=True draws a tqdm bar; fix: pip install tqdm, or pass a callable"
            ) from None
        bar = tqdm(unit="paths", unit_scale=True)

        def update(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        return update, bar.close
    if callable(progress):
        return progress, lambda: None
    raise ScenarioError(f"progress must be True, False, None or a callable, got {progress!r}")


def scenarios() -> List[str]:
    """The built-in scenarios' names (``firesale scenarios``)."""
    return _native.scenarios()


def load_scenario(scenario: Scenario) -> Dict[str, Any]:
    """The scenario as a dict with the TOML's structure (validated first): edit it and pass it
    to :func:`run`."""
    scenario_dict: Dict[str, Any] = json.loads(_native.scenario_json(*_scenario(scenario)))
    return scenario_dict


def validate(scenario: Scenario) -> Dict[str, Any]:
    """The compiled model, as ``firesale validate SCENARIO --json -`` writes it: the run's
    settings, assets, correlation eigenvalue ranges and every cohort's compiled book."""
    compiled: Dict[str, Any] = json.loads(_native.validate(*_scenario(scenario)))
    return compiled


def run(
    scenario: Scenario,
    paths: Optional[int] = None,
    seed: Optional[int] = None,
    backend: str = "auto",
    threads: Optional[int] = None,
    dump_paths: int = 0,
    *,
    adapter: Optional[str] = None,
    progress: Progress = None,
) -> Result:
    """Simulates the scenario, as ``firesale run`` does.

    ``paths`` and ``seed`` default to the scenario's ``simulation`` values; ``backend`` is
    ``auto``, ``cpu`` or ``gpu`` (``adapter``: a substring of the GPU's name); ``threads`` the
    CPU engine's threads; ``dump_paths`` how many paths' per-path metrics to keep
    (:attr:`Result.paths`). The GIL is released while the engine runs; Ctrl-C stops it between
    batches and raises ``KeyboardInterrupt``.
    """
    kind, text = _scenario(scenario)
    paths = _optional_whole("paths", paths, 1)
    seed = _optional_whole("seed", seed, 0)
    dump_paths = _whole("dump_paths", dump_paths, 0)
    threads = _optional_whole("threads", threads, 1)
    callback, close = _progress(progress)
    try:
        summary, columns, rows = _native.run(
            kind, text, paths, seed, backend, adapter, threads, dump_paths, callback
        )
    finally:
        close()
    return Result(json.loads(summary), columns, rows)


def _shocks_csv(shocks: pd.DataFrame) -> str:
    """The replay's CSV of a DataFrame: a ``step`` column (the frame's own, its index when
    named ``step``, else 1, 2, …), one column per asset, an optional ``regime``."""
    frame = shocks.copy()
    if "step" not in frame.columns:
        if frame.index.name == "step":
            frame = frame.reset_index()
        else:
            frame.insert(0, "step", range(1, len(frame) + 1))
    return frame.to_csv(index=False, lineterminator="\n")


def replay(scenario: Scenario, shocks: Union[str, "os.PathLike[str]", pd.DataFrame]) -> ReplayResult:
    """One deterministic path with given exogenous moves (``firesale replay``): ``shocks`` is
    the CSV file the command takes, or a DataFrame with a column per asset (that step's
    log-return) and an optional ``regime`` column (``calm``/``stress``), one row per step."""
    kind, text = _scenario(scenario)
    if isinstance(shocks, pd.DataFrame):
        report, steps = _native.replay(kind, text, None, _shocks_csv(shocks))
    elif isinstance(shocks, (str, os.PathLike)):
        report, steps = _native.replay(kind, text, os.fspath(shocks), None)
    else:
        raise ScenarioError(
            f"shocks: expected a CSV path or a DataFrame, got {type(shocks).__name__}"
        )
    return ReplayResult(json.loads(report), steps)


def calibrate(
    scenario: Scenario,
    cohort: str,
    param: str,
    target: str,
    *,
    paths: Optional[int] = None,
    seed: Optional[int] = None,
    tolerance: float = 0.01,
    min: Optional[float] = None,
    max: Optional[float] = None,
    backend: str = "auto",
) -> CalibrationResult:
    """The largest leverage or size, or the smallest maintenance margin, of ``cohort`` that
    meets ``target`` (``firesale calibrate``): ``param`` is ``leverage``,
    ``maintenance_margin`` or ``equity``; ``target`` e.g. ``'p_liquidation<=0.01'``. Every
    trial runs the same ``paths`` on one engine; Ctrl-C stops between trials and raises
    ``KeyboardInterrupt``."""
    kind, text = _scenario(scenario)
    document = _native.calibrate(
        kind,
        text,
        cohort,
        param,
        target,
        _optional_whole("paths", paths, 1),
        _optional_whole("seed", seed, 0),
        _number("tolerance", tolerance),
        _optional_number("min", min),
        _optional_number("max", max),
        backend,
    )
    return CalibrationResult(json.loads(document))


def reverse(
    scenario: Scenario,
    shock: Union[str, Mapping[str, float]],
    target: str,
    *,
    regime: str = "calm",
    max_scale: Optional[float] = None,
) -> ReverseResult:
    """The smallest multiple of a one-day shock that reaches ``target`` (``firesale
    reverse``): ``shock`` is ``'BTC=-0.10,ETH=-0.13'`` or ``{"BTC": -0.10, "ETH": -0.13}``
    (simple returns); ``target`` e.g. ``'system:liquidated_notional>=2.5B'``."""
    kind, text = _scenario(scenario)
    if isinstance(shock, Mapping):
        shock = ",".join(
            f"{asset}={_optional_number(f'shock[{asset!r}]', move)!r}" for asset, move in shock.items()
        )
    if not isinstance(shock, str):
        raise ScenarioError(f"shock: expected 'ASSET=RETURN,…' or a dict, got {type(shock).__name__}")
    document = _native.reverse(
        kind, text, shock, target, regime, _optional_number("max_scale", max_scale)
    )
    return ReverseResult(json.loads(document))


def _prices_csv(prices: pd.DataFrame) -> str:
    """The price history CSV of a DataFrame indexed by time: RFC 3339 timestamps (naive ones
    taken as UTC), one column per asset, empty cells where a price is missing."""
    if not isinstance(prices.index, pd.DatetimeIndex):
        raise ScenarioError(
            "prices: the DataFrame needs a DatetimeIndex; fix: prices.set_index(pd.to_datetime(prices['timestamp']))"
        )
    index = prices.index
    index = index.tz_localize("UTC") if index.tz is None else index.tz_convert("UTC")
    frame = prices.copy()
    frame.index = index.strftime("%Y-%m-%dT%H:%M:%SZ")
    frame.index.name = "timestamp"
    return frame.to_csv(na_rep="", lineterminator="\n")


def fit(
    prices: Union[str, "os.PathLike[str]", pd.DataFrame],
    *,
    sectors: Optional[Mapping[str, str]] = None,
    name: Optional[str] = None,
) -> FitResult:
    """The market fitted to a price history (``firesale fit``): ``prices`` is the CSV file the
    command reads, or a DataFrame with a DatetimeIndex and a column of prices per asset
    (evenly spaced; NaN where a price is missing). ``sectors`` maps assets to sectors."""
    sectors = dict(sectors or {})
    if isinstance(prices, pd.DataFrame):
        scenario, estimates = _native.fit(
            None, _prices_csv(prices), "<prices DataFrame>", sectors, name or "fitted-prices"
        )
    elif isinstance(prices, (str, os.PathLike)):
        path = os.fspath(prices)
        scenario, estimates = _native.fit(path, None, path, sectors, name)
    else:
        raise ScenarioError(f"prices: expected a CSV path or a DataFrame, got {type(prices).__name__}")
    return FitResult(scenario, json.loads(estimates))
