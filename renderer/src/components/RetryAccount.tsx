/**
 * Retry with a customer Account: shown on a bay whose job failed because Salesforce has no Account for it
 * (or refused the one given: `customerRefused`, shared/retry.ts). The operator searches the org's Accounts
 * by name (or scans/types an Account Id) and retries the job with the one picked; the core fills or
 * replaces the job's Account under its rule (core/jobs/retry-inputs.ts) and journals and audits it.
 * Renders nothing for any other job.
 */
import { useCallback, useState } from 'react';
import type { Job } from '../../../shared/domain';
import type { CustomerAccount } from '../../../shared/onboard';
import { customerRefused } from '../../../shared/retry';
import { useStation } from '../state/StationContext';
import { useAsyncAction } from '../state/useAsync';
import { ErrorNotice } from './ErrorNotice';
import { TextField } from './Field';

const ACCOUNT_ID = /^001[A-Za-z0-9]{12}(?:[A-Za-z0-9]{3})?$/;

/** The Account search and "Retry with …" buttons for a job that failed for want of an Account. */
export function RetryAccount({ job }: { job: Job | undefined }) {
  const { api, dispatch } = useStation();
  const [text, setText] = useState('');
  const [found, setFound] = useState<CustomerAccount[] | undefined>();
  const search = useAsyncAction(
    useCallback(async () => setFound(await api.searchAccounts({ text: text.trim() })), [api, text]),
  );
  const retry = useAsyncAction(
    useCallback(
      async (accountId: string) => {
        if (!job) return;
        dispatch({ type: 'jobIfNew', job: await api.retryJob({ jobId: job.id, inputs: { accountId } }) });
      },
      [api, dispatch, job],
    ),
  );
  if (!job || !customerRefused(job)) return null;
  const typedId = ACCOUNT_ID.test(text.trim()) ? text.trim() : undefined;
  const busy = search.busy || retry.busy;
  const error = search.error ?? retry.error;
  return (
    <section className="retry-account" aria-label="Customer Account for Retry" data-testid="retry-account">
      <p className="retry-account__lead">
        Salesforce has no usable customer Account for this device. Find the customer, then retry with their
        Account.
      </p>
      <form
        className="retry-account__search"
        onSubmit={(e) => {
          e.preventDefault();
          if (typedId) void retry.run(typedId);
          else void search.run();
        }}
      >
        <TextField
          label="Customer Account"
          type="search"
          hint="Type the customer's name (or scan the Account Id)"
          value={text}
          onChange={setText}
        />
        <button type="submit" className="btn" disabled={text.trim().length < 2 || busy}>
          {typedId ? 'Retry with this Account' : 'Search'}
        </button>
      </form>
      {error ? (
        <ErrorNotice
          error={error}
          alert
          onDismiss={() => {
            search.clearError();
            retry.clearError();
          }}
        />
      ) : null}
      {found && found.length === 0 ? <p>No Account matches “{text.trim()}”.</p> : null}
      {found?.length ? (
        <ul className="retry-account__found" aria-label="Accounts found">
          {found.map((a) => (
            <li key={a.id}>
              <button
                type="button"
                className="btn btn--primary"
                disabled={busy}
                onClick={() => void retry.run(a.id)}
              >
                Retry with {a.name}
              </button>{' '}
              <span className="retry-account__address">{a.address || 'no address'}</span>
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}
