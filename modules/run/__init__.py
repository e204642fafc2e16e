"""The Terraform runner behind `make plan`, `make deploy` and `make destroy`, and CI.

    stacks.py       the manifest's stacks: selection by pattern, dependency order
    environment.py  Terraform's environment: unattended, the provider mirror's CLI config
    process.py      children in process groups of their own, stopped by ONE SIGINT and waited for
    synth.py        `python main.py` as a child (the runner never imports cdktf)
    plan.py         `plan`: parallel plans, plan JSON, the review summary, drift exit codes
    apply.py        `deploy` / `destroy`: one stack at a time, in dependency order
    orphans.py      before Terraform: every state the backend holds has a stack (else exit 1)
    recovery_files.py  after a deploy: recovery files whose imports are in the state go

Run it as `python -m modules.run` (see `__main__.py`).
"""
