"""Run moto's server (all services) on 127.0.0.1 with drift-avoiding patches.

Usage (from the repository root)::

    python -m tests.harness.moto_server --port 5000

Every patch below corrects the *emulator* where moto's answers differ from
real AWS in a way that makes the aws provider report drift (``terraform plan``
after ``apply`` shows changes). The product code is never adapted to moto.

Patches:

* RDS ``DescribeDBClusters`` returns an empty ``ScalingConfigurationInfo``
  for provisioned clusters; real AWS omits it. See
  :func:`_patch_rds_scaling_configuration_info`.
* RDS instances drop their Performance Insights settings; real AWS returns
  them. See :func:`_patch_rds_performance_insights`.
* Rotating an RDS-managed secret leaves its current version empty; real RDS
  sets a new password. Cancelling its rotation is refused for want of a
  Lambda; real AWS turns rotation off. See :func:`_patch_managed_secret_rotation`.
* RDS ``DescribeDBEngineVersions`` is not implemented (HTTP 500), and
  ``DescribeOrderableDBInstanceOptions`` ignores ``DBInstanceClass``, knows
  aurora-postgresql only up to 15.2 and only in us-east-1's AZs. For
  aurora-postgresql both answer from one table of versions and instance
  classes, in the region asked, as AWS does (``make preflight`` asks them).
  See :func:`_patch_rds_engine_offerings`.

* Creating a DB subnet group under a name in use replaces the group (its
  subnets, even in another VPC); real RDS refuses with
  ``DBSubnetGroupAlreadyExists``. See :func:`_patch_rds_subnet_group_names`.

* ``ModifyDBCluster`` with ``ManageMasterUserPassword=true`` on a cluster whose
  password RDS already manages makes a new secret; RDS creates one only when
  management is turned on. The provider sends it after an import (it cannot read
  the flag back), and the new ARN broke the apply of the secret's rotation. See
  :func:`_patch_rds_managed_password_kept`.

* Restoring a snapshot of a cluster whose password RDS manages fails with an
  HTTP 500 that the SDK retries for ever (the apply hangs); real AWS restores
  it. See :func:`_patch_rds_restore_managed_password`.

* Secrets Manager ``ListSecretVersionIds`` reports every version as created
  now; AWS reports when each was created. The ``copy`` mode's Secret follows
  the master secret's current version by its creation time. See
  :func:`_patch_secret_version_dates`.

* With IAM enforcement on, S3 ``HeadBucket`` is authorized as an action
  ``s3:HeadBucket``, which IAM does not have; AWS authorizes it as
  ``s3:ListBucket``. See :func:`_patch_s3_head_bucket_action`.

* With IAM enforcement on, a request is authorized as the action
  ``<signing name>:<operation>``; CloudWatch signs as ``monitoring``, but its
  IAM actions are ``cloudwatch:*`` (AWS's Service Authorization Reference), so
  every alarm call was refused. See :func:`_patch_iam_action_prefixes`.

* ``ModifyDBCluster`` ignores ``EnableIAMDatabaseAuthentication``; RDS turns IAM
  database authentication on or off. See :func:`_patch_rds_iam_authentication_modified`.

* ``DescribeDBParameters`` reports the parameters set on a DB (instance)
  parameter group without their ``Source``; real RDS says ``user``, and the
  provider keeps only those, so every plan wanted to set them again. See
  :func:`_patch_rds_parameter_source`.

Requests are served one at a time (:func:`_serialize_requests`): moto's
backends are plain dicts without locks, and its threaded server once answered
the second of two concurrent ``AuthorizeSecurityGroupIngress`` calls with
``InvalidPermission.Duplicate``; a request that fails half-done can also make
the SDK retry a create that already happened. AWS serialises such calls itself.

A retried request is answered as its first attempt was (:class:`_RetryReplay`): the
AWS SDKs resend a request whose answer did not reach them (a connection reset or cut
short under load) with the same ``amz-sdk-invocation-id`` header and ``amz-sdk-request:
attempt=N``. moto ran the first attempt already, so a retried create made a second object
that no state holds (a duplicate ``CreateVpcPeeringConnection`` left one pending: seen
twice in CI, under load). A retry whose first attempt got a 2xx answer gets that answer
again, without moto; an attempt after an error answer runs. Each retry is logged
(``moto_server: retry ...``), so a failure that involves one names it.

A test can hold a response (``--hold-dir DIR``, :func:`_hold`): while a file
``DIR/<Action>`` exists, every response to that action (``CreateRoute``, ...) waits,
after the action ran and outside the serializing lock, until the file is removed;
``DIR/<Action>.held`` exists while one waits. So a test can kill a deploy at a known
point: the object exists in the emulator, Terraform has not heard of it.

Environment set before moto is imported:

* ``MOTO_IAM_LOAD_MANAGED_POLICIES=true`` so AWS managed IAM policies exist.

Checked and needing no patch (``python -m tests.harness.selfcheck``: apply,
then ``plan -detailed-exitcode`` exits 0 with provider 5.100.0): aws_vpc (DNS
hostnames/support), aws_subnet, aws_route_table, aws_route_table_association,
aws_db_subnet_group, aws_security_group (no inline rules),
aws_vpc_security_group_ingress_rule, aws_rds_cluster (aurora-postgresql 16.8,
provisioned, managed master password) and aws_rds_cluster_instance; the
project's end-to-end tests check the rest (KMS, logs, flow logs, IAM roles;
CloudWatch alarms and dashboards, the SNS topic, RDS event subscriptions,
Serverless v2 scaling). Not implemented by moto 5.2.5 and not needed by any test:
``ModifyEventSubscription``, ``AddSourceIdentifierToSubscription`` and
``RemoveSourceIdentifierFromSubscription`` (a changed ``aurora.reader_count`` calls
the latter two on AWS).

* ``CreateGlobalCluster`` looks the source cluster up in us-east-1 only (where moto keeps
  global clusters; AWS takes one of any region), does not make it the writer, and drops
  the tags; a global cluster's ARN cannot be tagged; ``RemoveFromGlobalCluster`` works in
  us-east-1 only; ``SwitchoverGlobalCluster`` is missing. See
  :func:`_patch_rds_global_clusters`.

The server binds to 127.0.0.1 only and exits with status 0 on SIGTERM/SIGINT
(moto's own ``main`` installs handlers that call ``sys.exit(0)``).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


def _patch_rds_scaling_configuration_info() -> None:
    """Omit ``ScalingConfigurationInfo`` for non-serverless RDS clusters.

    moto builds the element from ``scaling_configuration or {}`` for every
    cluster, so provisioned clusters get an element with all members unset.
    The provider reads that as one ``scaling_configuration`` block of zero
    values, and every later plan wants to update ``aws_rds_cluster`` in place
    to the block's schema defaults (``auto_pause = true``, ``max_capacity =
    16``, ...). Real AWS only returns the element for serverless v1 clusters
    (``engine_mode = serverless``); returning ``None`` makes moto's serializer
    omit it.
    """
    from moto.rds.models import DBCluster

    original = DBCluster.scaling_configuration_info

    def scaling_configuration_info(self: DBCluster):  # type: ignore[no-untyped-def]
        if self.engine_mode != "serverless":
            return None
        return original.fget(self)

    DBCluster.scaling_configuration_info = property(scaling_configuration_info)  # type: ignore[assignment]


def _patch_rds_performance_insights() -> None:
    """Keep an RDS instance's Performance Insights settings.

    moto accepts ``EnablePerformanceInsights``, ``PerformanceInsightsKMSKeyId``
    and ``PerformanceInsightsRetentionPeriod`` on CreateDBInstance and
    ModifyDBInstance but stores none of them, so DescribeDBInstances reports
    Performance Insights off and every plan wants to turn it on again. Store
    them under the names moto's serializer reads for the response members
    (``PerformanceInsightsEnabled`` and so on); AWS defaults retention to 7 days.
    """
    from moto.rds.models import DBInstance

    def remember(instance: DBInstance, settings: dict) -> None:  # type: ignore[type-arg]
        enabled = settings.get("enable_performance_insights")
        if enabled is not None:
            instance.performance_insights_enabled = enabled
            if enabled:
                instance.performance_insights_retention_period = 7
        for name in ("performance_insights_kms_key_id", "performance_insights_retention_period"):
            if settings.get(name) is not None:
                setattr(instance, name, settings[name])

    original_init = DBInstance.__init__
    original_update = DBInstance.update

    def __init__(self: DBInstance, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        original_init(self, *args, **kwargs)
        self.performance_insights_enabled = False
        remember(self, kwargs)

    def update(self: DBInstance, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        settings = {k: kwargs.pop(k, None) for k in ("enable_performance_insights",)}
        original_update(self, *args, **kwargs)
        remember(self, {**kwargs, **settings})

    DBInstance.__init__ = __init__  # type: ignore[method-assign]
    DBInstance.update = update  # type: ignore[method-assign]


def _patch_managed_secret_rotation() -> None:
    """Rotate RDS-managed secrets the way RDS does: a new password, same user.

    ``RotateSecret`` without a rotation Lambda (which is how RDS-managed secrets
    rotate, and what ``aws_secretsmanager_secret_rotation`` calls on apply)
    makes moto label a new, *empty* version AWSCURRENT, so GetSecretValue then
    fails with "can't find the specified secret value". For secrets owned by a
    service (tag ``aws:secretsmanager:owningService``), fill that version with
    the previous JSON and a fresh random password.
    """
    import json
    import secrets as random_source

    from moto.secretsmanager.models import SecretsManagerBackend

    original = SecretsManagerBackend.rotate_secret

    def rotate_secret(self: SecretsManagerBackend, secret_id: str, *args, **kwargs):  # type: ignore[no-untyped-def]
        secret = self.secrets[secret_id] if secret_id in self.secrets else None
        previous = secret.secret_string if secret is not None else None
        result = original(self, secret_id, *args, **kwargs)
        secret = self.secrets[secret_id]
        owned = _owned_by_a_service(secret)
        current = secret.versions.get(secret.default_version_id, {})
        if owned and previous and "secret_string" not in current and not secret.rotation_lambda_arn:
            value = {**json.loads(previous), "password": random_source.token_urlsafe(24)}
            current["secret_string"] = json.dumps(value)
            secret.secret_string = current["secret_string"]
        return result

    original_cancel = SecretsManagerBackend.cancel_rotate_secret

    def cancel_rotate_secret(self: SecretsManagerBackend, secret_id: str) -> str:
        # Destroying aws_secretsmanager_secret_rotation calls CancelRotateSecret. moto
        # demands a rotation Lambda; service-managed secrets have none and AWS accepts.
        secret = self.secrets[secret_id] if secret_id in self.secrets else None
        if secret is not None and not secret.rotation_lambda_arn and _owned_by_a_service(secret):
            secret.rotation_enabled = False
            return secret.to_short_dict()
        return original_cancel(self, secret_id)

    SecretsManagerBackend.rotate_secret = rotate_secret  # type: ignore[method-assign]
    SecretsManagerBackend.cancel_rotate_secret = cancel_rotate_secret  # type: ignore[method-assign]


#: aurora-postgresql versions the patched RDS offers: a subset of what AWS lists for the
#: majors Keycloak supports (2025), with the default AWS picks when none is given.
AURORA_POSTGRESQL_VERSIONS = ("15.6", "15.7", "15.8", "15.10", "16.2", "16.3", "16.4", "16.6", "16.8", "17.4", "17.5")
AURORA_POSTGRESQL_DEFAULT = "16.6"
#: Instance classes orderable for aurora-postgresql (every version above, every AZ). Not
#: among them, as on AWS: the micro and small burstable classes and the m families.
AURORA_POSTGRESQL_CLASSES = (
    "db.t3.medium", "db.t4g.medium", "db.t4g.large", "db.r5.large", "db.r5.xlarge", "db.r6g.large",
    "db.r6g.xlarge", "db.r6g.2xlarge", "db.r6i.large", "db.r7g.large", "db.r7g.xlarge", "db.r8g.large",
    "db.serverless",
)


def _patch_rds_engine_offerings() -> None:
    """Answer ``DescribeDBEngineVersions`` and ``DescribeOrderableDBInstanceOptions`` for
    aurora-postgresql as AWS does, from ``AURORA_POSTGRESQL_VERSIONS`` and
    ``AURORA_POSTGRESQL_CLASSES``.

    moto 5.2.5 has no ``DescribeDBEngineVersions`` (the server answers HTTP 500), and its
    ``DescribeOrderableDBInstanceOptions`` filters on engine and version only, from data
    that stops at aurora-postgresql 15.2 and lists us-east-1's AZs whatever the region.
    Both now filter on ``Engine``, ``EngineVersion``, ``DBParameterGroupFamily`` and
    ``DefaultOnly`` (engine versions) or ``DBInstanceClass`` and ``Vpc`` (orderable
    options); orderable options list the AZs of the region asked and are paginated as
    before. Other engines keep moto's answers (no engine versions at all).
    """
    from moto.core.responses import ActionResult, PaginatedResult
    from moto.ec2.models.availability_zones_and_regions import RegionsAndZonesBackend
    from moto.rds.responses import RDSResponse

    def major(version: str) -> str:
        return version.split(".")[0]

    def engine_version(version: str) -> dict:  # type: ignore[type-arg]
        later = AURORA_POSTGRESQL_VERSIONS[AURORA_POSTGRESQL_VERSIONS.index(version) + 1:]
        return {
            "Engine": "aurora-postgresql",
            "EngineVersion": version,
            "DBParameterGroupFamily": f"aurora-postgresql{major(version)}",
            "DBEngineDescription": "Aurora (PostgreSQL)",
            "DBEngineVersionDescription": f"Aurora PostgreSQL (Compatible with PostgreSQL {version})",
            "Status": "available",
            "SupportedEngineModes": ["provisioned"],
            "SupportsReadReplica": True,
            "SupportsGlobalDatabases": True,
            "SupportsLogExportsToCloudwatchLogs": True,
            "ExportableLogTypes": ["postgresql"],
            "ValidUpgradeTarget": [
                {
                    "Engine": "aurora-postgresql",
                    "EngineVersion": target,
                    "Description": f"Aurora PostgreSQL (Compatible with PostgreSQL {target})",
                    "AutoUpgrade": False,
                    "IsMajorVersionUpgrade": major(target) != major(version),
                }
                for target in later
            ],
        }

    def describe_db_engine_versions(self: RDSResponse) -> ActionResult:
        engine = self.params.get("Engine")
        version = self.params.get("EngineVersion")
        family = self.params.get("DBParameterGroupFamily")
        default_only = str(self.params.get("DefaultOnly", "false")).lower() == "true"
        versions = [] if engine not in (None, "aurora-postgresql") else [
            engine_version(v)
            for v in AURORA_POSTGRESQL_VERSIONS
            if (version is None or v == version)
            and (family is None or family == f"aurora-postgresql{major(v)}")
            and (not default_only or v == AURORA_POSTGRESQL_DEFAULT)
        ]
        return ActionResult({"DBEngineVersions": versions})

    original_orderable = RDSResponse.describe_orderable_db_instance_options

    def describe_orderable_db_instance_options(self: RDSResponse) -> ActionResult:
        if self.params.get("Engine") != "aurora-postgresql":
            return original_orderable(self)
        version = self.params.get("EngineVersion")
        instance_class = self.params.get("DBInstanceClass")
        vpc = self.params.get("Vpc")
        zones = [{"Name": zone.name} for zone in RegionsAndZonesBackend.zones.get(self.region, [])]
        options = [
            {
                "Engine": "aurora-postgresql",
                "EngineVersion": v,
                "DBInstanceClass": c,
                "LicenseModel": "postgresql-license",
                "AvailabilityZones": zones,
                "MultiAZCapable": False,
                "ReadReplicaCapable": False,
                "Vpc": True,
                "SupportsStorageEncryption": True,
                "StorageType": "aurora",
                "SupportsIops": False,
                "SupportsEnhancedMonitoring": True,
                "SupportsIAMDatabaseAuthentication": True,
                "SupportsPerformanceInsights": c.rsplit(".", 1)[-1] not in ("micro", "small"),
                "SupportedEngineModes": ["provisioned"],
                "SupportsClusters": True,
                "SupportedNetworkTypes": ["IPV4"],
            }
            for v in AURORA_POSTGRESQL_VERSIONS
            for c in AURORA_POSTGRESQL_CLASSES
            if (version is None or v == version)
            and (instance_class is None or c == instance_class)
            and str(vpc).lower() != "false"
        ]
        return PaginatedResult({"OrderableDBInstanceOptions": options})

    RDSResponse.describe_db_engine_versions = describe_db_engine_versions  # type: ignore[attr-defined]
    RDSResponse.describe_orderable_db_instance_options = describe_orderable_db_instance_options  # type: ignore[method-assign]


def _patch_rds_subnet_group_names() -> None:
    """Refuse a DB subnet group whose name is taken, as RDS does.

    moto stores the new group over the old one, so a deploy run again after an
    interrupted one (issue #16) would silently move the existing database's subnet
    group into the second, empty VPC; on AWS that deploy fails on the name.
    """
    from moto.rds.exceptions import RDSClientError
    from moto.rds.models import RDSBackend

    original = RDSBackend.create_subnet_group

    def create_subnet_group(self: RDSBackend, subnet_name: str, *args, **kwargs):  # type: ignore[no-untyped-def]
        if subnet_name in self.subnet_groups:
            raise RDSClientError("DBSubnetGroupAlreadyExists", f"The DB subnet group '{subnet_name}' already exists.")
        return original(self, subnet_name, *args, **kwargs)

    RDSBackend.create_subnet_group = create_subnet_group  # type: ignore[method-assign]


def _patch_rds_managed_password_kept() -> None:
    """Keep a cluster's managed master secret when ``ManageMasterUserPassword=true``
    asks for what is already so (the secret's key may still change)."""
    from moto.rds.models import RDSBackend

    original = RDSBackend.modify_db_cluster

    def modify_db_cluster(self: RDSBackend, kwargs: dict):  # type: ignore[no-untyped-def,type-arg]
        cluster = self.clusters.get(kwargs.get("db_cluster_identifier"))
        if kwargs.get("manage_master_user_password") and getattr(cluster, "master_user_secret", None) is not None:
            kwargs.pop("manage_master_user_password")
            key = kwargs.pop("master_user_secret_kms_key_id", None)
            if key is not None:
                cluster.master_user_secret.secret.kms_key_id = key
        return original(self, kwargs)

    RDSBackend.modify_db_cluster = modify_db_cluster  # type: ignore[method-assign]


def _patch_rds_restore_managed_password() -> None:
    """Restore snapshots of clusters whose master password RDS manages.

    ``RestoreDBClusterFromSnapshot`` copies the source cluster's settings with
    ``DBCluster.get_cfg``, which pops ``_master_user_password``; a cluster created
    with ``ManageMasterUserPassword`` never set it, so moto answers HTTP 500
    (``KeyError``) and the SDK retries until the apply is killed. Give it the
    value it has in effect: none.
    """
    from moto.rds.models import DBCluster

    original = DBCluster.get_cfg

    def get_cfg(self: DBCluster) -> dict:  # type: ignore[type-arg]
        self.__dict__.setdefault("_master_user_password", None)
        return original(self)

    DBCluster.get_cfg = get_cfg  # type: ignore[method-assign]


def _patch_secret_version_dates() -> None:
    """``ListSecretVersionIds``: each version's own ``CreatedDate``, as AWS reports it.

    moto answers ``int(time.time())`` for every version on every call, so anything that
    follows the current version by its creation time (the ``copy`` mode's
    ``data_wo_revision``) would see a new version on every plan.
    """
    import json

    from moto.secretsmanager.models import SecretsManagerBackend

    original = SecretsManagerBackend.list_secret_version_ids

    def list_secret_version_ids(self: SecretsManagerBackend, secret_id: str) -> str:
        answer = json.loads(original(self, secret_id))
        versions = self.secrets[secret_id].versions
        for version in answer["Versions"]:
            created = versions.get(version["VersionId"], {}).get("createdate")
            if created is not None:
                version["CreatedDate"] = created
        return json.dumps(answer)

    SecretsManagerBackend.list_secret_version_ids = list_secret_version_ids  # type: ignore[method-assign]


def _patch_s3_head_bucket_action() -> None:
    """Authorize ``HeadBucket`` as ``s3:ListBucket``, as AWS does (``make preflight``'s
    bucket check runs it; its policy grants ``s3:ListBucket``)."""
    from moto.s3.responses import ACTION_MAP

    ACTION_MAP["BUCKET"]["HEAD"]["DEFAULT"] = "ListBucket"


#: SigV4 signing names whose IAM action prefix differs (AWS's Service Authorization
#: Reference): CloudWatch signs as `monitoring`, and its actions are `cloudwatch:*`.
_IAM_PREFIX_OF_SIGNING_NAME = {"monitoring": "cloudwatch"}


def _patch_iam_action_prefixes() -> None:
    """Authorize a request as `<IAM prefix>:<operation>`, as AWS does, not as
    `<signing name>:<operation>`."""
    from moto.iam.access_control import IAMRequestBase

    original = IAMRequestBase.__init__

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        original(self, *args, **kwargs)
        service, _, operation = self._action.partition(":")
        if service in _IAM_PREFIX_OF_SIGNING_NAME:
            self._action = f"{_IAM_PREFIX_OF_SIGNING_NAME[service]}:{operation}"

    IAMRequestBase.__init__ = __init__  # type: ignore[method-assign]


def _patch_rds_iam_authentication_modified() -> None:
    """Let ``ModifyDBCluster`` turn IAM database authentication on or off, as RDS does.

    moto reads ``EnableIAMDatabaseAuthentication`` on create only (into ``iam_auth``); on
    modify it stores the flag under another name, so a cluster restored from a snapshot
    (the provider does not pass the flag there, and RDS leaves it off) kept it off after
    the next apply turned it on, and every plan wanted to turn it on again."""
    from moto.rds.models import RDSBackend

    original = RDSBackend.modify_db_cluster

    def modify_db_cluster(self: RDSBackend, kwargs: dict):  # type: ignore[no-untyped-def,type-arg]
        enabled = kwargs.get("enable_iam_database_authentication")
        result = original(self, kwargs)
        cluster = self.clusters.get(kwargs.get("new_db_cluster_identifier") or result.db_cluster_identifier)
        if enabled is not None and cluster is not None:
            cluster.iam_auth = enabled
            result.iam_auth = enabled
        return result

    RDSBackend.modify_db_cluster = modify_db_cluster  # type: ignore[method-assign]


def _patch_rds_parameter_source() -> None:
    """Mark the parameters set with ``ModifyDBParameterGroup`` as ``Source: user``, as RDS
    does: the aws provider reads a DB parameter group's parameters and keeps those whose
    source is ``user`` (the engine's defaults are ``engine-default`` or ``system``)."""
    from moto.rds.models import DBParameterGroup

    original = DBParameterGroup.update_parameters

    def update_parameters(self: DBParameterGroup, new_parameters):  # type: ignore[no-untyped-def]
        original(self, [{"Source": "user", **parameter} for parameter in new_parameters])

    DBParameterGroup.update_parameters = update_parameters  # type: ignore[method-assign]


def _patch_rds_global_clusters() -> None:
    """Global clusters as AWS has them, for a primary outside us-east-1.

    moto keeps global clusters in its us-east-1 backend. ``CreateGlobalCluster`` looked the
    source cluster (``SourceDBClusterIdentifier``, an ARN) up there only, so joining a
    cluster of any other region failed with ``DBClusterNotFoundFault``: now it is found in
    the region its ARN names, and it is the writer (``IsWriter``, which moto reported
    false). The create call's ``Tags`` were dropped, and tagging calls on a global
    cluster's ARN (no region in it) were refused as an invalid resource name: a plan after
    the apply wanted every tag again. ``RemoveFromGlobalCluster`` looked the global cluster
    up in the region asked and silently did nothing elsewhere; now it detaches the member,
    which then takes writes. ``SwitchoverGlobalCluster`` (not in moto) makes the target
    member the writer."""
    from moto.core.responses import ActionResult
    from moto.rds.models import RDSBackend, rds_backends
    from moto.rds.responses import RDSResponse

    create = RDSBackend.create_global_cluster

    def create_global_cluster(self: RDSBackend, global_cluster_identifier: str,  # type: ignore[no-untyped-def]
                              source_db_cluster_identifier: str | None, *args, **kwargs):
        parts = (source_db_cluster_identifier or "").split(":")
        region = parts[3] if len(parts) > 3 else ""
        if region and region != self.region_name:
            self.describe_db_clusters = rds_backends[self.account_id][region].describe_db_clusters  # type: ignore[method-assign]
        try:
            created = create(self, global_cluster_identifier, source_db_cluster_identifier, *args, **kwargs)
        finally:
            self.__dict__.pop("describe_db_clusters", None)
        for member in created.members:
            member.is_writer = True  # the source, its only member
        return created

    respond = RDSResponse.create_global_cluster

    def create_global_cluster_response(self: RDSResponse):  # type: ignore[no-untyped-def]
        tags = self.params.get("Tags") or []
        result = respond(self)
        if tags:
            self.global_backend.global_clusters[self.params["GlobalClusterIdentifier"]].add_tags(tags)
        return result

    find = RDSBackend._get_resource_for_tagging

    def get_resource_for_tagging(self: RDSBackend, arn: str):  # type: ignore[no-untyped-def]
        parts = arn.split(":")
        if len(parts) == 7 and parts[2] == "rds" and parts[3] == "" and parts[5] == "global-cluster":
            return rds_backends[parts[4]]["us-east-1"].global_clusters.get(parts[6])
        return find(self, arn)

    def member(global_cluster, arn: str):  # type: ignore[no-untyped-def]
        """The member cluster named by `arn` (or identifier), else AWS's error."""
        from moto.rds.exceptions import DBClusterNotFoundError

        for cluster in global_cluster.members:
            if arn in (cluster.db_cluster_arn, cluster.db_cluster_identifier):
                return cluster
        raise DBClusterNotFoundError(arn)

    def switchover_global_cluster(self: RDSResponse):  # type: ignore[no-untyped-def]
        global_cluster = self.global_backend.global_clusters[self.params["GlobalClusterIdentifier"]]
        target = member(global_cluster, self.params["TargetDbClusterIdentifier"])
        for cluster in global_cluster.members:
            cluster.is_writer = cluster is target
        return ActionResult({"GlobalCluster": global_cluster})

    def remove_from_global_cluster(self: RDSResponse):  # type: ignore[no-untyped-def]
        global_cluster = self.global_backend.global_clusters[self.params["GlobalClusterIdentifier"]]
        cluster = member(global_cluster, self.params["DbClusterIdentifier"])
        global_cluster.members.remove(cluster)
        cluster.global_cluster_identifier = None
        cluster.is_writer = True  # a cluster of its own, which takes writes
        return ActionResult({"GlobalCluster": global_cluster})

    RDSBackend.create_global_cluster = create_global_cluster  # type: ignore[method-assign]
    RDSResponse.create_global_cluster = create_global_cluster_response  # type: ignore[method-assign]
    RDSBackend._get_resource_for_tagging = get_resource_for_tagging  # type: ignore[method-assign]
    RDSResponse.switchover_global_cluster = switchover_global_cluster  # type: ignore[attr-defined]
    RDSResponse.remove_from_global_cluster = remove_from_global_cluster  # type: ignore[method-assign]


def _owned_by_a_service(secret) -> bool:  # type: ignore[no-untyped-def]
    """Whether a secret is managed by an AWS service (RDS sets this tag on its secrets)."""
    return any(t.get("Key") == "aws:secretsmanager:owningService" for t in (secret.tags or []))


def apply_patches() -> None:
    """Set moto's environment and apply every patch listed in the module
    docstring. Call once per process, before moto serves any request."""
    os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"
    _patch_rds_scaling_configuration_info()
    _patch_rds_performance_insights()
    _patch_managed_secret_rotation()
    _patch_rds_engine_offerings()
    _patch_rds_subnet_group_names()
    _patch_rds_managed_password_kept()
    _patch_rds_restore_managed_password()
    _patch_secret_version_dates()
    _patch_s3_head_bucket_action()
    _patch_iam_action_prefixes()
    _patch_rds_iam_authentication_modified()
    _patch_rds_parameter_source()
    _patch_rds_global_clusters()


def _hold(hold_dir: Path, body: list[bytes]) -> None:
    """Wait while a file in ``hold_dir`` names the action this is the response to (the
    query/XML protocols answer ``<Action>Response``)."""
    import time

    if not hold_dir.is_dir():
        return
    head = b"".join(body)[:400]
    for flag in hold_dir.iterdir():
        if flag.suffix or f"<{flag.name}Response".encode() not in head:
            continue
        marker = hold_dir / f"{flag.name}.held"
        marker.touch()
        while flag.exists():
            time.sleep(0.1)
        marker.unlink(missing_ok=True)


class _RetryReplay:
    """The 2xx answers of the last ``keep`` (default 4096) SDK invocations, by
    ``amz-sdk-invocation-id``, to answer a retried attempt of one as its first attempt was
    answered (module docstring). Used under the serializing lock only."""

    def __init__(self, keep: int = 4096, log=None) -> None:  # type: ignore[no-untyped-def]
        from collections import OrderedDict

        self.keep = keep
        self.answers: OrderedDict[str, tuple[str, list[tuple[str, str]], list[bytes]]] = OrderedDict()
        self.log = log or (lambda line: print(line, file=sys.stderr, flush=True))

    def __call__(self, app, environ, start_response) -> list[bytes]:  # type: ignore[no-untyped-def]
        invocation = environ.get("HTTP_AMZ_SDK_INVOCATION_ID")
        attempt = environ.get("HTTP_AMZ_SDK_REQUEST", "").partition("attempt=")[2].partition(";")[0]
        if invocation and invocation in self.answers:
            status, headers, body = self.answers[invocation]
            self.log(f"moto_server: retry attempt {attempt or '?'} of {_action(environ, body)} (invocation {invocation}) "
                     f"answered as its first attempt was, {status}")
            start_response(status, headers)
            return body
        if invocation and attempt not in ("", "1"):
            self.log(f"moto_server: retry attempt {attempt} of invocation {invocation}: its earlier attempts "
                     "got no 2xx answer, so it runs")
        answer: list = []

        def keep_status(status, headers, exc_info=None):  # type: ignore[no-untyped-def]
            answer[:] = [status, list(headers)]
            return start_response(status, headers, exc_info)

        body = list(app(environ, keep_status))
        if invocation and answer and answer[0].startswith("2"):
            self.answers[invocation] = (answer[0], answer[1], body)
            if len(self.answers) > self.keep:
                self.answers.popitem(last=False)
        return body


def _action(environ: dict, body: list[bytes]) -> str:  # type: ignore[type-arg]
    """The action a request asked for, as the JSON protocols' ``X-Amz-Target`` header or
    the query/XML protocols' answer (``<XResponse``) name it; "a request" where neither
    does (S3)."""
    import re

    target = environ.get("HTTP_X_AMZ_TARGET", "")
    if target:
        return target.rpartition(".")[2]
    found = re.search(rb"<(\w+)Response[ >]", b"".join(body)[:400])
    return found.group(1).decode() if found else "a request"


def _serialize_requests(hold_dir: Path | None = None) -> None:
    """Let moto's threaded server run one request through moto at a time.

    Connections are still accepted and their request lines and headers
    parsed concurrently, but the application (which reads the request body)
    and the response body it returns run under one lock, and a retried request
    is answered as :class:`_RetryReplay` says. With ``hold_dir``, responses are
    held as :func:`_hold` says, outside the lock.
    """
    import threading

    import moto.server

    lock = threading.Lock()
    replay = _RetryReplay()
    run_simple = moto.server.run_simple

    def serialized(app):  # type: ignore[no-untyped-def]
        def application(environ, start_response):  # type: ignore[no-untyped-def]
            with lock:
                body = replay(app, environ, start_response)
            if hold_dir is not None:
                _hold(hold_dir, body)
            return body

        return application

    def run_simple_serialized(host, port, application, *args, **kwargs):  # type: ignore[no-untyped-def]
        return run_simple(host, port, serialized(application), *args, **kwargs)

    moto.server.run_simple = run_simple_serialized


def main(argv: list[str] | None = None) -> None:
    """Parse ``--port`` (required) and ``--hold-dir`` and serve moto on 127.0.0.1 until
    signalled."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--hold-dir", type=Path, help="hold responses to the actions named by files here")
    args = parser.parse_args(argv)

    apply_patches()
    _serialize_requests(args.hold_dir)

    from moto.server import main as moto_main

    moto_main(["--host", "127.0.0.1", "--port", str(args.port)])


if __name__ == "__main__":
    main()
