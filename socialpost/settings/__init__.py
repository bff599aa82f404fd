"""Settings: the config file model and its loading, paths, secrets, ``${ENV}`` references, YAML loading
with positions and the plain-words wording of its errors.

Shared ground: the application and campaign code use it; ``networks/`` never does (see the
import-linter contracts in pyproject.toml).
"""
