"""RQ jobs: thin wrappers around one flow each, with deterministic ids per store."""
