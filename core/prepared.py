"""Querysets compiled to SQL once per process and connection, then run with each request's values.

Building a queryset and compiling it costs Django 0.25-3 ms of Python per query; SQLite then
runs it in a few hundredths of that. A read whose *shape* never changes (the same filters,
joins, columns and order; only the values differ) need not be compiled again: here it is
compiled once per database connection (so once per thread, and per process) with stand-in
values, and each call runs that SQL with its own values, through Django's own iteration
(model instances with their ``select_related`` rows, or ``values()``/``values_list()`` rows,
converted as the ORM converts them).

What is kept is SQL text and where each value goes in its parameters, never a row: every
call reads the database, so a publish shows on the next request in every worker.

    pages = prepared.run("news.neighbours", build, article.pk, article.date)

``build(*values)`` returns the queryset; it is called with stand-ins (once per connection and
``shape``), so it must put each value into a filter as it is (no arithmetic on it, no
``LIMIT`` from it: a limit is written into the SQL, which is checked). A value may be an int, a
str, a date, or a list or tuple of them (a list's length is part of the shape). ``shape``:
anything else the SQL depends on (e.g. how many view restrictions there are).

:func:`insert` does the same for ``save()`` of a new row: its INSERT compiled once per model.
"""

from __future__ import annotations

import contextlib
import datetime
import weakref

from django.db import DEFAULT_DB_ALIAS, connections, router, transaction
from django.db.models import signals
from django.db.models.sql import InsertQuery

_compiled: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

# After how many runs on one connection PostgreSQL keeps a statement of this module planned
# (psycopg's ``prepare_threshold``): the first runs are planned each time, as every query is.
# None: never prepared (behind a pooler in transaction mode that cannot keep them).
PLANNED_AFTER: int | None = 2


@contextlib.contextmanager
def _planned_once(connection):
    """Statements run inside are prepared on PostgreSQL: planned once per connection, not per run.

    Django binds parameters on the client (psycopg's ``ClientCursor``, which never prepares)
    and turns psycopg's preparing off, so PostgreSQL parses and plans every query it gets: for
    the enroll POST's training query, three times the time it takes to run. The statements of
    this module have a fixed shape, so they are sent with server-side binding (Django's own
    cursor class for it, through Django's cursor wrapper: logged, counted and wrapped in Django's
    errors like any query) and prepared after ``PLANNED_AFTER`` runs. Django's option does this
    for every query (``server_side_binding``), where some of Wagtail's admin queries fail ("for
    SELECT DISTINCT, ORDER BY expressions must appear in select list"); here it is only these.
    A pooler in transaction mode (PgBouncer before 1.21) would need this off: the deployment
    (deploy/) connects directly. SQLite: nothing changes.
    """
    if connection.vendor != "postgresql" or PLANNED_AFTER is None:
        yield
        return
    from django.db.backends.postgresql.base import ServerBindingCursor

    connection.ensure_connection()
    raw = connection.connection
    factory, threshold = raw.cursor_factory, raw.prepare_threshold
    raw.cursor_factory, raw.prepare_threshold = ServerBindingCursor, PLANNED_AFTER
    try:
        yield
    finally:
        raw.cursor_factory, raw.prepare_threshold = factory, threshold


class _Slot:
    """Where value ``n`` goes in the parameters: as it is, as a date's text (SQLite), or in a LIKE pattern."""

    __slots__ = ("how", "index", "n", "wrap")

    def __init__(self, index: int, n: int, how: str, wrap=None):
        # wrap: the type the backend gave the value (psycopg's Int4 for an integer column), or None.
        self.index, self.n, self.how, self.wrap = index, n, how, wrap


class _Entry:
    __slots__ = ("compiler", "params", "queryset", "slots", "sql")


def _stand_ins(values, seed: int) -> tuple[list, list]:
    """A stand-in for each value, of its type (within a small positive integer field's range), and all of them flat."""
    stand_ins, flat = [], []
    for value in values:
        if isinstance(value, (list, tuple)):
            group = []
            for item in value:
                group.append(_stand_in(len(flat), item, seed))
                flat.append(group[-1])
            stand_ins.append(type(value)(group))
        else:
            stand_ins.append(_stand_in(len(flat), value, seed))
            flat.append(stand_ins[-1])
    return stand_ins, flat


def _stand_in(n: int, value, seed: int):
    if isinstance(value, bool) or value is None:
        raise TypeError(f"prepared: a value must be an int, str or date, not {value!r}")
    if isinstance(value, int):
        return 29_989 - 101 * seed - n
    if isinstance(value, str):
        return f"zqprepared{seed}value{n}qz"
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return datetime.date(1111 + seed, 1, 1) + datetime.timedelta(days=n)
    raise TypeError(f"prepared: a value must be an int, str or date, not {value!r}")


def _compile(build, values) -> _Entry:
    entry = _compile_with(build, values, seed=0)
    # Once more with other stand-ins: the same SQL, the parameters differing only where a value goes.
    check = _compile_with(build, values, seed=1)
    placed = {slot.index for slot in entry.slots}
    if (
        check.sql != entry.sql
        or len(check.params) != len(entry.params)
        or [(s.index, s.n, s.how, s.wrap) for s in check.slots] != [(s.index, s.n, s.how, s.wrap) for s in entry.slots]
        or any(
            a != b for index, (a, b) in enumerate(zip(entry.params, check.params, strict=True)) if index not in placed
        )
    ):
        raise ValueError("prepared: the query's shape depends on its values; give what it depends on as shape")
    return entry


def _compile_with(build, values, *, seed: int) -> _Entry:
    stand_ins, flat_stand_ins = _stand_ins(values, seed)
    queryset = build(*stand_ins)
    if queryset._prefetch_related_lookups:
        raise ValueError("prepared: prefetch_related is not supported; read the related rows with a query of their own")
    compiler = queryset.query.get_compiler(using=queryset.db)
    sql, params = compiler.as_sql()
    slots = []
    for index, param in enumerate(params):
        for n, stand_in in enumerate(flat_stand_ins):
            if type(param) is type(stand_in) and param == stand_in:
                slots.append(_Slot(index, n, "same"))
                break
            if (
                isinstance(stand_in, int)
                and isinstance(param, int)
                and not isinstance(param, bool)
                and param == stand_in
            ):
                slots.append(_Slot(index, n, "same", wrap=type(param)))
                break
            if isinstance(stand_in, datetime.date) and param == stand_in.isoformat():
                slots.append(_Slot(index, n, "date"))
                break
            if isinstance(stand_in, str) and isinstance(param, str) and stand_in in param:
                # Only the LIKE patterns Django writes for startswith, endswith, contains.
                how = {stand_in + "%": "starts", "%" + stand_in: "ends", "%" + stand_in + "%": "contains"}.get(param)
                if how is None:
                    raise ValueError(f"prepared: a value inside {param!r} is not a LIKE pattern")
                slots.append(_Slot(index, n, how))
                break
    placed = {slot.index for slot in slots}
    for index, param in enumerate(params):
        if index not in placed and any(str(stand_in) in str(param) for stand_in in flat_stand_ins):
            raise ValueError(f"prepared: a value became {param!r}, which cannot be placed")
    for n, stand_in in enumerate(flat_stand_ins):
        text = stand_in.isoformat() if isinstance(stand_in, datetime.date) else str(stand_in)
        if text in sql:
            raise ValueError(f"prepared: value {n} is written into the SQL, not passed as a parameter")
    # Django's iterables ask the query for a compiler: they get this one, whose SQL is set per call.
    queryset.query.get_compiler = lambda *args, **kwargs: compiler
    # The converters of its columns (from the connection's backend and the fields: code, no data)
    # are the same on every call.
    converters = compiler.get_converters([column[0] for column in compiler.select[0 : compiler.col_count]])
    compiler.get_converters = lambda expressions: converters
    entry = _Entry()
    entry.compiler, entry.queryset, entry.sql, entry.params, entry.slots = compiler, queryset, sql, list(params), slots
    return entry


def run(key: str, build, *values, shape=()) -> list:
    """The rows of ``build(*values)``, compiled once per connection for ``key``, ``shape`` and the lists' lengths."""
    lengths = tuple(len(value) if isinstance(value, (list, tuple)) else -1 for value in values)
    full_key = (key, shape, lengths)
    # The build is needed to know the queryset's database; every query here uses the default
    # one, so the cache is keyed on its connection (one per thread).
    connection = connections["default"]
    per_connection = _compiled.get(connection)
    if per_connection is None:
        per_connection = _compiled[connection] = {}
    entry = per_connection.get(full_key)
    if entry is None:
        entry = per_connection[full_key] = _compile(build, values)
        if entry.queryset.db != "default":
            raise ValueError("prepared: only the default database")
    flat = []
    for value in values:
        if isinstance(value, (list, tuple)):
            flat.extend(value)
        else:
            flat.append(value)
    params = list(entry.params)
    ops = connection.ops
    for slot in entry.slots:
        value = flat[slot.n]
        if slot.how == "same":
            params[slot.index] = value if slot.wrap is None else slot.wrap(value)
        elif slot.how == "date":
            params[slot.index] = ops.adapt_datefield_value(value)
        else:
            escaped = ops.prep_for_like_query(value)
            params[slot.index] = {"starts": f"{escaped}%", "ends": f"%{escaped}", "contains": f"%{escaped}%"}[slot.how]
    sql, final = entry.sql, tuple(params)
    compiler = entry.compiler
    compiler.as_sql = lambda *args, **kwargs: (sql, final)
    queryset = entry.queryset
    with _planned_once(connection):
        return list(queryset._iterable_class(queryset))


# -- INSERTs ---------------------------------------------------------------------------------

_INSERTS: dict[tuple, tuple[str, bool]] = {}
_INSERTABLE: dict[tuple, list | None] = {}


def _insert_statement(model, using: str, fields: list, returning: list) -> tuple[str, bool]:
    """The INSERT Django's save() makes for this model, compiled once: (sql, returns the pk)."""
    query = InsertQuery(model)
    query.insert_values(fields, [model()])  # a blank row: the placeholders, not its values
    compiler = query.get_compiler(using=using)
    compiler.returning_fields = returning
    connection = connections[using]
    returns = bool(returning) and connection.features.can_return_columns_from_insert
    if not returns:
        compiler.returning_fields = None
    (sql, _params), *more = compiler.as_sql()
    if more or compiler.returning_params:
        raise ValueError(f"{model.__name__}: not one plain INSERT")
    return sql, returns


def insertable_fields(model) -> list | None:
    """The fields of this model's INSERT (all but the automatic primary key), or None when save()
    must make it (see :func:`insert`)."""
    meta = model._meta
    if meta.auto_field is None or meta.pk is not meta.auto_field or meta.parents or meta.order_with_respect_to:
        return None
    fields = [field for field in meta.local_concrete_fields if field is not meta.auto_field]
    if any(field.generated or getattr(field, "get_placeholder_sql", None) for field in fields):
        return None  # a placeholder that may depend on the value: not one statement for every row
    return fields


def insert(obj, using: str | None = None, *, send_signals: bool = True):
    """``obj.save()`` of a new row of a model with an automatic primary key, the statement compiled
    once per process (the save() of an enrollment or an outbox row: ~700 Python calls).

    What save() does, in its order: the related objects checked, ``pre_save`` sent, each field's
    ``pre_save()`` (``auto_now_add``...) and database value, the INSERT (the transaction marked for
    rollback on an error), the instance saved (pk, ``_state``), ``post_save`` sent; no signals
    with ``send_signals=False``, as ``bulk_create()`` sends none. A model with a parent table,
    ``order_with_respect_to``, generated fields or fields with their own placeholder, or a value
    that is an expression, is saved by ``save()`` itself.
    """
    model = type(obj)
    meta = model._meta
    using = using or router.db_for_write(model, instance=obj)
    key = (model, using)
    if key not in _INSERTABLE:
        _INSERTABLE[key] = insertable_fields(model)
    if (
        (fields := _INSERTABLE[key]) is None
        or not obj._state.adding
        or getattr(obj, meta.pk.attname) is not None
        or any(hasattr(obj.__dict__.get(field.attname), "resolve_expression") for field in fields)
    ):
        return _saved(obj, using, send_signals)
    obj._prepare_related_fields_for_save(operation_name="save")
    if send_signals:
        signals.pre_save.send(sender=model, instance=obj, raw=False, using=using, update_fields=None)
    values = [field.pre_save(obj, add=True) for field in fields]
    connection = connections[using]
    if (statement := _INSERTS.get(key)) is None:
        returning = [meta.auto_field] if meta.auto_field in meta.db_returning_fields else []
        statement = _INSERTS[key] = _insert_statement(model, using, fields, returning)
    sql, returns = statement
    params = [field.get_db_prep_save(value, connection=connection) for field, value in zip(fields, values, strict=True)]
    with transaction.mark_for_rollback_on_error(using), _planned_once(connection), connection.cursor() as cursor:
        cursor.execute(sql, params)
        pk = cursor.fetchone()[0] if returns else connection.ops.last_insert_id(cursor, meta.db_table, meta.pk.column)
    setattr(obj, meta.pk.attname, pk)
    obj._state.db = using
    obj._state.adding = False
    if send_signals:
        signals.post_save.send(sender=model, instance=obj, created=True, update_fields=None, raw=False, using=using)
    return obj


def _saved(obj, using: str, send_signals: bool):
    """The rows :func:`insert` leaves to Django: save(), or bulk_create() when no signal is sent."""
    if send_signals:
        obj.save(using=using)
    else:
        type(obj)._base_manager.using(using).bulk_create([obj])
    return obj


@contextlib.contextmanager
def cursor(using: str | None = None):
    """A cursor for a fixed statement run on every request (a counter's UPDATE), prepared as the
    statements of this module are (:func:`_planned_once`)."""
    connection = connections[using or DEFAULT_DB_ALIAS]
    with _planned_once(connection), connection.cursor() as planned:
        yield planned
