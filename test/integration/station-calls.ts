/**
 * Station API calls as the window and the CLI make them (through `dispatchCall`, so every request and
 * answer is checked against its schema), for integration tests that act as signed-in operators.
 */
import { expect } from 'vitest';
import type { MethodName } from '../../shared/api';
import { dispatchCall } from '../../shared/api-server';
import type { Embedded } from '../../dev/embedded';

/**
 * @param station the station under test (read at each call, so a test may start it later)
 * @returns `call` (the answer's value, or its error code, message and remedy) and `as` (sign out, then
 *   sign in as `login` with `secret`, expecting success)
 */
export function stationCalls(station: () => Embedded['station']) {
  async function call<T = unknown>(method: MethodName, params: unknown) {
    const out = await dispatchCall(station(), method, params);
    return out.ok
      ? { value: out.value as T }
      : { code: out.error.code, message: out.error.message, remedy: out.error.remedy };
  }
  const as = async (login: string, secret: string) => {
    await call('signOut', {});
    expect((await call('signIn', { login, secret })).code).toBeUndefined();
  };
  return { call, as };
}
