"""Pieces shared by the network adapters.

One place for what every adapter needs alike: TLS and HTTP clients (:mod:`.tls`), error
classification (:mod:`.http`), number parsing (:mod:`.numbers`), the OAuth loopback receiver,
comment checks, read pauses and media files. An adapter keeps only its special cases.
"""
