"""`make preflight`: read-only checks against AWS, in seconds, that a deployment of the
config would not fail or come out wrong (`python -m modules.preflight`).

    context.py   result rows, AWS clients per identity
    checks.py    the checks, one function each (CHECKS)
    __main__.py  the command: the table, the exit status

Pure Python and boto3: importing it starts no Node.js process.
"""
