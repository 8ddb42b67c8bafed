"""Harvesting departmental data into the portal."""
