"""What the package's functions return: the command's JSON document as a dict
(``.summary``) and its tables as pandas DataFrames, shown as tables in Jupyter."""

from __future__ import annotations

import html
import io
from functools import cached_property
from typing import Any, Dict, List, Mapping

import numpy as np
import pandas as pd


def _flatten(value: Mapping[str, Any], prefix: str = "") -> Dict[str, Any]:
    """A nested document as one level: keys joined by ``.`` (``loss.quantiles.0.99``); a 95%
    interval ``ci95: [low, high]`` as ``ci95.low`` and ``ci95.high``."""
    flat: Dict[str, Any] = {}
    for key, item in value.items():
        name = f"{prefix}{key}"
        if isinstance(item, Mapping):
            flat.update(_flatten(item, f"{name}."))
        elif key == "ci95" and isinstance(item, list) and len(item) == 2:
            flat[f"{name}.low"], flat[f"{name}.high"] = item
        else:
            flat[name] = item
    return flat


def _by_name(entries: Mapping[str, Any], index: str) -> pd.DataFrame:
    """One row per named entry (a cohort, an asset), its flattened statistics as columns."""
    rows = [_flatten(entry) if isinstance(entry, Mapping) else {} for entry in entries.values()]
    return pd.DataFrame(rows, index=pd.Index(list(entries), name=index))


def _rows(entries: List[Mapping[str, Any]]) -> pd.DataFrame:
    """One row per list entry, flattened."""
    return pd.DataFrame([_flatten(entry) for entry in entries])


#: pandas 3 reads floats back exactly by default (and deprecates the option); before it, the
#: default parser may be one unit in the last place off, so ask for the round trip.
EXACT_FLOATS: Dict[str, Any] = (
    {} if int(pd.__version__.split(".")[0]) >= 3 else {"float_precision": "round_trip"}
)


def read_csv(source: Any, index: str) -> pd.DataFrame:
    """A CSV table firesale wrote (text or a path), floats read back exactly."""
    if isinstance(source, str) and "\n" in source:
        source = io.StringIO(source)
    frame: pd.DataFrame = pd.read_csv(source, index_col=index, **EXACT_FLOATS)
    return frame


def _html_section(title: str, frame: pd.DataFrame) -> str:
    return f"<h4>{html.escape(title)}</h4>" + frame.to_html(float_format=lambda x: f"{x:,.4g}")


class _Answer:
    """A command's JSON document, kept whole in :attr:`summary`."""

    #: The document the command writes with ``--json``.
    summary: Dict[str, Any]

    def __init__(self, summary: Dict[str, Any]) -> None:
        self.summary = summary

    @property
    def partial(self) -> bool:
        """Whether the work stopped before its end (never, from Python: Ctrl-C raises)."""
        return bool(self.summary.get("partial", False))

    def _title(self) -> str:
        return f"{type(self).__name__} of {self.summary.get('scenario', '')}"

    def _sections(self) -> List[str]:
        return []

    def __repr__(self) -> str:
        message = self.summary.get("message")
        return f"<{self._title()}{': ' + message if message else ''}>"

    def _repr_html_(self) -> str:
        return f"<div><b>{html.escape(self._title())}</b>" + "".join(self._sections()) + "</div>"


class _Outcomes(_Answer):
    """A document with ``cohorts``, ``assets`` and ``system`` sections, as DataFrames: one row
    per cohort or asset (index ``cohort``, ``asset``, in scenario order) or the one row
    ``system``; columns named by the document's keys joined with ``.``."""

    @cached_property
    def cohorts(self) -> pd.DataFrame:
        return _by_name(self.summary["cohorts"], "cohort")

    @cached_property
    def assets(self) -> pd.DataFrame:
        return _by_name(self.summary["assets"], "asset")

    @cached_property
    def system(self) -> pd.DataFrame:
        return _by_name({"system": self.summary["system"]}, "scope")


class Result(_Outcomes):
    """One run (:func:`firesale.run`): ``summary`` is equal to ``firesale run --json``'s
    document; ``cohorts``, ``assets`` and ``system`` are its statistics as DataFrames (one row
    per cohort, asset, or the one row ``system``; columns named by the document's keys joined
    with ``.``, e.g. ``var.0.99``, ``loss.quantiles.0.5``); ``paths`` holds the per-path
    metrics of the first ``dump_paths`` paths, with the ``--dump-paths`` columns, indexed by
    path."""

    def __init__(self, summary: Dict[str, Any], columns: List[str], rows: bytes) -> None:
        super().__init__(summary)
        self._columns = columns
        self._rows = rows

    @cached_property
    def paths(self) -> pd.DataFrame:
        values = np.frombuffer(self._rows, dtype=np.float64).reshape(-1, len(self._columns))
        index = pd.RangeIndex(len(values), name="path")
        return pd.DataFrame(values, columns=self._columns, index=index)

    def _title(self) -> str:
        s = self.summary
        return (
            f"{s['scenario']}: {s['paths']:,} paths of {s['steps']} steps, seed {s['seed']}, "
            f"on {s['backend']['adapter']} ({s['elapsed_seconds']:.2f} s)"
        )

    def __repr__(self) -> str:
        return f"<Result {self._title()}>"

    def _sections(self) -> List[str]:
        cohorts = self.cohorts[
            ["kind", "loss.mean", "var.0.99", "es.0.99", "p_liquidation",
             "liquidated_notional.mean", "bad_debt.mean"]
        ].sort_values("var.0.99", ascending=False)
        assets = self.assets[
            ["return.quantiles.0.01", "return.quantiles.0.5", "max_drawdown.mean",
             "impact_return.quantiles.0.01"]
        ]
        system = self.system[["liquidated_notional.mean", "forced_selling.mean"]]
        return [
            _html_section("Cohorts (largest 1-in-100 loss first)", cohorts),
            _html_section("Assets", assets),
            _html_section("System", system),
        ]


class ReplayResult(_Outcomes):
    """One replayed path (:func:`firesale.replay`): ``summary`` is ``firesale replay
    --json``'s document; ``cohorts``, ``assets``, ``system`` and ``liquidations`` its tables;
    ``steps`` the ``--steps-out`` table, one row per step."""

    def __init__(self, summary: Dict[str, Any], steps_csv: str) -> None:
        super().__init__(summary)
        self._steps_csv = steps_csv

    @cached_property
    def liquidations(self) -> pd.DataFrame:
        return _rows(self.summary["liquidations"])

    @cached_property
    def steps(self) -> pd.DataFrame:
        return read_csv(self._steps_csv, "step")

    def _sections(self) -> List[str]:
        return [
            _html_section("Cohorts", self.cohorts),
            _html_section("Assets", self.assets),
            _html_section("System", self.system),
        ]


class CalibrationResult(_Answer):
    """A limit calibration (:func:`firesale.calibrate`): ``summary`` is ``firesale calibrate
    --json``'s document; ``trials`` one row per trial; ``value`` the answer (None when no
    value in the range meets the target)."""

    @property
    def value(self) -> Any:
        return self.summary["value"] if self.summary.get("found") else None

    @cached_property
    def trials(self) -> pd.DataFrame:
        return _rows(self.summary["trials"])

    def _sections(self) -> List[str]:
        return [f"<p>{html.escape(self.summary['message'])}</p>", _html_section("Trials", self.trials)]


class ReverseResult(_Answer):
    """A reverse stress test (:func:`firesale.reverse`): ``summary`` is ``firesale reverse
    --json``'s document; ``liquidations`` the cascade at the answer's scale, one row per
    liquidation; ``key_levels`` each cohort's first-liquidation scale and prices; ``scale`` the
    answer (None when no scale up to ``max_scale`` reaches the target)."""

    @property
    def scale(self) -> Any:
        return self.summary["scale"] if self.summary.get("found") else None

    @cached_property
    def liquidations(self) -> pd.DataFrame:
        return _rows(self.summary["liquidations"])

    @cached_property
    def key_levels(self) -> pd.DataFrame:
        return _by_name(self.summary["key_levels"], "cohort")

    def _sections(self) -> List[str]:
        return [
            f"<p>{html.escape(self.summary['message'])}</p>",
            _html_section("Key levels", self.key_levels),
            _html_section("Cascade", self.liquidations),
        ]


class FitResult(_Answer):
    """A fitted market (:func:`firesale.fit`): ``scenario`` is the scenario TOML ``firesale
    fit --out`` writes (pass it to :func:`firesale.run`); ``estimates`` (also ``summary``) the
    ``--json`` document, every estimate with its standard error and 95% interval; ``assets``
    the per-asset estimates as a DataFrame."""

    def __init__(self, scenario: str, estimates: Dict[str, Any]) -> None:
        super().__init__(estimates)
        self.scenario = scenario

    @property
    def estimates(self) -> Dict[str, Any]:
        return self.summary

    @cached_property
    def assets(self) -> pd.DataFrame:
        assets = self.summary["assets"]
        if isinstance(assets, list):
            return _by_name({a["name"]: a for a in assets}, "asset")
        return _by_name(assets, "asset")

    def _title(self) -> str:
        return f"FitResult: {self.summary.get('rows', '?')} rows, {len(self.assets)} assets"

    def _sections(self) -> List[str]:
        return [_html_section("Assets", self.assets)]
