"""`firesale.replay`, `calibrate`, `reverse` and `fit` return the commands' documents; a
DataFrame of shocks replays as its CSV does, a DataFrame of prices fits as its CSV does."""

import json

import pandas as pd
import pytest

import firesale
from firesale._results import EXACT_FLOATS, read_csv
from conftest import ROOT, without_timing

SHOCKS = ROOT / "scenarios" / "shocks" / "crypto-unwind-week.csv"


def test_replay_of_a_file_is_the_commands(cli):
    expected = cli.json("replay", "crypto-unwind", "--shocks", str(SHOCKS), "--steps-out", "steps.csv")
    result = firesale.replay("crypto-unwind", SHOCKS)
    assert result.summary == expected
    steps = read_csv(cli.folder / "steps.csv", "step")
    pd.testing.assert_frame_equal(result.steps, steps, check_exact=True)
    assert list(result.cohorts.index) == list(expected["cohorts"])
    assert len(result.liquidations) == len(expected["liquidations"])
    assert "step" in result.liquidations.columns and "notional" in result.liquidations.columns


def test_a_dataframe_of_shocks_replays_as_its_csv():
    frame = pd.read_csv(SHOCKS, comment="#", **EXACT_FLOATS)
    from_file = firesale.replay("crypto-unwind", SHOCKS).summary
    for shocks in [frame, frame.drop(columns="step"), frame.set_index("step")]:
        from_frame = firesale.replay("crypto-unwind", shocks).summary
        assert from_frame["shocks"] == "<shocks DataFrame>"
        assert {**from_frame, "shocks": None} == {**from_file, "shocks": None}


def test_calibrate_is_the_commands(cli):
    args = ["--cohort", "crypto-perp-longs", "--param", "leverage", "--target", "p_liquidation<=0.05"]
    expected = cli.json("calibrate", "crypto-unwind", *args, "--paths", "1000", "--backend", "cpu")
    result = firesale.calibrate(
        "crypto-unwind", "crypto-perp-longs", "leverage", "p_liquidation<=0.05", paths=1000, backend="cpu"
    )
    assert without_timing(result.summary) == without_timing(expected)
    assert result.value == expected["value"]
    assert len(result.trials) == len(expected["trials"])
    assert {"value", "metric.value", "metric.ci95.low", "metric.ci95.high", "meets"} <= set(result.trials.columns)


def test_reverse_is_the_commands(cli):
    shock = {"BTC": -0.1, "ETH": -0.12}
    expected = cli.json(
        "reverse", "crypto-unwind", "--shock", "BTC=-0.1,ETH=-0.12", "--target", "crypto-perp-longs:liquidated_notional>=1e9"
    )
    result = firesale.reverse("crypto-unwind", shock, "crypto-perp-longs:liquidated_notional>=1e9")
    assert result.summary == expected
    assert result.scale == expected["scale"] and result.scale is not None
    assert len(result.liquidations) == len(expected["liquidations"]) > 0
    assert list(result.key_levels.index) == list(expected["key_levels"])


def test_fit_of_a_file_and_of_a_dataframe(cli, small):
    cli("history", str(small), "--rows", "600", "--out", "prices.csv")
    cli("fit", "prices.csv", "--out", "fitted.toml", "--json", "fit.json", "--quiet")
    expected = (cli.folder / "fitted.toml").read_text()
    expected_estimates = json.loads((cli.folder / "fit.json").read_text())
    prices = cli.folder / "prices.csv"
    by_file = firesale.fit(prices, name="fitted-prices")
    # Same file, same name: the same scenario but for the path in its comments.
    assert by_file.scenario.replace(str(prices), "prices.csv") == expected
    assert by_file.estimates == expected_estimates
    frame = pd.read_csv(prices, index_col="timestamp", parse_dates=True, **EXACT_FLOATS)
    by_frame = firesale.fit(frame)
    assert by_frame.estimates["assets"] == expected_estimates["assets"]
    assert list(by_frame.assets.index) == ["BTC", "ETH"]
    run = firesale.run(by_frame.scenario, paths=200, backend="cpu")
    assert run.summary["scenario"] == "fitted-prices"
