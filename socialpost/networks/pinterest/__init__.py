"""Pinterest (API v5): see :mod:`socialpost.networks.pinterest.network`."""

from socialpost.networks.pinterest.network import PinterestNetwork

__all__ = ["PinterestNetwork"]
