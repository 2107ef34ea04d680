/**
 * The emulator's run-time state shared by its routes: the persistent store, the OAuth side, the fault
 * switches, and the daily API counter behind `Sforce-Limit-Info` (docs/salesforce-wire.md §4.3), which
 * starts again at 0 each UTC day and is persisted with the store.
 */
import type { BulkJobs } from './bulk-jobs';
import type { OrgFaults } from './faults';
import type { OAuthServer } from './oauth';
import type { OrgStore } from './store';

/** The daily API request counter. */
export class ApiUsage {
  constructor(
    private readonly store: OrgStore,
    /** Daily limit (the `Sforce-Limit-Info` denominator). */
    readonly dailyLimit: number,
  ) {}

  private today(): { used: number; day: string } {
    const day = new Date().toISOString().slice(0, 10);
    if (this.store.data.apiUsage.day !== day) this.store.data.apiUsage = { used: 0, day };
    return this.store.data.apiUsage;
  }

  /** Requests counted today. */
  get used(): number {
    return this.today().used;
  }

  /** Counts one request. */
  count(): void {
    this.today().used++;
  }

  /** Sets today's counter (e.g. to the limit, to exhaust it) and persists it. */
  set(used: number): void {
    this.today().used = used;
    this.store.save();
  }

  /** True once today's requests reached the limit. */
  exhausted(): boolean {
    return this.used >= this.dailyLimit;
  }

  /** The `Sforce-Limit-Info: api-usage=used/limit` header (docs/salesforce-wire.md §4.3). */
  header(): Record<string, string> {
    return { 'Sforce-Limit-Info': `api-usage=${this.used}/${this.dailyLimit}` };
  }
}

/** What every route of the emulator may use. */
export interface EmulatorState {
  store: OrgStore;
  oauth: OAuthServer;
  faults: OrgFaults;
  usage: ApiUsage;
  /** Bulk API 2.0 jobs (bulk.ts), in memory. */
  bulk: BulkJobs;
  /** Count token-endpoint calls against the daily limit (unknown in Salesforce, docs/salesforce-wire.md §4.3). */
  countTokenCalls: boolean;
  /** The emulator's base URL once it listens. */
  baseUrl(): string;
  /** `GET /emulator/info`: base URL, client ID, admin token and ids. */
  info(): Record<string, unknown>;
}
