"""Synthetic qualitative evidence: feedback, complaints and compliments, learning from reviews.

Each month from the plan's first year to the extract date draws its rows from a generator seeded
by the month alone, so every extract tells the same story up to its own date. Some quotes have no
consent to publish and some name a person or quote a child's id (what the pack must withhold).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# Sample service area -> the plan priority it bears on (the sample council's plan).
AREAS = {
    "Front door": "right_service",
    "Early help": "right_service",
    "Assessment and intervention": "assessment_intervention",
    "Child protection": "direct_contact",
    "Children in care": "corporate_parenting",
    "Care leavers": "corporate_parenting",
    "Fostering": "corporate_parenting",
    "Workforce": "workforce",
}
AREA_WEIGHTS = np.array([0.14, 0.14, 0.18, 0.16, 0.18, 0.1, 0.05, 0.05])
RESPONDENTS = ["Child", "Young person", "Parent", "Carer", "Partner"]
FEEDBACK_THEMES = [
    "listened_to",
    "communication",
    "timeliness",
    "support",
    "stability",
    "worker_changes",
    "safety",
    "family_time",
    "respect",
    "information",
]
GOOD_QUOTES = {
    "listened_to": "My social worker listened to what I wanted and it made a difference.",
    "communication": "They always rang back when they said they would.",
    "support": "The support came at the right time and we are doing much better now.",
    "stability": "I have lived with the same carers for two years and I feel settled.",
    "safety": "I feel safe at home now.",
    "family_time": "I see my brother every month, which matters to me.",
    "respect": "They treated us with respect, even when things were hard.",
    "information": "I understood what was happening at every meeting.",
    "timeliness": "Someone came to see us the same week.",
    "worker_changes": "I have had the same worker all year.",
}
POOR_QUOTES = {
    "listened_to": "Nobody asked me what I thought before the meeting.",
    "communication": "I left messages and waited weeks for a call back.",
    "support": "We were told help was coming but it did not start for months.",
    "stability": "I have moved three times this year.",
    "safety": "I still do not feel safe when I go home.",
    "family_time": "My family time keeps getting cancelled.",
    "respect": "I felt judged at the conference.",
    "information": "I did not get the plan until after the meeting.",
    "timeliness": "It took too long for anyone to visit.",
    "worker_changes": "I have had four social workers and have to tell my story again.",
}
NAMES = ["Jo", "Priya", "Tom", "Aisha"]  # planted in quotes: the pack must withhold them
COMPLAINT_THEMES = [
    "communication",
    "delay",
    "decision",
    "staff_conduct",
    "worker_changes",
    "support",
    "family_time",
    "information",
]
STAGE_LIMIT = {"Stage 1": 10, "Stage 2": 25, "Stage 3": 30}  # working days (extension aside)
REVIEW_TYPES = [
    "Case audit",
    "Thematic audit",
    "Multi-agency audit",
    "Rapid review",
    "Child safeguarding practice review",
    "Learning review",
]
LEARNING = {
    "right_service": (
        "Partners' referrals lacked the family's consent and views.",
        "Pathways threshold guidance re-issued with partner briefings.",
    ),
    "assessment_intervention": (
        "Assessments described incidents but not their impact on the child.",
        "Assessment workshops on analysis and the child's lived experience.",
    ),
    "direct_contact": (
        "Visits were on time but the child's words were rarely recorded.",
        "Direct work toolkit launched and recording template changed.",
    ),
    "corporate_parenting": (
        "Pathway plans were written late and without the young person.",
        "Personal advisers now co-write pathway plans with the young person.",
    ),
    "management_support": (
        "Supervision records showed actions but no reflection on risk.",
        "Reflective supervision training for all team managers.",
    ),
    "quality_assurance": (
        "Moderation found audits graded too generously.",
        "Moderation panel now reviews one in five audits.",
    ),
    "workforce": (
        "High caseloads in two teams delayed visits and plans.",
        "Caseloads rebalanced across teams and two posts recruited.",
    ),
}
START = pd.Timestamp("2019-04-01")  # first month of qualitative records


def _months(on: pd.Timestamp) -> list[pd.Timestamp]:
    return list(pd.date_range(START, on, freq="MS"))


def _day(rng: np.random.Generator, month: pd.Timestamp) -> pd.Timestamp:
    return month + pd.Timedelta(days=int(rng.integers(0, month.days_in_month)))


def _trend(month: pd.Timestamp) -> float:
    """0 at the start, 1 three years later: feedback and timeliness improve slowly."""
    return min(1.0, max(0.0, (month - START).days / (3 * 365.25)))


def feedback(on: pd.Timestamp, seed: int, child_ids: np.ndarray) -> pd.DataFrame:
    """Feedback rows dated on or before ``on``; quotes for one in three, consent for most."""
    rows = []
    areas = list(AREAS)
    for month in _months(on):
        rng = np.random.default_rng([seed, 19, 1, month.year, month.month])
        for i in range(int(rng.integers(18, 30))):
            area = areas[int(rng.choice(len(areas), p=AREA_WEIGHTS))]
            theme = FEEDBACK_THEMES[int(rng.integers(len(FEEDBACK_THEMES)))]
            rating = int(np.clip(np.round(rng.normal(3.0 + 0.8 * _trend(month), 1.0)), 1, 5))
            asked = rng.random() < 0.9
            quote, consent = "", ""
            if rng.random() < 0.35:
                quote = (GOOD_QUOTES if rating >= 4 else POOR_QUOTES)[theme]
                planted = rng.random()
                if planted < 0.1:
                    quote = f"{NAMES[int(rng.integers(len(NAMES)))]} helped me. " + quote
                elif planted < 0.15 and len(child_ids):
                    quote += f" (case {child_ids[int(rng.integers(len(child_ids)))]})"
                consent = "Yes" if rng.random() < 0.7 else "No"
            rows.append(
                {
                    "feedback_id": f"FB{month:%Y%m}{i:03d}",
                    "feedback_date": _day(rng, month),
                    "respondent": RESPONDENTS[int(rng.integers(len(RESPONDENTS)))],
                    "service_area": area,
                    "priority": AREAS[area],
                    "rating": str(rating) if asked else "",
                    "theme": theme,
                    "quote": quote,
                    "consent_to_publish": consent,
                }
            )
    out = pd.DataFrame(rows)
    return out[out["feedback_date"] <= on].reset_index(drop=True) if len(out) else out


def complaints(on: pd.Timestamp, seed: int) -> pd.DataFrame:
    """Complaints and compliments received on or before ``on``; open ones have no outcome."""
    rows = []
    areas = list(AREAS)
    for month in _months(on):
        rng = np.random.default_rng([seed, 19, 2, month.year, month.month])
        for i in range(int(rng.integers(6, 14))):
            area = areas[int(rng.choice(len(areas), p=AREA_WEIGHTS))]
            received = _day(rng, month)
            compliment = rng.random() < 0.3
            row = {
                "complaint_id": f"CC{month:%Y%m}{i:03d}",
                "received_date": received,
                "kind": "Compliment" if compliment else "Complaint",
                "stage": "",
                "service_area": area,
                "priority": AREAS[area],
                "theme": "good_practice"
                if compliment
                else COMPLAINT_THEMES[int(rng.integers(len(COMPLAINT_THEMES)))],
                "outcome": "",
                "responded_date": pd.NaT,
                "within_timescale": "",
            }
            if not compliment:
                stage = str(rng.choice(["Stage 1", "Stage 2", "Stage 3"], p=[0.85, 0.12, 0.03]))
                limit = STAGE_LIMIT[stage]
                late = rng.random() < 0.35 - 0.2 * _trend(month)
                days = (
                    int(rng.integers(limit + 1, limit * 2))
                    if late
                    else int(rng.integers(2, limit + 1))
                )
                responded = pd.Timestamp(np.busday_offset(received.date(), days, roll="forward"))
                if responded <= on:
                    row["stage"] = stage
                    row["outcome"] = str(
                        rng.choice(
                            ["Upheld", "Partly upheld", "Not upheld", "Withdrawn"],
                            p=[0.25, 0.25, 0.42, 0.08],
                        )
                    )
                    row["responded_date"] = responded
                    row["within_timescale"] = "No" if late else "Yes"
                else:
                    row["stage"] = stage
            rows.append(row)
    out = pd.DataFrame(rows)
    return out[out["received_date"] <= on].reset_index(drop=True) if len(out) else out


def practice_reviews(on: pd.Timestamp, seed: int) -> pd.DataFrame:
    """Learning points from audits and reviews reported on or before ``on``."""
    rows = []
    priorities = list(LEARNING)
    for month in _months(on):
        rng = np.random.default_rng([seed, 19, 3, month.year, month.month])
        for i in range(int(rng.integers(2, 6))):
            priority = priorities[int(rng.integers(len(priorities)))]
            learning, action = LEARNING[priority]
            acted = rng.random() < 0.8
            rows.append(
                {
                    "review_id": f"LR{month:%Y%m}{i:03d}",
                    "review_date": _day(rng, month),
                    "review_type": REVIEW_TYPES[
                        int(rng.choice(6, p=[0.4, 0.25, 0.15, 0.1, 0.03, 0.07]))
                    ],
                    "priority": priority,
                    "learning_point": learning,
                    "action_taken": action if acted else "",
                }
            )
    out = pd.DataFrame(rows)
    return out[out["review_date"] <= on].reset_index(drop=True) if len(out) else out
