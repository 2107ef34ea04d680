import { useCallback } from 'react';
import { ErrorNotice } from '../../components/ErrorNotice';
import { Panel } from '../../components/Panel';
import { useStation } from '../../state/StationContext';
import { useAsyncAction, useLoad } from '../../state/useAsync';

/** Salesforce org connection: status, user, API usage; log in (system browser) and disconnect. */
export function OrgPanel({ adminPin, needsPin = false }: { adminPin: string; needsPin?: boolean }) {
  const { api } = useStation();
  const {
    value: status,
    error: loadError,
    setValue: setStatus,
  } = useLoad(useCallback(() => api.getOrgStatus({}), [api]));

  const connect = useAsyncAction(
    useCallback(async () => {
      setStatus(await api.connectOrg(adminPin.length >= 4 ? { adminPin } : {}));
    }, [api, adminPin, setStatus]),
  );
  const disconnect = useAsyncAction(
    useCallback(async () => {
      setStatus(await api.disconnectOrg({}));
    }, [api, setStatus]),
  );

  const usage = status?.apiUsage;
  const usageShare = usage && usage.limit > 0 ? usage.used / usage.limit : 0;

  return (
    <Panel title="Salesforce org" testId="org-panel">
      {loadError ? <ErrorNotice error={loadError} /> : null}
      {status ? (
        <>
          <p
            className={`state-line state-line--${status.connected ? 'pass' : 'warn'}`}
            data-testid="org-state"
          >
            <span aria-hidden="true">{status.connected ? '✓' : '!'}</span>{' '}
            {status.connected ? 'Connected' : 'Not connected'}
          </p>
          <dl className="facts">
            <dt>User</dt>
            <dd>{status.username ?? '—'}</dd>
            <dt>Instance</dt>
            <dd className="mono">{status.instanceUrl ?? '—'}</dd>
            <dt>Org ID</dt>
            <dd className="mono">{status.orgId ?? '—'}</dd>
            <dt>API usage</dt>
            <dd>
              {usage ? (
                <>
                  <meter
                    className="usage"
                    min={0}
                    max={1}
                    low={0.7}
                    high={0.9}
                    optimum={0}
                    value={usageShare}
                    aria-label="API usage"
                  />{' '}
                  {usage.used.toLocaleString('en')} of {usage.limit.toLocaleString('en')} calls today
                </>
              ) : (
                '—'
              )}
            </dd>
          </dl>
          {status.error ? <ErrorNotice error={status.error} /> : null}
        </>
      ) : null}
      {connect.error ? <ErrorNotice error={connect.error} alert onDismiss={connect.clearError} /> : null}
      {disconnect.error ? (
        <ErrorNotice error={disconnect.error} alert onDismiss={disconnect.clearError} />
      ) : null}
      {needsPin ? (
        <p className="hint">
          This station logs in unattended (JWT): enter the admin PIN in the bar below first.
        </p>
      ) : null}
      <div className="form-row">
        <button
          type="button"
          className="btn btn--primary"
          disabled={connect.busy}
          onClick={() => void connect.run()}
        >
          {connect.busy
            ? 'Waiting for login in the browser…'
            : status?.connected
              ? 'Log in again'
              : 'Log in to Salesforce'}
        </button>
        <button
          type="button"
          className="btn"
          disabled={!status?.connected || disconnect.busy}
          onClick={() => void disconnect.run()}
        >
          Disconnect
        </button>
      </div>
    </Panel>
  );
}
