/**
 * Onboard: a field installer picks the device's bay, finds the customer Account by name (shown with
 * its address) and a Contact, adds the location, and onboards. The core proves the device is the
 * registered one first and refuses a swapped unit; on success the handover report (PDF) downloads.
 */
import { useCallback, useState } from 'react';
import type { CustomerAccount, CustomerDetail, OnboardResult } from '../../../../shared/onboard';
import { ErrorNotice } from '../../components/ErrorNotice';
import { SelectField, TextField } from '../../components/Field';
import { useStation } from '../../state/StationContext';
import { useAsyncAction } from '../../state/useAsync';

/** Offers base64 PDF bytes as a download. */
function downloadPdf(filename: string, base64: string): void {
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  const url = URL.createObjectURL(new Blob([bytes], { type: 'application/pdf' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** The onboarding form and its outcome. */
export function OnboardScreen() {
  const { api, live } = useStation();
  const bays = live.bays.filter((b) => b.device);
  const [bayId, setBayId] = useState('');
  const [text, setText] = useState('');
  const [found, setFound] = useState<CustomerAccount[]>([]);
  const [customer, setCustomer] = useState<CustomerDetail | undefined>();
  const [contactId, setContactId] = useState('');
  const [location, setLocation] = useState('');
  const [done, setDone] = useState<OnboardResult | undefined>();
  const [sfUser, setSfUser] = useState<string | undefined>();
  const sfLogin = useAsyncAction(
    useCallback(async () => setSfUser((await api.onboardSalesforceLogin({})).username), [api]),
  );

  const search = useAsyncAction(
    useCallback(async () => setFound(await api.searchAccounts({ text })), [api, text]),
  );
  const pick = useAsyncAction(
    useCallback(async (id: string) => setCustomer(await api.getAccount({ accountId: id })), [api]),
  );
  const onboard = useAsyncAction(
    useCallback(async () => {
      if (!customer) return;
      const r = await api.onboardDevice({
        bayId: bayId || bays[0]!.id,
        accountId: customer.id,
        ...(contactId ? { contactId } : {}),
        ...(location ? { location } : {}),
      });
      setDone(r);
      downloadPdf(r.report.filename, r.report.pdfBase64);
    }, [api, bayId, bays, customer, contactId, location]),
  );

  return (
    <div className="onboard">
      <section className="panel" aria-labelledby="onboard-device">
        <h2 id="onboard-device" className="panel__title">
          Device
        </h2>
        <SelectField label="Bay" value={bayId || bays[0]?.id || ''} onChange={setBayId}>
          {bays.map((b) => (
            <option key={b.id} value={b.id}>
              {b.id}: {b.device!.model} {b.device!.uid}
            </option>
          ))}
        </SelectField>
      </section>
      <section className="panel" aria-labelledby="onboard-you">
        <h2 id="onboard-you" className="panel__title">
          Your Salesforce login
        </h2>
        {sfUser ? (
          <p data-testid="onboard-sf-user">
            Logged in to Salesforce as <strong>{sfUser}</strong>: the asset tokens of the devices you onboard
            name you.
          </p>
        ) : (
          <>
            <p>
              Log in as yourself so that the devices you install are registered to you. Without it, a device
              keeps the asset token it got at the factory.
            </p>
            <button type="button" className="btn" disabled={sfLogin.busy} onClick={() => void sfLogin.run()}>
              {sfLogin.busy ? 'Finish the login in the browser window…' : 'Log in to Salesforce as yourself'}
            </button>
          </>
        )}
        {sfLogin.error ? <ErrorNotice error={sfLogin.error} /> : null}
      </section>
      <section className="panel" aria-labelledby="onboard-customer">
        <h2 id="onboard-customer" className="panel__title">
          Customer
        </h2>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void search.run();
          }}
        >
          <TextField label="Customer name" type="search" value={text} onChange={setText} />
          <button type="submit" className="btn" disabled={text.trim().length < 2 || search.busy}>
            Search
          </button>
        </form>
        {search.error ? <ErrorNotice error={search.error} /> : null}
        <ul className="onboard__accounts" aria-label="Customers found">
          {found.map((a) => (
            <li key={a.id}>
              <button type="button" className="btn btn--quiet" onClick={() => void pick.run(a.id)}>
                <strong>{a.name}</strong> — {a.address || 'no address'}
              </button>
            </li>
          ))}
        </ul>
        {customer ? (
          <>
            <p data-testid="onboard-customer">
              <strong>{customer.name}</strong>, {customer.address}
            </p>
            <SelectField label="Contact" value={contactId} onChange={setContactId}>
              <option value="">(none)</option>
              {customer.contacts.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.name} {c.email ? `<${c.email}>` : ''}
                </option>
              ))}
            </SelectField>
            <TextField label="Location (optional)" value={location} onChange={setLocation} />
          </>
        ) : null}
      </section>
      <button
        type="button"
        className="btn btn--primary"
        disabled={!customer || bays.length === 0 || onboard.busy}
        onClick={() => void onboard.run()}
      >
        {onboard.busy ? 'Checking the device and onboarding…' : 'Onboard device'}
      </button>
      {onboard.error ? <ErrorNotice error={onboard.error} alert testId="onboard-error" /> : null}
      {done ? (
        <div className="banner banner--pass" role="status" data-testid="onboard-done">
          <p>
            Installed {done.model} {done.deviceUid} (Asset {done.assetId}) at {done.account.name}. Handover
            report {done.report.filename} downloaded.
          </p>
          <ul aria-label="On the device">
            {done.checks
              .filter((c) => c.name === 'asset-token' || c.name === 'binding')
              .map((c) => (
                <li key={c.name}>
                  {c.name === 'asset-token' ? 'Asset token' : 'Asset ID on the device'}: {c.detail}
                </li>
              ))}
          </ul>
        </div>
      ) : null}
    </div>
  );
}
