"""Stateside: plan and finance AI infrastructure build-out across US states."""

__version__ = "0.1.0"
