/**
 * The station's org connection as the API offers it. Connecting with the JWT bearer flow logs the
 * station in with its own key, no person's Salesforce credentials involved, so it needs the admin
 * PIN; a PKCE login is the operator's own Salesforce login in the browser and needs none
 * (docs/operations.md, Admin PIN).
 */
import type { OrgStatus, StationConfig } from '../shared/domain';
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
}
