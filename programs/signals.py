"""The domain signals of the programs app: what it tells the apps above about its trainings.

Both are sent by :func:`programs.changes.record_publish` after the calendar bookkeeping of
the publish, so every receiver sees the training's new calendar SEQUENCE.

``training_published(sender=TrainingPage, training)``
    Every publish of a training (capacity, enrollment window, anything), live or scheduled.
``training_changed(sender=TrainingPage, training, before, after, changes, notice, sequence)``
    A live publish changed what its participants must be told (``programs.changes``):
    ``before``/``after`` are :class:`~programs.changes.TrainingFacts`, ``changes`` the facts
    that differ (:class:`~programs.changes.Change`), ``notice`` what to tell (``cancelled``,
    ``postponed``, ``resumed`` or ``changed``), ``sequence`` the calendar's new SEQUENCE
    (one value per change: a key for telling each participant once).
"""

from django.dispatch import Signal

training_published = Signal()
training_changed = Signal()
