"""The portal's demo catalog (see README.md in this folder)."""
