"""Server-time benchmark of the main pages on a large data set: ``make bench`` (see docs/benchmarks.md)."""
