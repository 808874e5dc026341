"""Querysets compiled to SQL once per process, run with new values at each call.

Building and compiling a queryset costs far more Python than running it: the enroll POST's
read of the training (its view restrictions and districts in one statement) made about 1,900
function calls per request, nearly all of them Django turning the same queryset into the same
SQL. A :class:`Prepared` query compiles once per database alias; the values that change from one
request to the next are :class:`Slot` placeholders, given as keyword arguments at each call. Rows
become model instances as Django's own iterable makes them (``Model.from_db``, the database's
converters, annotations as attributes), so a caller cannot tell the instances apart.

For a plain queryset of one model (filters, annotations, ordering): no ``select_related``, no
``prefetch_related``, no values(); :meth:`Prepared.all` refuses the others rather than guess.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import connections, router, transaction
from django.db.models import Expression, IntegerField, QuerySet, signals
from django.db.models.query import ModelIterable
from django.db.models.sql import InsertQuery


@dataclass(frozen=True)
class _Marker:
    """Where a slot's value goes among the compiled statement's parameters."""

    name: str


class Slot(Expression):
    """A value given at each run of a :class:`Prepared` query, e.g. ``filter(pk=Slot("pk"))``."""

    def __init__(self, name: str, output_field=None):
        super().__init__(output_field=output_field or IntegerField())
        self.name = name

    def as_sql(self, compiler, connection):
        return "%s", [_Marker(self.name)]


@dataclass(frozen=True)
class _Compiled:
    model: type
    sql: str
    params: tuple
    converters: tuple
    init_list: list[str]
    start: int
    end: int
    annotations: tuple[tuple[str, int], ...]
    fetch_mode: object


class Prepared:
    """``build()`` returns the queryset (with slots); it is called once per database alias."""

    def __init__(self, build: Callable[[], QuerySet]):
        self._build = build
        self._compiled: dict[str, _Compiled] = {}

    def _compile(self, using: str) -> _Compiled:
        queryset = self._build().using(using)
        if queryset._iterable_class is not ModelIterable or queryset._prefetch_related_lookups:
            raise ValueError("Prepared takes a plain queryset of model instances (no values(), no prefetch).")
        compiler = queryset.query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        klass_info = compiler.klass_info
        if klass_info.get("related_klass_infos"):
            raise ValueError("Prepared takes no select_related().")
        select_fields = klass_info["select_fields"]
        start, end = select_fields[0], select_fields[-1] + 1
        columns = [column for column, _sql, _alias in compiler.select[: compiler.col_count]]
        return _Compiled(
            model=queryset.model,
            sql=sql,
            params=tuple(params),
            converters=tuple(compiler.get_converters(columns).items()),
            init_list=[column.target.attname for column, _sql, _alias in compiler.select[start:end]],
            start=start,
            end=end,
            annotations=tuple(compiler.annotation_col_map.items()),
            fetch_mode=queryset._fetch_mode,
        )

    def compiled(self, using: str) -> _Compiled:
        # Two threads compiling at once both get the same statement: no lock needed.
        if (compiled := self._compiled.get(using)) is None:
            compiled = self._compiled[using] = self._compile(using)
        return compiled

    def all(self, using: str | None = None, **values) -> list:
        """The instances the queryset would give with these slot values, in its order."""
        using = using or router.db_for_read(self._model())
        compiled = self.compiled(using)
        params = [values[param.name] if isinstance(param, _Marker) else param for param in compiled.params]
        connection = connections[using]
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        instances = []
        for row in rows:
            if compiled.converters:  # as the compiler's apply_converters() does
                row = list(row)
                for position, (converters, expression) in compiled.converters:
                    value = row[position]
                    for converter in converters:
                        value = converter(value, expression, connection)
                    row[position] = value
            instance = compiled.model.from_db(
                using, compiled.init_list, row[compiled.start : compiled.end], fetch_mode=compiled.fetch_mode
            )
            for name, position in compiled.annotations:
                setattr(instance, name, row[position])
            instances.append(instance)
        return instances

    def first(self, using: str | None = None, **values):
        found = self.all(using, **values)
        return found[0] if found else None

    def _model(self):
        if (model := getattr(self, "_model_class", None)) is None:
            model = self._model_class = self._build().model  # once: building is cheap, compiling is not
        return model


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


def _insertable_fields(model) -> list | None:
    """The fields of this model's INSERT, or None when save() must make it (see :func:`insert`)."""
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
        _INSERTABLE[key] = _insertable_fields(model)
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
    with transaction.mark_for_rollback_on_error(using), connection.cursor() as cursor:
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
