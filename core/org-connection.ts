/**
 * The station's org connection as the API offers it. Connecting with the JWT bearer flow logs the
 * station in with its own key, no person's Salesforce credentials involved, so it needs the admin
 * PIN; a PKCE login is the operator's own Salesforce login in the browser and needs none
 * (docs/operations.md, Admin PIN).
 */
import type { OrgStatus, StationConfig } from '../shared/domain';
import { StationError } from '../shared/errors';
import type { AdminPin } from './operators/admin-pin';
import type { OrgService } from './services';

/** What the org connection needs. */
export interface OrgConnectionDeps {
  org: OrgService;
  adminPin: AdminPin;
  config(): StationConfig;
  audit(action: string, data: Record<string, unknown>): void;
}

/** Connects, disconnects and reports the org connection. */
export class OrgConnection {
  constructor(private readonly deps: OrgConnectionDeps) {}

  status(): Promise<OrgStatus> {
    return this.deps.org.status();
  }

  /**
   * Logs in with the configured flow (JWT bearer: only with the admin PIN).
   * @throws StationError UNAUTHORIZED (JWT without the right PIN), ORG_* from the login.
   */
  async connect(req: { adminPin?: string | undefined }): Promise<OrgStatus> {
    const flow = this.deps.config().salesforce.authFlow;
    if (flow === 'jwt')
      await this.deps.adminPin.require(req.adminPin, 'connect the station to Salesforce with its own key');
    const status = await this.deps.org.connect();
    this.deps.audit('org.connected', {
      flow,
      username: status.username ?? '',
      instanceUrl: status.instanceUrl ?? '',
    });
    return status;
  }

  disconnect(): Promise<OrgStatus> {
    return this.deps.org.disconnect();
  }

  /**
   * Looks a scanned Account Id up in the org, to show the customer's name before it is used.
   * @returns `{ found: false }` when the org has no such Account.
   * @throws StationError ORG_NOT_CONNECTED (not logged in), BAD_REQUEST (not an Account Id), ORG_* of the query
   */
  async findAccount(accountId: string): Promise<{ found: boolean; id?: string; name?: string }> {
    const port = await this.deps.org.port();
    if (!port.findAccount)
      throw new StationError(
        'ORG_CONFIG',
        'This org connection cannot look Accounts up.',
        'Type the Account Id in the job inputs and check it in Salesforce.',
      );
    const a = await port.findAccount(accountId);
    return a ? { found: true, id: a.id, name: a.name } : { found: false };
  }
}
