"""Persistence: SQLModel tables, the engine, migrations, seed data and repositories.

Nothing outside this package opens a database connection or builds a query. Callers get a
:class:`storage.store.Store` from :meth:`storage.database.Database.unit_of_work`, which is one
transaction with an audit trail.
"""

from storage.database import Database
from storage.store import AuditContext, Store

__all__ = ["AuditContext", "Database", "Store"]
