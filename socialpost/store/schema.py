"""The schema revision this socialpost expects (standard library only: the report's SQLite reader
checks it without importing SQLAlchemy or Alembic)."""

SCHEMA_HEAD = "0007"  # the newest migration; a test checks it matches Alembic's head
