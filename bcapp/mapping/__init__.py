"""Merchant rules: store settings, mappings and the defaults flows read (see rules.py)."""
