"""Field-level rules of what operators watch and tune on the cluster: maintenance and backup
windows, engine parameters, Performance Insights retention, Serverless v2 capacity, and
where alarms go (an SNS topic, e-mail addresses).

Like `modules.config.fields`, each validator raises `ValueError` with the rule in words,
and `modules.config.load` turns it into a line naming the field and the value. The rules
are RDS's own (API reference of `ModifyDBCluster`, `ModifyDBInstance`,
`ServerlessV2ScalingConfiguration`), checked here so that a bad value fails the synth,
not an apply halfway through.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator

#: Minutes in a day and in a week: windows are arcs on these circles (UTC).
DAY_MINUTES = 24 * 60
WEEK_MINUTES = 7 * DAY_MINUTES
#: RDS refuses maintenance and backup windows shorter than this (minutes).
MIN_WINDOW_MINUTES = 30
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

#: The windows used when the config names none. Fixed, so that RDS does not pick a random
#: 30-minute window per instance (it does when none is given: AWS CDK #16954, #29687), and
#: apart, as RDS requires: backups every night 02:00-03:00 UTC, maintenance on Sunday
#: 04:00-05:00 UTC.
DEFAULT_BACKUP_WINDOW = "02:00-03:00"
DEFAULT_MAINTENANCE_WINDOW = "sun:04:00-sun:05:00"

_HH_MM = r"([01]\d|2[0-3]):([0-5]\d)"
_BACKUP_WINDOW = re.compile(rf"^{_HH_MM}-{_HH_MM}$")
_MAINTENANCE_WINDOW = re.compile(rf"^({'|'.join(WEEKDAYS)}):{_HH_MM}-({'|'.join(WEEKDAYS)}):{_HH_MM}$")

#: Performance Insights retention periods RDS accepts (days): 7 (the free tier), a month
#: (31 days) times 1 to 23, or 731 (two years).
PERFORMANCE_INSIGHTS_RETENTION_DAYS = (7, *(31 * n for n in range(1, 24)), 731)

#: Aurora Serverless v2 capacity, in Aurora capacity units (ACU, about 2 GiB of memory
#: each): steps of 0.5 up to 256 (Aurora PostgreSQL 15.x/16.x/17.x on the current platform;
#: AWS refuses more than 128 on clusters of older platform versions).
ACU_STEP = 0.5
MAX_ACU = 256
#: Memory of one ACU in bytes (AWS: "approximately 2 gibibytes").
ACU_MEMORY_BYTES = 2 * 1024**3

# A PostgreSQL or Aurora parameter name (`log_min_duration_statement`, `rds.force_ssl`,
# `apg_plan_mgmt.capture_plan_baselines`).
_PARAMETER_NAME = re.compile(r"^[a-z_][a-z0-9_.]{0,127}$")
# An SNS standard topic by ARN (CloudWatch alarms and RDS events cannot publish to FIFO
# topics, whose names end in `.fifo`).
SNS_TOPIC_ARN = re.compile(r"^arn:aws[a-z-]*:sns:(?P<region>[a-z0-9-]+):\d{12}:[A-Za-z0-9_-]{1,256}$")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")


def _minutes(hh: str, mm: str) -> int:
    return int(hh) * 60 + int(mm)


def backup_arc(window: str) -> tuple[int, int]:
    """(start, length) in minutes of a valid `hh24:mi-hh24:mi` window on the day circle."""
    match = _BACKUP_WINDOW.match(window)
    assert match, window
    start, end = _minutes(match[1], match[2]), _minutes(match[3], match[4])
    return start, (end - start) % DAY_MINUTES


def maintenance_arc(window: str) -> tuple[int, int]:
    """(start, length) in minutes of a valid `ddd:hh24:mi-ddd:hh24:mi` window on the week circle."""
    match = _MAINTENANCE_WINDOW.match(window)
    assert match, window
    start = WEEKDAYS.index(match[1]) * DAY_MINUTES + _minutes(match[2], match[3])
    end = WEEKDAYS.index(match[4]) * DAY_MINUTES + _minutes(match[5], match[6])
    return start, (end - start) % WEEK_MINUTES


def _overlap(a: tuple[int, int], b: tuple[int, int], circle: int) -> bool:
    """Whether two arcs (start, length) of a circle of `circle` minutes share a minute."""
    (a_start, a_length), (b_start, b_length) = a, b
    return (b_start - a_start) % circle < a_length or (a_start - b_start) % circle < b_length


def windows_overlap(maintenance: str, backup: str) -> bool:
    """Whether the weekly maintenance window meets the daily backup window on any day."""
    week = maintenance_arc(maintenance)
    start, length = backup_arc(backup)
    return any(_overlap(week, (day * DAY_MINUTES + start, length), WEEK_MINUTES) for day in range(7))


def _backup_window(value: str) -> str:
    if not isinstance(value, str) or not _BACKUP_WINDOW.match(value):
        raise ValueError("must be hh24:mi-hh24:mi in UTC, e.g. 02:00-03:00")
    if backup_arc(value)[1] < MIN_WINDOW_MINUTES:
        raise ValueError(f"must be at least {MIN_WINDOW_MINUTES} minutes long (RDS's minimum)")
    return value


def _maintenance_window(value: str) -> str:
    if not isinstance(value, str) or not _MAINTENANCE_WINDOW.match(value):
        raise ValueError("must be ddd:hh24:mi-ddd:hh24:mi in UTC with lowercase days, e.g. sun:04:00-sun:05:00")
    if maintenance_arc(value)[1] < MIN_WINDOW_MINUTES:
        raise ValueError(f"must be at least {MIN_WINDOW_MINUTES} minutes long (RDS's minimum)")
    return value


def _performance_insights_retention(value: int) -> int:
    if value not in PERFORMANCE_INSIGHTS_RETENTION_DAYS:
        raise ValueError(
            "must be 7 (the free tier), a multiple of 31 up to 713 (1 to 23 months) or 731 (2 years): "
            "the retention periods RDS accepts"
        )
    return value


def _capacity(value: float) -> float:
    if value * 2 != int(value * 2) or not 0 < value <= MAX_ACU:
        raise ValueError(f"must be a number of ACUs from {ACU_STEP} to {MAX_ACU} in steps of {ACU_STEP}")
    return value


def _min_capacity(value: float) -> float:
    if value == 0:
        raise ValueError(
            "0 turns on auto-pause, which Keycloak never lets happen (its connection pool and background jobs "
            "keep sessions open) and which, when it does pause, makes the next login wait for the database to "
            f"resume (about 15 seconds); use {ACU_STEP} or more"
        )
    return _capacity(value)


def parameter_text(value: Any) -> str:
    """A parameter value as RDS takes it: booleans as `1`/`0` (how RDS spells PostgreSQL's
    booleans), numbers as written, strings unchanged."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str) and value.strip():
        return value
    raise ValueError("must be a non-empty string, a number or a boolean")


def _parameter_setting(value: Any) -> Any:
    """A bare value is `{value: <it>}` with the default apply method."""
    return value if isinstance(value, dict) else {"value": value}


def _parameter_names(value: dict[str, Any]) -> dict[str, Any]:
    for name in value:
        if not _PARAMETER_NAME.match(name):
            raise ValueError(
                f"parameter {name!r}: names are lowercase letters, digits, _ and . (a PostgreSQL or Aurora "
                "parameter such as log_min_duration_statement or rds.force_ssl)"
            )
    return value


def _sns_topic_arn(value: str) -> str:
    if not SNS_TOPIC_ARN.match(value):
        raise ValueError(
            "must be the ARN of a standard SNS topic, e.g. arn:aws:sns:eu-west-1:123456789012:db-alarms "
            "(CloudWatch alarms and RDS events cannot publish to FIFO topics)"
        )
    return value


def _emails(value: list[str]) -> list[str]:
    for address in value:
        if not _EMAIL.match(address):
            raise ValueError(f"{address!r} is not an e-mail address")
    duplicates = sorted({address for address in value if value.count(address) > 1})
    if duplicates:
        raise ValueError(f"{', '.join(duplicates)} listed twice")
    return value


BackupWindow = Annotated[str, AfterValidator(_backup_window)]
MaintenanceWindow = Annotated[str, AfterValidator(_maintenance_window)]
PerformanceInsightsRetention = Annotated[int, AfterValidator(_performance_insights_retention)]
Capacity = Annotated[float, AfterValidator(_capacity)]
MinCapacity = Annotated[float, AfterValidator(_min_capacity)]
ParameterValue = Annotated[str, BeforeValidator(parameter_text)]
SnsTopicArn = Annotated[str, AfterValidator(_sns_topic_arn)]
Emails = Annotated[list[str], AfterValidator(_emails)]


def parameters(setting: type) -> Any:
    """The type of a `name -> value or {value, apply_method}` map of engine parameters,
    whose values are `setting` models."""
    return Annotated[dict[str, Annotated[setting, BeforeValidator(_parameter_setting)]], AfterValidator(_parameter_names)]  # type: ignore[valid-type]
