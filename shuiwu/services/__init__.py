"""Domain services: each takes the acting user (`actor`), enforces permissions, owns the writes."""
