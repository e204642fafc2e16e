"""What every preflight check gets and gives: the config, AWS clients per identity, and
one result row per thing checked."""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field

from botocore.exceptions import BotoCoreError, ClientError

from modules.aws.clients import AwsClients
from modules.config import DeploymentConfig


class Status(enum.Enum):
    """A row's outcome: passed, failed, or not checked because an earlier row failed."""

    PASS = "✓"
    FAIL = "✗"
    SKIP = "-"


@dataclass(frozen=True)
class Result:
    """One row of the preflight table: what was checked, the outcome, and why."""

    name: str
    status: Status
    reason: str


class Unavailable(Exception):
    """AWS cannot be asked with these credentials (the credentials row says why)."""


@dataclass(frozen=True)
class Identity:
    """Who the stacks call AWS as, and where: a region and an optional assumed role."""

    region: str
    role_arn: str | None = None

    def describe(self) -> str:
        return self.region + (f", role {self.role_arn}" if self.role_arn else "")


@dataclass
class Context:
    """The config, and AWS clients for each identity, created once.

    A check asks `clients(identity)`; once the credentials check has found an identity
    unusable, that raises `Unavailable` and the row is skipped (see `attempt`).
    """

    config: DeploymentConfig
    _clients: dict[Identity, AwsClients] = field(default_factory=dict, init=False)
    _unusable: set[Identity] = field(default_factory=set, init=False)
    _zones: dict[Identity, dict[str, str]] = field(default_factory=dict, init=False)

    def clients(self, identity: Identity) -> AwsClients:
        if identity in self._unusable:
            raise Unavailable(f"not checked: no usable credentials for {identity.describe()}")
        if identity not in self._clients:
            self._clients[identity] = AwsClients(
                identity.region, role_arn=identity.role_arn, endpoints=self.config.aws.endpoints
            )
        return self._clients[identity]

    def zones(self, identity: Identity) -> dict[str, str]:
        """{availability zone: state} of the identity's region, asked once. Unfiltered:
        EC2 silently drops unknown names from a ZoneNames filter."""
        if identity not in self._zones:
            found = self.clients(identity).client("ec2").describe_availability_zones()["AvailabilityZones"]
            self._zones[identity] = {zone["ZoneName"]: zone.get("State", "available") for zone in found}
        return self._zones[identity]

    def mark_unusable(self, identity: Identity) -> None:
        """Skip every later row that needs `identity` (its credentials row failed)."""
        self._unusable.add(identity)

    @property
    def aurora(self) -> Identity:
        """The Aurora stack's identity (and the peering stacks' accepter side)."""
        return Identity(self.config.aurora.region)


def attempt(name: str, check: Callable[[], Result]) -> Result:
    """`check()`, or the row saying why it could not run: skipped when its credentials are
    unusable, failed when AWS refused or could not be reached."""
    try:
        return check()
    except Unavailable as err:
        return Result(name, Status.SKIP, str(err))
    except (BotoCoreError, ClientError) as err:
        return Result(name, Status.FAIL, f"could not check: {err}")
