"""The deployment config: one YAML document parsed into a typed, validated model.

Data flows one way: config file -> `DeploymentConfig` -> constructs -> Terraform JSON.
This package owns the first arrow:

    fields.py     field-level rules (formats, ranges) and their constants
    model.py      the models; every field documented (the README reference comes from them)
    rules.py      cross-field rules, one function each
    load.py       the file to use, YAML, and one ConfigError naming every problem
    advice.py     warnings on a valid config (choices known to break later)
    reference.py  writes and checks the README's config table

Pure Python: importing it starts no Node.js process.
"""

from modules.config.advice import config_advice
from modules.config.errors import ConfigError
from modules.config.fields import (
    BACKEND_ENDPOINT_SERVICES,
    DEFAULT_ENGINE_VERSION,
    ENDPOINT_SERVICES,
    SUPPORTED_ENGINE_MAJORS,
)
from modules.config.load import DEFAULT_CONFIG, command_config_path, fallback_notice, load_config, parse_config, selected_config_path
from modules.config.model import (
    AuroraSpec,
    AwsSpec,
    CloudStateSpec,
    DeploymentConfig,
    KeycloakSpec,
    KubernetesAccess,
    LocalStateSpec,
    PasswordMode,
    PoolSpec,
    RestoreSpec,
    RosaClusterSpec,
    RouteTableSelection,
    S3StateSpec,
    StateSpec,
    SubnetSpec,
    VpcFinder,
)

__all__ = [
    "BACKEND_ENDPOINT_SERVICES",
    "DEFAULT_CONFIG",
    "DEFAULT_ENGINE_VERSION",
    "ENDPOINT_SERVICES",
    "SUPPORTED_ENGINE_MAJORS",
    "AuroraSpec",
    "AwsSpec",
    "CloudStateSpec",
    "ConfigError",
    "DeploymentConfig",
    "KeycloakSpec",
    "KubernetesAccess",
    "LocalStateSpec",
    "PasswordMode",
    "PoolSpec",
    "RestoreSpec",
    "RosaClusterSpec",
    "RouteTableSelection",
    "S3StateSpec",
    "StateSpec",
    "SubnetSpec",
    "VpcFinder",
    "config_advice",
    "load_config",
    "parse_config",
    "command_config_path",
    "fallback_notice",
    "selected_config_path",
]
