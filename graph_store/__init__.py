"""Graph storage: the GraphStore protocol, its records, and two backends."""
