"""Keycloak's Aurora PostgreSQL database on AWS, as CDKTF constructs and stacks.

One subpackage per component; data flows one way, config file -> validated model ->
constructs -> Terraform JSON:

    config/      the deployment config: model, cross-field rules, loading, the config reference
    naming.py    every name, id and filled-in default two modules need (pure, no jsii)
    providers.py the one module importing provider bindings
    aws/         AWS building blocks: the provider, KMS key, service roles, stack tags
    state/       where each stack keeps its state (backend), and the state bucket stack
    aurora/      the `aurora` stack: network and cluster
    peering/     a `peering-<rosa>` stack per ROSA cluster
    keycloak/    a `keycloak-<rosa>` stack per ROSA cluster, the rendered CR patches
    review/      the pull-request plan summary and topology diagram
    fastsynth/   fast loading of the provider bindings (switched on by entry points)
    app.py       wires the stacks

Importing this package, or any of its modules, changes nothing global: `main.py`, the
benchmark and the test session switch on the fast provider loading themselves.
"""

#: The release, in one place: printed by `python main.py --version` and
#: `python -m modules.run --version`; CHANGELOG.md's newest release heading must match it.
__version__ = "1.0.0"
