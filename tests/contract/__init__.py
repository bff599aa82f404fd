"""The contract every network adapter keeps, run over every installed network (see harness.py)."""
