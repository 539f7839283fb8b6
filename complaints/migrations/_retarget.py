"""Re-point every complaint at the target its reported address has under today's normalisation rules.

Shared by the data migrations that change how an address is normalised (complaints.addresses): targets that
now name the same thing merge (counts added, first and latest report kept, the most recent triage status kept),
a target that named a whole platform splits into its pages, and a target left without complaints is deleted.
Not imported by the application (the migration loader skips files starting with "_").
"""
from __future__ import annotations

from collections import defaultdict


def retarget(apps, schema_editor) -> None:
    from complaints.addresses import AddressError, normalise_address

    Complaint = apps.get_model("complaints", "Complaint")
    ReportedTarget = apps.get_model("complaints", "ReportedTarget")
    old_targets = {target.pk: target for target in ReportedTarget.objects.all()}
    groups: dict[tuple[str, str], list] = defaultdict(list)
    for complaint in Complaint.objects.only("pk", "target_id", "address_as_reported", "created_at").iterator():
        try:
            address = normalise_address(" ".join(complaint.address_as_reported.split()))
            key = (str(address.kind), address.value)
        except AddressError:  # no longer readable: it keeps the target it had
            old = old_targets[complaint.target_id]
            key = (old.kind, old.address)
        groups[key].append(complaint)
    by_key = {(target.kind, target.address): target for target in old_targets.values()}
    kept = set()
    for (kind, address), complaints in groups.items():
        sources = [old_targets[pk] for pk in {complaint.target_id for complaint in complaints}]
        latest = max(sources, key=lambda t: (t.status_changed_at is not None, t.status_changed_at, t.pk))
        fields = {
            "report_count": len(complaints),
            "first_reported_at": min(complaint.created_at for complaint in complaints),
            "last_reported_at": max(complaint.created_at for complaint in complaints),
            "status": latest.status, "status_changed_at": latest.status_changed_at,
            "kominfo_forwarded_at": min((t.kominfo_forwarded_at for t in sources if t.kominfo_forwarded_at),
                                        default=None),
            "bareskrim_forwarded_at": min((t.bareskrim_forwarded_at for t in sources if t.bareskrim_forwarded_at),
                                          default=None),
        }
        target = by_key.get((kind, address))
        if target is None:
            target = ReportedTarget.objects.create(kind=kind, address=address, **fields)
            by_key[(kind, address)] = target
        else:
            ReportedTarget.objects.filter(pk=target.pk).update(**fields)
        kept.add(target.pk)
        Complaint.objects.filter(pk__in=[complaint.pk for complaint in complaints]).update(target=target)
    ReportedTarget.objects.exclude(pk__in=kept).filter(complaints__isnull=True).delete()
