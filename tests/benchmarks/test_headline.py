"""benchmarks.headline: make bench's closing table, each figure beside its same-run reference."""
import pytest

from benchmarks import headline


@pytest.fixture(autouse=True)
def empty():
    headline.clear()
    yield
    headline.clear()


def test_a_median_is_written_with_its_spread():
    assert headline.spread([3.76, 2.41, 4.69], unit="s") == "3.76 s (2.41-4.69)"
    assert headline.spread([1928.4, 1909.0, 2121.2], ",.0f") == "1,928 (1,909-2,121)"


@pytest.mark.parametrize("ratio, kwargs, text", [
    (2.8, {"at_most": 3}, "2.80x (<= 3x: met)"),
    (7.12, {"at_most": 3}, "7.12x (<= 3x: **missed**)"),
    (0.5, {"at_least": 0.5}, "0.50x (>= 0.5x: met)"),
    (0.43, {"at_least": 0.5}, "0.43x (>= 0.5x: **missed**)"),
])
def test_a_ratio_is_written_against_its_target(ratio, kwargs, text):
    assert headline.verdict(ratio, **kwargs) == text


def test_the_rows_are_one_markdown_table_in_the_order_recorded():
    assert headline.markdown() == ""
    headline.record("list load, 10,000,000 NIKs, clean file", "23.06 s (23.06-33.54)", "raw `COPY` + index 10.41 s",
                    "0.45x (>= 0.25x: met)")
    headline.record("per-row job", "2,919 s extrapolated")
    assert headline.markdown().splitlines() == [
        "| what | measured | reference in the same run | ratio (target) |",
        "|---|---|---|---|",
        "| list load, 10,000,000 NIKs, clean file | 23.06 s (23.06-33.54) | raw `COPY` + index 10.41 s | "
        "0.45x (>= 0.25x: met) |",
        "| per-row job | 2,919 s extrapolated | - | - |",
    ]
