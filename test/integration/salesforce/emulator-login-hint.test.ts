/**
 * The org emulator's stand-in for "the person types their username on the login page": `login_hint` on
 * the authorize endpoint logs that user in (a user added with addUser); an unknown username is refused
 * with access_denied, never silently turned into the admin.
 */
import { expect, it } from 'vitest';
import type { OrgEmulator } from '../../../sim/org';
import { freePort, useOrgEmulator } from './helpers';

let emu: OrgEmulator;
useOrgEmulator({}, (e) => (emu = e));

async function authorize(redirect: string, hint: string): Promise<URL> {
  const u = new URL(`${emu.baseUrl}/services/oauth2/authorize`);
  for (const [k, v] of Object.entries({
    response_type: 'code',
    client_id: emu.clientId,
    redirect_uri: redirect,
    login_hint: hint,
  }))
    u.searchParams.set(k, v);
  const res = await fetch(u, { redirect: 'manual' });
  expect(res.status).toBe(302);
  return new URL(res.headers.get('location')!);
}

it('login_hint logs the named user in; an unknown username is refused', async () => {
  const redirect = `http://localhost:${await freePort()}/OauthRedirect`;
  const ivy = emu.addUser({ username: 'ivy@customer-site.example', name: 'Ivy Installer' });
  const back = await authorize(redirect, 'ivy@customer-site.example');
  const code = back.searchParams.get('code')!;
  const res = await fetch(`${emu.baseUrl}/services/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      client_id: emu.clientId,
      redirect_uri: redirect,
    }),
  });
  const body = (await res.json()) as { id: string };
  expect(body.id.endsWith(`/${ivy.userId}`)).toBe(true);
  expect(ivy.userId).not.toBe(emu.adminUserId);

  const unknown = await authorize(redirect, 'mallory@nowhere.example');
  expect(unknown.searchParams.get('error')).toBe('access_denied');
  expect(unknown.searchParams.get('code')).toBeNull();
});
