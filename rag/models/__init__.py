"""Embedding models: provisioned offline from PyPI packages, loaded lazily, behind small encoder protocols."""
