"""Each audit entry is indexed as it is written, in the same transaction (audit/index.py):
a history row from simple-history's signal, a role grant or sign-in event when it is saved.
Connected in governance/apps.py."""

from __future__ import annotations

from django.db.models.signals import post_save
from django.dispatch import receiver
from simple_history.signals import post_create_historical_record

from governance.audit.index import index_row
from governance.audit.queries import TRACKED, Tracked

_BY_MODEL = {source.model: source for source in TRACKED.values()}


@receiver(post_create_historical_record, dispatch_uid="audit_index_history")
def _history_written(sender, instance, history_instance, **kwargs) -> None:
    source = _BY_MODEL.get(type(instance))
    if isinstance(source, Tracked) and history_instance.history_type in source.types:
        index_row(source, history_instance.history_id)


def _record_written(sender, instance, created: bool, raw: bool = False, **kwargs) -> None:
    if created and not raw:
        index_row(_BY_MODEL[sender], instance.pk)


for _model, _source in _BY_MODEL.items():
    if not isinstance(_source, Tracked):  # the append-only records: no simple-history signal
        post_save.connect(
            _record_written, sender=_model, dispatch_uid=f"audit_index_{_source.name}"
        )
