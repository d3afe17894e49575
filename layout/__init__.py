"""The layout planner: instructions onto the nine-grid of a picture. Pure Python; arrives with issue 4."""
