/**
 * A station's audit entries in the org can be created, never edited or deleted (StationEvidenceGuard,
 * docs/salesforce-setup.md section 9). Trigger.old holds the records on delete, Trigger.new on update.
 */
trigger StationAuditEntryTrigger on Station_Audit_Entry__c (before update, before delete) {
    StationEvidenceGuard.refuseEntryChanges(Trigger.isDelete ? Trigger.old : Trigger.new);
}
