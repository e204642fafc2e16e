"""A `peering-<rosa>` stack per ROSA cluster (`stack.py`): the VPC peering to the Aurora
VPC, routes both ways and the PostgreSQL rule (`rosa_peering.py`)."""
