"""Threads (graph.threads.net): see :mod:`socialpost.networks.threads.network`."""

from socialpost.networks.threads.network import ThreadsNetwork

__all__ = ["ThreadsNetwork"]
