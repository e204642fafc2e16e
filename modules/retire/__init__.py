"""Retiring a ROSA cluster (`rosa_clusters[].retired: true`): its stacks stay, empty, so that
a deploy destroys what they hold (`stack.py`)."""
