"""The course's networks written from scratch in NumPy (seed 000, parts 1 and 2)."""
