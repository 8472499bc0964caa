"""SQLAlchemy 2 (async) store: tables, migrations, repositories, unit of work, queries."""
