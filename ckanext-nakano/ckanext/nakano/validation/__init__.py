"""Validation of tabular resources: encoding, machine readability, Table Schema."""
