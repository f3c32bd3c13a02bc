"""Errors of the security review that a user can fix (shown as one clear message)."""

from __future__ import annotations


class SecurityDataError(ValueError):
    """Bad input to the security review: the message names the file, row and field."""


class OwnershipCycleError(SecurityDataError):
    """The ownership graph contains a cycle; the message names it."""


class UnknownCountryError(SecurityDataError):
    """A country code is not ISO 3166-1 alpha-2."""
