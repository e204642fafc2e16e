"""The `aurora` stack: the private multi-AZ network (`network.py`) and the Aurora
PostgreSQL cluster with its instances (`cluster.py`), wired in `stack.py`."""
