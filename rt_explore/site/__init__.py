"""The browsable static site (``rt-explore export --format site -o DIR``): pages for people, offline.

Imports ``catalog``, ``taxonomy`` and ``codegen`` (to ask the generator which entries it builds); only the
CLI imports this package.
"""

from .build import Built, build_site

__all__ = ["Built", "build_site"]
