/**
 * A station's chain head in the org is never deleted, so a lower head cannot be planted in its place
 * (StationEvidenceGuard, docs/salesforce-setup.md section 9).
 */
trigger StationChainHeadTrigger on Station_Chain_Head__c (before delete) {
    StationEvidenceGuard.refuseHeadDeletes(Trigger.old);
}
