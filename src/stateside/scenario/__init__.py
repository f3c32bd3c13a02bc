"""Scenario: schema, loading, validation, default data and profiles."""
