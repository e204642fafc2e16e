"""Constructs and config for Keycloak's Aurora PostgreSQL database on AWS, with CDKTF.

Importing this package installs the fast provider loading (`modules.provider_loading`)
before anything imports cdktf: the jsii Node.js kernel starts on the first cdktf import,
and only a kernel started after `install()` loads providers lazily. `install()` itself
imports nothing heavy; `CDKTF_FAST_PROVIDERS=0` turns it off.
"""

from modules import provider_loading

provider_loading.install()
