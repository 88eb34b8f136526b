"""TODO."""

ROUTES: list = []
