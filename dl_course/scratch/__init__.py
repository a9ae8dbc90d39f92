"""NumPy implementations of the core algorithms, written to be read next to the slides."""
