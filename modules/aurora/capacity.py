"""What one instance has: memory, vCPUs and Aurora PostgreSQL's default `max_connections`.

The alarms' thresholds and the dashboard's limit lines are shares of these; they are
computed here once, never per alarm.

**Provisioned classes** (`db.r6g.large`, ...): from AWS at plan time. An RDS class is the
EC2 instance type of the same name without `db.` (`db.t4g.large` runs on a `t4g.large`:
2 vCPUs, 8 GiB), so the `aws_ec2_instance_type` data source reads its memory and vCPU
count with one `ec2:DescribeInstanceTypes` call per plan (read-only, no resource-level
permission; well under a second next to the refresh of the cluster). A table kept here
would go stale with every class AWS adds; the data source knows each class the day it is
orderable. The thresholds are then Terraform expressions: the synthesized JSON shows the
formula, `terraform plan` the number.

**Serverless v2** (`db.serverless`): from the configured maximum capacity, about 2 GiB of
memory per ACU (AWS: "Each ACU is a combination of approximately 2 gibibytes (GiB) of
memory, corresponding CPU, and networking"). CloudWatch reports a Serverless v2
instance's `FreeableMemory` as if it ran at its maximum capacity, and its
`max_connections` follows the maximum capacity too, so both scale with
`serverless.max_capacity`. AWS publishes no vCPU count for an ACU: `vcpus` is None.

**max_connections**: a number set in `aurora.instance_parameters` is taken as it is;
otherwise Aurora PostgreSQL's default, `LEAST({DBInstanceClassMemory/9531392}, 5000)`,
computed with the class's full memory as AWS's own guide does (db.r5.large, 16 GiB: 1802).
Aurora reserves part of the memory for itself, so the real default is a little lower; the
connection alarm's default share (80 %) leaves room for that. Serverless v2 instances with
a minimum capacity of 0.5 ACU are capped at 2,000 connections.
"""

from __future__ import annotations

import math

from cdktf import Fn, Op, Token
from constructs import Construct

from modules.aurora.engine_version import number
from modules.config import AuroraSpec
from modules.config.tuning import ACU_MEMORY_BYTES
from modules.providers import DataAwsEc2InstanceType

#: Bytes of memory per connection in Aurora PostgreSQL's default `max_connections`.
BYTES_PER_CONNECTION = 9531392
#: The ceiling of Aurora PostgreSQL's default `max_connections`.
MAX_CONNECTIONS_CEILING = 5000
#: With a minimum capacity of 0.5 ACU, Serverless v2 caps `max_connections` at this.
SERVERLESS_SMALL_MIN_CONNECTIONS_CEILING = 2000
MIB = 1024 * 1024

#: A number known at synth, or a Terraform number token (a class's memory, read at plan time).
Number = float


def configured_max_connections(spec: AuroraSpec) -> int | None:
    """`max_connections` of `aurora.instance_parameters` when it is a plain number."""
    setting = spec.instance_parameters.get("max_connections")
    return int(setting.value) if setting is not None and setting.value.isdigit() else None


def share(value: Number, percent: float) -> Number:
    """`percent` % of `value`, rounded down: computed here for a number, by Terraform for a token."""
    if Token.is_unresolved(value):
        return Fn.floor(Op.div(Op.mul(value, number_of(percent)), number(100)))
    return math.floor(value * percent / 100)


def times(value: Number, factor: float) -> Number:
    """`value` times `factor`: computed here for a number, by Terraform for a token."""
    if Token.is_unresolved(value):
        return value if factor == 1 else Op.mul(value, number_of(factor))
    return value * factor


def number_of(value: float) -> float:
    """`value` as an operand of cdktf's `Op` (see `modules.aurora.engine_version.number`)."""
    return number(int(value)) if float(value).is_integer() else Token.as_number(repr(float(value)))


class InstanceCapacity(Construct):
    """Memory (bytes), vCPUs and default `max_connections` of one instance of
    `spec.instance_class`: numbers for Serverless v2, Terraform number tokens on the
    `instance-type` data source otherwise.

    Attributes: `memory_bytes`, `vcpus` (None with Serverless v2), `max_connections`.
    """

    def __init__(self, scope: Construct, id_: str, *, spec: AuroraSpec) -> None:
        super().__init__(scope, id_)
        configured = configured_max_connections(spec)
        capacity = spec.capacity
        self.vcpus: Number | None
        if capacity is not None:
            memory = int(capacity.max_capacity * ACU_MEMORY_BYTES)
            ceiling = (
                SERVERLESS_SMALL_MIN_CONNECTIONS_CEILING if capacity.min_capacity <= 0.5 else MAX_CONNECTIONS_CEILING
            )
            self.memory_bytes: Number = memory
            self.vcpus = None
            self.max_connections: Number = configured or min(memory // BYTES_PER_CONNECTION, ceiling)
            return
        # Every instance has the same class, and its EC2 twin the same memory and vCPUs.
        instance_type = DataAwsEc2InstanceType(
            self, "instance-type", instance_type=spec.instance_class.removeprefix("db.")
        )
        self.memory_bytes = Op.mul(instance_type.memory_size, number(MIB))
        self.vcpus = instance_type.default_vcpus
        self.max_connections = (
            configured
            if configured is not None
            else Fn.min([Fn.floor(Op.div(self.memory_bytes, number(BYTES_PER_CONNECTION))), number(MAX_CONNECTIONS_CEILING)])
        )
