"""`firesale.run`: the summary equals the command's `--json` for the same seed and engine, and
the DataFrames have the documented shape."""

import io

import pandas as pd
import pytest

import firesale
from firesale._results import read_csv
from conftest import SMALL, without_timing


@pytest.mark.parametrize("backend", ["cpu", "gpu"])
@pytest.mark.parametrize("scenario", ["crypto-unwind", "calm-market"])
def test_summary_equals_the_commands_json(cli, scenario, backend):
    args = ["--paths", "1500", "--seed", "7", "--backend", backend]
    expected = cli.json("run", scenario, *args)
    result = firesale.run(scenario, paths=1500, seed=7, backend=backend)
    assert without_timing(result.summary) == without_timing(expected)
    assert result.summary["backend"]["kind"] == backend


def test_paths_are_the_dumped_rows(cli):
    cli("run", "crypto-unwind", "--paths", "600", "--backend", "cpu", "--dump-paths", "40", "rows.csv", "--quiet")
    expected = read_csv(cli.folder / "rows.csv", "path")
    result = firesale.run("crypto-unwind", paths=600, backend="cpu", dump_paths=40)
    assert result.paths.shape == (40, expected.shape[1])
    assert list(result.paths.columns) == list(expected.columns)
    assert result.paths.index.name == "path" and list(result.paths.index) == list(range(40))
    # The CSV reader makes whole-number columns int64; the engine's values are all f64.
    pd.testing.assert_frame_equal(result.paths, expected, check_exact=True, check_dtype=False)


def test_frames_have_a_row_per_cohort_and_asset():
    result = firesale.run("crypto-unwind", paths=1000, backend="cpu")
    summary = result.summary
    assert list(result.cohorts.index) == list(summary["cohorts"])
    assert result.cohorts.index.name == "cohort"
    assert list(result.assets.index) == list(summary["assets"])
    assert result.assets.index.name == "asset"
    assert list(result.system.index) == ["system"]
    for column in ["kind", "initial_equity", "loss.mean", "loss.quantiles.0.99", "var.0.99", "es.0.999",
                   "p_liquidation", "liquidated_notional.mean", "accounts_liquidated.max", "bad_debt.std", "p_bad_debt"]:
        assert column in result.cohorts.columns, column
    longs = summary["cohorts"]["crypto-perp-longs"]
    assert result.cohorts.loc["crypto-perp-longs", "var.0.99"] == longs["var"]["0.99"]
    assert result.cohorts.loc["crypto-perp-longs", "loss.quantiles.0.5"] == longs["loss"]["quantiles"]["0.5"]
    assert result.assets.loc["BTC", "impact_return.quantiles.0.01"] == summary["assets"]["BTC"]["impact_return"]["quantiles"]["0.01"]
    assert result.system.loc["system", "forced_selling.mean"] == summary["system"]["forced_selling"]["mean"]
    assert result.paths.empty and list(result.paths.columns)  # no rows asked, columns named
    html = result._repr_html_()
    assert "<table" in html and "crypto-perp-longs" in html and "var.0.99" in html


def test_a_scenario_as_path_text_or_dict_is_the_same_run(small):
    by_path = firesale.run(small, backend="cpu").summary
    by_text = firesale.run(SMALL, backend="cpu").summary
    as_dict = firesale.load_scenario(small)
    by_dict = firesale.run(as_dict, backend="cpu").summary
    assert without_timing(by_path) == without_timing(by_text) == without_timing(by_dict)
    # A dict is the place to change a scenario: more leverage, more liquidations.
    as_dict["cohorts"][0]["leverage"]["median"] *= 2
    levered = firesale.run(as_dict, backend="cpu").summary
    assert levered["cohorts"]["perps"]["p_liquidation"] > by_path["cohorts"]["perps"]["p_liquidation"]


def test_validate_and_scenarios(cli):
    assert firesale.scenarios() == ["crypto-unwind", "calm-market"]
    assert firesale.validate("crypto-unwind") == __import__("json").loads(
        cli("validate", "crypto-unwind", "--json", "-").stdout
    )
    compiled = firesale.validate("crypto-unwind")
    assert len(compiled["cohorts"]["crypto-perp-longs"]["buckets"]) == 16


def test_results_do_not_depend_on_threads():
    one = firesale.run("calm-market", paths=3000, backend="cpu", threads=1, dump_paths=50)
    two = firesale.run("calm-market", paths=3000, backend="cpu", threads=2, dump_paths=50)
    pd.testing.assert_frame_equal(one.paths, two.paths, check_exact=True)
    assert without_timing(one.summary)["cohorts"] == without_timing(two.summary)["cohorts"]


def test_threads_beyond_the_machine_are_capped_with_a_warning():
    with pytest.warns(UserWarning, match=r"threads 999 is more than the \d+ CPU threads here; using"):
        result = firesale.run("calm-market", paths=100, backend="cpu", threads=999)
    assert result.summary["paths"] == 100
    with pytest.warns(UserWarning, match="no effect with the GPU backend"):
        firesale.run("calm-market", paths=100, backend="gpu", threads=2)
