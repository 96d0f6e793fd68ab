"""Caching: what the site keeps between requests, per process and in the shared cache."""
