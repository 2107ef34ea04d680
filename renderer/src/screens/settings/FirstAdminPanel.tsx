/**
 * First run on an open bench (no operator accounts yet): create the station's first administrator and
 * sign in as them. From then on the administrator role replaces the single admin PIN for settings,
 * re-provision overrides and the org connection; everyone signs in (core/operators/accounts.ts: the
 * first account must be an admin).
 */
import { useCallback, useState } from 'react';
import { ErrorNotice } from '../../components/ErrorNotice';
import { TextField } from '../../components/Field';
import { useStation } from '../../state/StationContext';
import { useAsyncAction } from '../../state/useAsync';
import type { SignedIn } from '../signin/SignInScreen';

/** The form; `onSignedIn` gets the new administrator once the core accepted the account and the sign-in. */
export function FirstAdminPanel({ onSignedIn }: { onSignedIn: (op: SignedIn) => void }) {
  const { api } = useStation();
  const [login, setLogin] = useState('');
  const [name, setName] = useState('');
  const [secret, setSecret] = useState('');
  const create = useAsyncAction(
    useCallback(async () => {
      const l = login.trim().toLowerCase();
      await api.addOperator({ login: l, name: name.trim(), role: 'admin', secret });
      const op = await api.signIn({ login: l, secret });
      setSecret('');
      onSignedIn(op);
    }, [api, login, name, secret, onSignedIn]),
  );
  return (
    <section className="panel" aria-labelledby="first-admin">
      <h2 id="first-admin" className="panel__title">
        Operator accounts
      </h2>
      <p>
        This station has no operator accounts yet, so settings are saved with the admin PIN. Create the first
        administrator to have everyone sign in instead: each job then names its operator, and each role sees
        only what it may do.
      </p>
      <form
        aria-label="Create the first administrator"
        onSubmit={(e) => {
          e.preventDefault();
          void create.run();
        }}
      >
        <TextField label="Administrator login" value={login} onChange={setLogin} maxLength={32} />
        <TextField label="Full name" value={name} onChange={setName} maxLength={80} />
        <TextField
          label="New PIN or password"
          type="password"
          value={secret}
          onChange={setSecret}
          maxLength={128}
        />
        {create.error ? <ErrorNotice error={create.error} alert onDismiss={create.clearError} /> : null}
        <button
          type="submit"
          className="btn"
          disabled={create.busy || !login.trim() || !name.trim() || secret.length < 4}
        >
          Create administrator and sign in
        </button>
      </form>
    </section>
  );
}
