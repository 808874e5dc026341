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
"""

from __future__ import annotations

import datetime
import weakref

from django.db import connections

_compiled: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


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
    return list(queryset._iterable_class(queryset))
