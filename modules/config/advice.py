"""Advice on a valid config: choices that work today and are known to break later.

`main.py` prints each line to stderr as `warning: ...` and synthesizes anyway. Each
piece of advice is one small function yielding lines of the shape `field = value: why`,
like the rules in `modules.config.rules`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from modules.config.model import DeploymentConfig
from modules.naming import peering_stack_id

Advice = Callable[[DeploymentConfig], Iterator[str]]


def _node_dns_finder_breaks_on_node_churn(config: DeploymentConfig) -> Iterator[str]:
    # ROSA replaces worker nodes on every upgrade and scale-down; AWS forgets a terminated
    # instance after about an hour, and then the finder matches nothing.
    for i, rosa in enumerate(config.rosa_clusters):
        dns = rosa.vpc.node_private_dns
        if dns and not rosa.retired:  # a retired cluster's VPC is no longer looked up
            role = f" ROLE_ARN={rosa.role_arn}" if rosa.role_arn else ""
            yield (
                f"rosa_clusters[{i}].vpc.node_private_dns = {dns!r}: finds the VPC through one worker node, and "
                f"every plan of {peering_stack_id(rosa.name)} fails once ROSA replaces that node (upgrades, scale-downs). "
                "Use vpc.cluster_id (the ID `rosa describe cluster` prints) or vpc.id; "
                f"`make find-vpc REGION={config.rosa_region(rosa)}{role} NODE={dns}` prints the VPC id"
            )


def _statement_logging_leaks_data(config: DeploymentConfig) -> Iterator[str]:
    # This tool logs DDL only: Keycloak's other statements carry user data and credential hashes.
    setting = config.aurora.cluster_parameters.get("log_statement")
    if setting is not None and setting.value in ("mod", "all"):
        yield (
            f"aurora.cluster_parameters.log_statement = {setting.value!r}: writes Keycloak's statements, with user "
            "data and credential hashes, to the CloudWatch log group; keep `ddl` unless you are debugging, and "
            "for a short time"
        )


def _plain_connections_allowed(config: DeploymentConfig) -> Iterator[str]:
    # Allowed while Keycloak does not verify TLS (rules refuse it otherwise), rarely wanted.
    setting = config.aurora.cluster_parameters.get("rds.force_ssl")
    if setting is not None and setting.value == "0":
        yield (
            "aurora.cluster_parameters.rds.force_ssl = '0': the database accepts unencrypted connections; "
            "passwords and Keycloak's data then cross the peering in clear text"
        )


ADVICE: tuple[Advice, ...] = (
    _node_dns_finder_breaks_on_node_churn,
    _statement_logging_leaks_data,
    _plain_connections_allowed,
)


def config_advice(config: DeploymentConfig) -> list[str]:
    """Every piece of advice on `config`, in order; empty when there is none."""
    return [line for advice in ADVICE for line in advice(config)]
