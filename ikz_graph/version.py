"""The version of ikz-graph (also in pyproject.toml), recorded in the provenance of every analysis run."""
__version__ = "0.1.0"
