/**
 * Sign-in: an operator types (or scans) their login and PIN; the core checks them (a scrypt hash in
 * the secret store) and from then on checks their role on every call. Wrong PINs are audited and lock
 * the login after five in a row — the message says so in plain words.
 */
import { useCallback, useState, type FormEvent } from 'react';
import type { MethodResponse, StationApi } from '../../../../shared/api';
import { ErrorNotice } from '../../components/ErrorNotice';
import { TextField } from '../../components/Field';
import { useAsyncAction } from '../../state/useAsync';

/** The signed-in operator as the core returns it. */
export type SignedIn = MethodResponse<'signIn'>;

/** The sign-in form; calls `onSignedIn` with the operator once the core accepts the login. */
export function SignInScreen({ api, onSignedIn }: { api: StationApi; onSignedIn: (op: SignedIn) => void }) {
  const [login, setLogin] = useState('');
  const [secret, setSecret] = useState('');
  const signIn = useAsyncAction(
    useCallback(async () => {
      const op = await api.signIn({ login: login.trim().toLowerCase(), secret });
      setSecret('');
      onSignedIn(op);
      return op;
    }, [api, login, secret, onSignedIn]),
  );
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void signIn.run();
  };
  return (
    <form className="panel signin" aria-label="Sign in" onSubmit={submit}>
      <p>Sign in with your operator login and PIN. The station shows what your role may do.</p>
      <TextField label="Login" value={login} onChange={setLogin} autoFocus required maxLength={32} />
      <TextField
        label="PIN or password"
        type="password"
        value={secret}
        onChange={setSecret}
        required
        maxLength={128}
      />
      {signIn.error ? <ErrorNotice error={signIn.error} alert /> : null}
      <button type="submit" className="btn btn--primary" disabled={signIn.busy || !login.trim() || !secret}>
        {signIn.busy ? 'Signing in…' : 'Sign in'}
      </button>
    </form>
  );
}
