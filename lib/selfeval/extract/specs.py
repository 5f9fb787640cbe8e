"""Table specifications: what each input table must hold, built from the reference data.

Annex A from `reference/annex_a_columns.csv` (+ code sets from `annex_a_codes_used_aug2019.csv`),
SSDA903 from DfE's column lists, local datasets from `reference/local_datasets.yaml`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import pandas as pd
import yaml

from selfeval.config import reference_file
from selfeval.extract.values import annex_code, normalise_heading

Kind = Literal["text", "date", "integer", "number", "yesno", "code"]
Family = Literal["annex_a", "ssda903", "local"]


@dataclass(frozen=True)
class ColumnSpec:
    """One column of an input table."""

    name: str  # output column name
    heading: str  # the heading users see in the template
    kind: Kind = "text"
    required: bool = False  # the column must be present, else the table is unusable
    blank: Literal["ok", "warning", "error"] = "ok"  # what a blank value is
    codes: frozenset[str] | None = None  # allowed codes (normalised), None = open
    lookup: tuple[tuple[str, str], ...] = ()  # extra accepted spellings → code
    dash_codes: bool = False  # Annex A code list reads `CODE - description`
    aliases: tuple[str, ...] = ()  # other accepted headings
    future_ok: bool = False  # a date after the extract date is plausible (DOB of unborn child)
    description: str = ""


@dataclass(frozen=True)
class TableSpec:
    """One input table: where it comes from and its columns."""

    name: str  # key in Extract.tables
    family: Family
    label: str  # e.g. "Annex A List 3 (Referral)"
    columns: tuple[ColumnSpec, ...]
    date_pairs: tuple[tuple[str, str], ...] = ()  # (start, end) that must not run backwards
    dob: str | None = None  # the date-of-birth column, for "event before birth"
    description: str = ""

    def column(self, name: str) -> ColumnSpec:
        return next(c for c in self.columns if c.name == name)

    def heading_map(self) -> dict[str, str]:
        """Normalised heading (and alias) → output column name."""
        out: dict[str, str] = {}
        for col in self.columns:
            for text in (col.heading, col.name, *col.aliases):
                out.setdefault(normalise_heading(text), col.name)
                out.setdefault(normalise_heading(text.replace("_", " ")), col.name)
        return out


# --- Annex A ----------------------------------------------------------------------------------

ANNEX_A_LISTS = range(1, 12)
# canonical column → field name in annex_a_codes_used_aug2019.csv
ANNEX_A_CODE_FIELDS = {
    "gender": "Gender",
    "ethnicity": "Ethnicity",
    "contact_source": "Contact / Referral Source",
    "referral_source": "Contact / Referral Source",
    "referral_nfa": "Referral NFA?",
    "disability": "Does the Child have a Disability",
    "child_seen": "Child Seen During Continuous Assessment",
    "assessed_in_need": "Was the child assessed as being in need at assessment?",
    "icpc_unnecessary": "Was an Initial Child Protection Conference deemed unnecessary?",
    "icpc_cp_plan": "Did the Initial Child Protection Conference Result in a Child Protection "
    "Plan?",
    "primary_need": "Primary Need Code",
    "closure_reason": "Reason for Closure",
    "case_status": "Case status",
    "initial_category": "Initial/Latest Category of Abuse",
    "latest_category": "Initial/Latest Category of Abuse",
    "seen_alone": "Was the Child Seen Alone?",
    "epo_last_6m": "Subject to Emergency Protection Order or Protected Under Police Powers "
    "in Last Six Months (Y/N)",
    "uasc": "Unaccompanied Asylum Seeking Child (UASC) within the Last 12 Months (Y/N)",
    "category_of_need": "Child's Category of Need",
    "subsequent_period": "Is this a second or subsequent episode of being a Looked After Child "
    "within the last 12 months (Y/N)",
    "legal_status": "Child's Legal Status",
    "permanence_plan": "What is the permanence plan for this child?",
    "reason_ceased": "Reason Ceased to be Looked After",
    "placement_type": "Placement Type",
    "placement_provider": "Placement Provider",
    "placement_location": "Placement Location",
    "return_interview_offered": "Was the child offered a Return Interview after their last "
    "missing episode (Y/N)?",
    "return_interview_accepted": "Did the child accept a Return Interview after their last "
    "missing episode (Y/N)?",
    "eligibility": "Eligibility Category",
    "in_touch": "LA In Touch",
    "accommodation_type": "Type of Accommodation",
    "accommodation_suitable": "Suitability of Accommodation",
    "activity": "Activity Status",
    "no_longer_reason": "Reason Why Child No Longer Placed for Adoption",
    "left_reason": "Reason for leaving adoption process",
}
# Yes/no fields with no code list of their own (List 11).
ANNEX_A_YESNO_ONLY = {"ffa"}
# Single-letter spellings seen in real returns.
ANNEX_A_LOOKUPS = {
    "gender": (("M", "Male"), ("F", "Female"), ("U", "Not stated/recorded")),
}
# Headings used by other template versions (2023-24) or by councils, per canonical column.
ANNEX_A_ALIASES = {
    "age": ("Age", "Age (Years)", "Age of Child"),
    "assessed_in_need": (
        "Was the child assessed as being in need at assessment",
        "Was the child assessed as requiring LA children's social care support?",
    ),
    "disability": ("Disability", "Does the child have a disability?"),
    "uasc": (
        "UASC",
        "Unaccompanied Asylum Seeking Child (UASC)",
        "Unaccompanied Asylum Seeking Child (UASC), or formerly UASC if 18 or over (Y/N)",
    ),
    "subsequent_period": (
        "Is this a second or subsequent episode of being a Looked After Child within the "
        "last 12 months (Y/N)",
    ),
    "personal_adviser": ("Allocated Personal Adviser", "Personal Advisor", "Personal Adviser"),
    "pathway_plan_review": ("Latest Pathway Plan Review", "Date of Latest Pathway Plan Review"),
    "latest_contact": ("Date of Latest Contact", "Latest Contact Date"),
    "in_touch": ("LA in touch?",),
    "child_id": ("Child ID", "ChildUniqueID", "Child Unique Identifier"),
}
# Dates that cannot run backwards, per list.
ANNEX_A_DATE_PAIRS = {
    2: (("eh_assessment_start", "eh_assessment_end"),),
    4: (("assessment_start", "assessment_authorised"),),
    5: (("strategy_date", "icpc_date"),),
    6: (("cin_start", "cin_end"),),
    7: (("cp_start", "cp_end"),),
    8: (("cla_start", "cla_end"),),
    10: (("entered_care", "placed_for_adoption"), ("placed_for_adoption", "adoption_order")),
    11: (("stage1_start", "stage1_end"), ("stage2_start", "stage2_end")),
}
# The date that defines each list's event: a row without it cannot be counted.
ANNEX_A_KEY_DATES = {
    1: ("contact_date",),
    2: ("eh_assessment_start",),
    3: ("referral_date",),
    4: ("assessment_start",),
    5: ("strategy_date",),
    6: ("cin_start",),
    7: ("cp_start",),
    8: ("cla_start",),
    10: ("entered_care",),
    11: ("enquiry_date",),
}
_KIND_FROM_LIIA = {"date": "date", "integer": "integer"}


def _annex_code_set(codes: pd.DataFrame, field_name: str) -> tuple[frozenset[str], bool]:
    """Normalised codes for one Annex A field, and whether its list reads `CODE - description`."""
    preferred = codes.loc[codes["field"] == field_name, "preferred_code"].astype(str)
    if preferred.empty:
        raise KeyError(f"No codes for Annex A field {field_name!r} in the reference file")
    dash = bool(preferred.str.match(r"^[A-Za-z0-9]{1,6}\s+-\s").all())
    return frozenset(annex_code(preferred, dash_codes=dash)), dash


def _annex_column(row: pd.Series, codes: pd.DataFrame, key_columns: set[str]) -> ColumnSpec:
    name = row["canonical"]
    heading = re.sub(
        r"^\(NEW/renamed in 2023-24 schema\)\s*", "", row["column_heading_2019_template"]
    )
    kind: Kind = _KIND_FROM_LIIA.get(str(row["liia_type"]), "text")  # type: ignore[assignment]
    can_be_blank = str(row["can_be_blank_liia"]) != "False"
    code_set, dash = None, False
    if name in ANNEX_A_CODE_FIELDS:
        code_set, dash = _annex_code_set(codes, ANNEX_A_CODE_FIELDS[name])
        kind = "yesno" if code_set <= {"Yes", "No", "Unknown"} else "code"
    elif name in ANNEX_A_YESNO_ONLY:
        kind, code_set = "yesno", frozenset({"Yes", "No"})
    key = name in key_columns
    return ColumnSpec(
        name=name,
        heading=heading.strip(),
        kind=kind,
        required=key,
        blank="error" if key else ("ok" if can_be_blank else "warning"),
        codes=code_set,
        lookup=ANNEX_A_LOOKUPS.get(name, ()),
        dash_codes=dash,
        aliases=ANNEX_A_ALIASES.get(name, ()),
        future_ok=name == "dob",
    )


@lru_cache(maxsize=1)
def annex_a_specs() -> dict[int, TableSpec]:
    """Specs for Annex A Lists 1-11, keyed by list number."""
    columns = pd.read_csv(reference_file("annex_a_columns.csv"), dtype=str)
    codes = pd.read_csv(reference_file("annex_a_codes_used_aug2019.csv"), dtype=str)
    specs = {}
    for number in ANNEX_A_LISTS:
        rows = columns[columns["list_no"] == str(number)]
        keys = {rows["canonical"].iloc[0], *ANNEX_A_KEY_DATES.get(number, ())}
        cols = tuple(_annex_column(r, codes, keys) for _, r in rows.iterrows())
        title = rows["list_name"].iloc[0]
        specs[number] = TableSpec(
            name=f"annex_a_{number}",
            family="annex_a",
            label=f"Annex A List {number} ({title})",
            columns=cols,
            date_pairs=ANNEX_A_DATE_PAIRS.get(number, ()),
            dob="dob" if any(c.name == "dob" for c in cols) else None,
            description=title,
        )
    return specs


# --- SSDA903 ----------------------------------------------------------------------------------

SSDA903_CODES = {
    "SEX": frozenset({"1", "2"}),
    "RNE": frozenset({"S", "P", "L", "T", "U", "B"}),
    "LS": frozenset({"C1", "C2", "D1", "E1", "J1", "J2", "J3", "L1", "L2", "L3", "V2", "V3", "V4"}),
    "CIN": frozenset({f"N{i}" for i in range(1, 9)}),
    "PLACE": frozenset(
        {"A3", "A4", "A5", "A6", "H5", "K1", "K2", "P1", "P2", "P3", "R1", "R2", "R3", "R5"}
        | {"S1", "T0", "T1", "T2", "T3", "T4", "U1", "U2", "U3", "U4", "U5", "U6", "Z1"}
    ),
    "PLACE_PROVIDER": frozenset({"PR0", "PR1", "PR2", "PR3", "PR4", "PR5"}),
    "REC": frozenset(
        {"E11", "E12", "E2", "E3", "E4A", "E4B", "E13", "E41", "E45", "E46", "E47", "E48"}
        | {"E5", "E6", "E7", "E8", "E9", "E14", "E15", "E16", "E17", "X1"}
    ),
    "REASON_PLACE_CHANGE": frozenset(
        {"CARPL", "CLOSE", "ALLEG", "STAND", "APPRR", "CREQB", "CREQO", "CHILD", "LAREQ"}
        | {"PLACE", "CUSTOD", "OTHER"}
    ),
    "REVIEW_CODE": frozenset({f"PN{i}" for i in range(0, 8)}),
    "MISSING": frozenset({"M", "A"}),
    "REASON_PLACED_CEASED": frozenset({"RD1", "RD2", "RD3", "RD4"}),
}
# table → (columns, key columns that must be filled, date columns, date pairs)
SSDA903_TABLES: dict[str, tuple[list[str], list[str], list[str], list[tuple[str, str]]]] = {
    "header": (
        ["CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"],
        ["CHILD", "DOB"],
        ["DOB", "MC_DOB"],
        [],
    ),
    "episodes": (
        ["CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "DEC", "REC"]
        + ["REASON_PLACE_CHANGE", "HOME_POST", "PL_POST", "URN"],
        ["CHILD", "DECOM"],
        ["DECOM", "DEC"],
        [("DECOM", "DEC")],
    ),
    "reviews": (
        ["CHILD", "DOB", "REVIEW", "REVIEW_CODE"],
        ["CHILD", "REVIEW"],
        ["DOB", "REVIEW"],
        [],
    ),
    "uasc": (["CHILD", "SEX", "DOB", "DUC"], ["CHILD"], ["DOB", "DUC"], []),
    "oc2": (
        ["CHILD", "DOB", "SDQ_SCORE", "SDQ_REASON", "CONVICTED", "HEALTH_CHECK", "IMMUNISATIONS"]
        + ["TEETH_CHECK", "HEALTH_ASSESSMENT", "SUBSTANCE_MISUSE", "INTERVENTION_RECEIVED"]
        + ["INTERVENTION_OFFERED"],
        ["CHILD"],
        ["DOB"],
        [],
    ),
    "oc3": (["CHILD", "DOB", "IN_TOUCH", "ACTIV", "ACCOM"], ["CHILD"], ["DOB"], []),
    "ad1": (
        ["CHILD", "DOB", "DATE_INT", "DATE_MATCH", "FOSTER_CARE", "NB_ADOPTR", "SEX_ADOPTR"]
        + ["LS_ADOPTR"],
        ["CHILD"],
        ["DOB", "DATE_INT", "DATE_MATCH"],
        [("DATE_INT", "DATE_MATCH")],
    ),
    "placed_for_adoption": (
        ["CHILD", "DOB", "DATE_PLACED", "DATE_PLACED_CEASED", "REASON_PLACED_CEASED"],
        ["CHILD"],
        ["DOB", "DATE_PLACED", "DATE_PLACED_CEASED"],
        [("DATE_PLACED", "DATE_PLACED_CEASED")],
    ),
    "previous_permanence": (
        ["CHILD", "DOB", "PREV_PERM", "LA_PERM", "DATE_PERM"],
        ["CHILD"],
        ["DOB"],  # DATE_PERM is often partial (e.g. zz/zz/2010): kept as text
        [],
    ),
    "missing": (
        ["CHILD", "DOB", "MISSING", "MIS_START", "MIS_END"],
        ["CHILD", "MIS_START"],
        ["DOB", "MIS_START", "MIS_END"],
        [("MIS_START", "MIS_END")],
    ),
}
SSDA903_INTEGERS = {"SDQ_SCORE", "NB_ADOPTR"}
# Coded columns without a closed code set here: still upper-cased and stripped.
SSDA903_OPEN_CODES = {"ETHNIC", "IN_TOUCH", "ACTIV", "ACCOM", "SEX_ADOPTR", "LS_ADOPTR"}
SSDA903_OPEN_CODES |= {"FOSTER_CARE", "PREV_PERM", "SDQ_REASON"}
SSDA903_FUTURE_OK = {"DOB", "MC_DOB", "DUC"}


@lru_cache(maxsize=1)
def ssda903_specs() -> dict[str, TableSpec]:
    """Specs for the SSDA903 tables, keyed by table (file stem)."""
    specs = {}
    for table, (names, keys, dates, pairs) in SSDA903_TABLES.items():
        cols = []
        for name in names:
            kind: Kind = "text"
            if name in dates:
                kind = "date"
            elif name in SSDA903_INTEGERS:
                kind = "integer"
            elif name in SSDA903_CODES or name in SSDA903_OPEN_CODES:
                kind = "code"
            cols.append(
                ColumnSpec(
                    name=name,
                    heading=name,
                    kind=kind,
                    required=name in keys,
                    blank="error" if name in keys else "ok",
                    codes=SSDA903_CODES.get(name) if kind == "code" else None,
                    future_ok=name in SSDA903_FUTURE_OK,
                )
            )
        specs[table] = TableSpec(
            name=f"ssda903_{table}",
            family="ssda903",
            label=f"SSDA903 {table}",
            columns=tuple(cols),
            date_pairs=tuple(pairs),
            dob="DOB" if "DOB" in names else None,
        )
    return specs


# --- Local datasets ---------------------------------------------------------------------------

LOCAL_DATE_PAIRS = {
    "audits": (("allocated_date", "audit_date"),),
    "workforce": (("start_date", "leave_date"),),
    "early_help": (
        ("referral_date", "first_seen_date"),
        ("referral_date", "assessment_date"),
        ("referral_date", "closure_date"),
    ),
    "missing": (("missing_start", "missing_end"),),
    "ehe": (("start_date", "end_date"),),
    "foster_carers": (("approval_date", "deregistration_date"),),
    "complaints": (("received_date", "responded_date"),),
}
LOCAL_FUTURE_OK = {"due_date", "dob"}


def local_schema() -> dict:
    """The raw local datasets schema (reference/local_datasets.yaml)."""
    return yaml.safe_load(reference_file("local_datasets.yaml").read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def local_specs() -> dict[str, TableSpec]:
    """Specs for the local datasets, keyed by dataset (file stem)."""
    specs = {}
    for dataset, body in local_schema().items():
        cols = []
        for name, col in body["columns"].items():
            blank_ok = bool(col.get("blank_ok", True))
            cols.append(
                ColumnSpec(
                    name=name,
                    heading=name,
                    kind=col["type"],
                    required=bool(col.get("required", False)),
                    blank="ok" if blank_ok else "error",
                    codes=frozenset(col["codes"]) if col.get("codes") else None,
                    future_ok=name in LOCAL_FUTURE_OK,
                    description=col.get("description", ""),
                )
            )
        specs[dataset] = TableSpec(
            name=f"local_{dataset}",
            family="local",
            label=f"local dataset {dataset}",
            columns=tuple(cols),
            date_pairs=LOCAL_DATE_PAIRS.get(dataset, ()),
            dob="dob" if "dob" in body["columns"] else None,
            description=body.get("description", ""),
        )
    return specs
