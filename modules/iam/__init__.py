"""Least-privilege IAM policies of a deployment, generated from its synthesized stacks
(`make iam-policies`, `python -m modules.iam`).

    actions.py   the table: Terraform type -> IAM actions (create, read, update, delete, tag)
    scopes.py    the deployment's resources as ARN patterns and tag conditions
    stacks.py    the AWS types, providers and backends of synthesized stacks
    policies.py  the deploy, plan and ROSA-account documents
    commands.py  the documents of make preflight, make find-vpc and make recover
    github.py    a Terraform configuration creating the workflows' two roles
    generate.py  every document of a config, over every keycloak.credentials mode
"""
