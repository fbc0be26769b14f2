"""Bad input raises `firesale.ScenarioError` (a ValueError) with the command's own one-line
message, naming the field and the fix."""

import pandas as pd
import pytest

import firesale
from conftest import SMALL

#: (file name, scenario text) of broken scenarios, each refused by `validate` and `run`.
BROKEN = {
    "syntax.toml": SMALL.replace('name = "small"', "name = "),
    "vol.toml": SMALL.replace("vol = 0.8", "vol = -0.8"),
    "kind.toml": SMALL.replace('kind = "margin"', 'kind = "marginal"'),
    "weights.toml": SMALL.replace("BTC = 0.6, ETH = 0.4", "BTC = 0.6, DOGE = 0.4"),
    "steps.toml": SMALL.replace("steps = 24", ""),
    "unknown-field.toml": SMALL.replace("seed = 11", "seed = 11\nsead = 12"),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_scenarios_raise_the_commands_message(cli, name):
    path = cli.folder / name
    path.write_text(BROKEN[name])
    expected = cli.refusal("run", name, "--paths", "10")
    # The command names the file as given: give Python the same name, from the same folder.
    with pytest.raises(firesale.ScenarioError) as raised:
        _in(cli.folder, lambda: firesale.run(name, paths=10))
    assert str(raised.value) == expected
    assert isinstance(raised.value, ValueError)
    with pytest.raises(firesale.ScenarioError, match="scenario error|expected|invalid|TOML|line"):
        firesale.validate(BROKEN[name] + "\n")


def _in(folder, call):
    import os

    here = os.getcwd()
    os.chdir(folder)
    try:
        return call()
    finally:
        os.chdir(here)


def test_unknown_names_and_missing_files(cli):
    for spec in ["no-such-scenario", "missing.toml"]:
        expected = cli.refusal("validate", spec)
        with pytest.raises(firesale.ScenarioError) as raised:
            _in(cli.folder, lambda: firesale.validate(spec))
        assert str(raised.value) == expected


@pytest.mark.parametrize(
    "args, call",
    [
        (["calibrate", "crypto-unwind", "--cohort", "perp-longs", "--param", "leverage", "--target", "p_liquidation<=0.01"],
         lambda: firesale.calibrate("crypto-unwind", "perp-longs", "leverage", "p_liquidation<=0.01")),
        (["calibrate", "crypto-unwind", "--cohort", "crypto-perp-longs", "--param", "margin", "--target", "p_liquidation<=0.01"],
         lambda: firesale.calibrate("crypto-unwind", "crypto-perp-longs", "margin", "p_liquidation<=0.01")),
        (["calibrate", "crypto-unwind", "--cohort", "crypto-perp-longs", "--param", "leverage", "--target", "p_liquidation<=2"],
         lambda: firesale.calibrate("crypto-unwind", "crypto-perp-longs", "leverage", "p_liquidation<=2")),
        (["reverse", "crypto-unwind", "--shock", "DOGE=-0.1", "--target", "system:liquidated_notional>=1e9"],
         lambda: firesale.reverse("crypto-unwind", {"DOGE": -0.1}, "system:liquidated_notional>=1e9")),
        (["reverse", "crypto-unwind", "--shock", "BTC=-0.1", "--target", "system:liquidated>=1e9"],
         lambda: firesale.reverse("crypto-unwind", "BTC=-0.1", "system:liquidated>=1e9")),
        (["reverse", "crypto-unwind", "--shock", "BTC=-0.1", "--target", "system:loss>=1e9", "--regime", "panic"],
         lambda: firesale.reverse("crypto-unwind", "BTC=-0.1", "system:loss>=1e9", regime="panic")),
    ],
    ids=["cohort", "param", "target", "shock", "reverse-target", "regime"],
)
def test_question_arguments_raise_the_commands_message(cli, args, call):
    expected = cli.refusal(*args)
    with pytest.raises(firesale.ScenarioError) as raised:
        call()
    assert str(raised.value) == expected


def test_bad_shocks_and_prices_raise_the_commands_message(cli):
    (cli.folder / "shocks.csv").write_text("step,BTC,DOGE\n1,-0.01,0.02\n")
    expected = cli.refusal("replay", "crypto-unwind", "--shocks", "shocks.csv")
    with pytest.raises(firesale.ScenarioError) as raised:
        _in(cli.folder, lambda: firesale.replay("crypto-unwind", "shocks.csv"))
    assert str(raised.value) == expected

    (cli.folder / "prices.csv").write_text("time,BTC\n2024-01-01T00:00:00Z,1.0\n")
    expected = cli.refusal("fit", "prices.csv", "--out", "fitted.toml")
    with pytest.raises(firesale.ScenarioError) as raised:
        _in(cli.folder, lambda: firesale.fit("prices.csv"))
    assert str(raised.value) == expected


@pytest.mark.parametrize(
    "call, words",
    [
        (lambda: firesale.run("calm-market", paths=0), "paths must be"),
        (lambda: firesale.run("calm-market", paths=2.5), "paths must be a whole number"),
        (lambda: firesale.run("calm-market", seed=-1), "seed must be between"),
        (lambda: firesale.run("calm-market", paths=10, dump_paths=11), "dump_paths = 11 is more than the 10 paths"),
        (lambda: firesale.run("calm-market", paths=10, backend="tpu"), "backend"),
        (lambda: firesale.run("calm-market", threads=0), "threads must be between 1"),
        (lambda: firesale.run(42), "scenario: expected"),
        (lambda: firesale.run({"name": float("nan")}), "scenario dict"),
        (lambda: firesale.run({"name": None}), "scenario dict"),
        (lambda: firesale.replay("calm-market", 3), "shocks: expected"),
        (lambda: firesale.fit(pd.DataFrame({"BTC": [1.0, 2.0]})), "DatetimeIndex"),
        (lambda: firesale.run("calm-market", paths=10, progress="yes"), "progress must be"),
    ],
)
def test_bad_arguments_name_the_argument(call, words):
    with pytest.raises(firesale.ScenarioError, match=words):
        call()
