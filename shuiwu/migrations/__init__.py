"""Alembic migrations; run them with `shuiwu db upgrade` (see `shuiwu.migrate`)."""
