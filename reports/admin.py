from django.contrib import admin

from prakerja.lib.admin import ReadOnlyAdminMixin
from reports.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The report audit log: readable by staff who hold `view_auditentry`, never added to, changed or deleted
    from the admin (entries are written only by reports.services)."""

    list_display = ["at", "actor", "action", "wave", "kind", "filter_label", "full_identity", "row_count", "completed"]
    list_filter = ["action", "kind", "full_identity", "completed", "wave"]
    list_select_related = ["wave"]
    search_fields = ["actor", "output"]
    date_hierarchy = "at"
    readonly_fields = [f.name for f in AuditEntry._meta.fields]

