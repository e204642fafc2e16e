"""`make switchover`: move the writer of the Aurora Global Database (`aurora.secondary`) to
the other region (`python -m modules.switchover`), or detach the secondary when the
primary's region is lost. See `__main__.py` and docs/operations.md, "A second region".

Pure Python and boto3: importing it starts no Node.js process.
"""
