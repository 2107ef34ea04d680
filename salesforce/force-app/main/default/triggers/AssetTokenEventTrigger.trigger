/**
 * After each successful asset-token exchange Salesforce publishes an AssetTokenEvent; this subscriber
 * checks the exchange against the Asset a station registered (AssetTokenHandler). It observes only: the
 * token is already issued when it runs (docs/salesforce-setup.md section 6).
 */
trigger AssetTokenEventTrigger on AssetTokenEvent (after insert) {
    AssetTokenHandler.handleWithRetry(Trigger.new, EventBus.TriggerContext.currentContext().retries);
}
