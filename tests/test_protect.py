"""Small-number suppression (selfeval run --suppress-below N)."""

import pandas as pd

from selfeval.protect import SUPPRESSED, redact_values, suppress_small_numbers


def _measures() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "measure_id": [
                "referrals",
                "contacts",
                "re_referral_pct",
                "re_referral_pct",
                "cp_rate_10k",
            ],
            "unit": ["count", "count", "pct", "pct", "rate_10k"],
            "numerator": [4, 5, 1, 10, 3],
            "denominator": [None, None, 4, 40, 49800],
            "value": [4, 5, 25.0, 25.0, 0.6],
            "rag": ["", "", "red", "red", ""],
        }
    )


def test_counts_below_the_threshold_are_blanked():
    out = suppress_small_numbers(_measures(), 5)
    assert out.loc[0, "value"] is None and out.loc[0, "rag"] == SUPPRESSED
    assert out.loc[1, "value"] == 5  # 5 is not fewer than 5


def test_percentages_on_small_denominators_are_blanked_with_their_numerators():
    out = suppress_small_numbers(_measures(), 5)
    assert out.loc[2, ["numerator", "denominator", "value"]].isna().all()
    assert out.loc[3, "value"] == 25.0


def test_rates_built_on_few_children_are_blanked():
    out = suppress_small_numbers(_measures(), 5)
    assert out.loc[4, "value"] is None


def test_published_quality_table_withholds_identifying_values():
    quality = pd.DataFrame(
        {
            "column": ["child_id", "referral_date", "CHILD"],
            "value": ["C001", "31/02/2021", "123"],
        }
    )
    out = redact_values(quality)
    assert list(out["value"]) == ["(withheld)", "31/02/2021", "(withheld)"]


def test_the_quality_page_tables_read_plainly():
    from selfeval.publish import readable_quality_table

    summary = pd.DataFrame(
        {"file": ["local/audits.csv"], "sheet": [None], "rows_read": [12345], "errors": [0]}
    )
    out = readable_quality_table(summary)
    assert list(out.columns) == ["File", "Sheet", "Rows read", "Errors"]
    assert out.iloc[0].tolist() == ["local/audits.csv", "", "12,345", "0"]


def test_redact_text_withholds_whole_words_found_through_the_index():
    from selfeval.protect import Withheld, redact_text

    withheld = Withheld(["AB1234", "3 April 2015", "-99871", "Jo Bloggs", "(x)-(y)"])
    text = "AB1234 and XAB1234, born 3 April 2015 (13 April 20150), -99871, Jo Bloggs, (x)-(y)."
    assert redact_text(text, withheld) == (
        "(withheld) and XAB1234, born (withheld) (13 April 20150), (withheld), (withheld), "
        "(withheld)."
    )
    assert redact_text(text, set(withheld)) == redact_text(text, withheld)
    assert redact_text("nothing to see", withheld) == "nothing to see"


def test_identifying_values_are_kept_with_the_store_and_recomputed_when_inputs_change(tmp_path):
    import pandas as pd

    from selfeval.protect import SENSITIVE_COLUMNS, stored_identifying_values

    column = sorted(SENSITIVE_COLUMNS)[0]
    tables = {"t": pd.DataFrame({column: ["AB1234", "CD5678"]})}
    cache = tmp_path / "withheld.pickle"
    first = stored_identifying_values(tables, SENSITIVE_COLUMNS, cache, ["inputs v1"])
    assert set(first) == {"AB1234", "CD5678"} and cache.is_file()
    changed = {"t": pd.DataFrame({column: ["EF9012"]})}
    assert set(stored_identifying_values(changed, SENSITIVE_COLUMNS, cache, ["inputs v1"])) == {
        "AB1234",
        "CD5678",
    }  # same inputs: the stored values
    assert set(stored_identifying_values(changed, SENSITIVE_COLUMNS, cache, ["inputs v2"])) == {
        "EF9012"
    }
    cache.write_bytes(b"damaged")
    assert set(stored_identifying_values(changed, SENSITIVE_COLUMNS, cache, ["v3"])) == {"EF9012"}
    assert set(stored_identifying_values(changed, SENSITIVE_COLUMNS, None, ["v3"])) == {"EF9012"}
