/**
 * Raw HTTP to an org emulator, for the contract tests (docs/salesforce-wire.md §8): REST calls with a bearer
 * token, token-endpoint requests, and the PKCE authorize + code exchange done by hand.
 */
import crypto from 'node:crypto';
import { expect } from 'vitest';
import type { OrgEmulator } from '../../../sim/org';

/** Headers of a JSON request with a bearer token. */
export const json = (token: string) => ({
  Authorization: `Bearer ${token}`,
  'content-type': 'application/json',
});

/** Raw HTTP helpers bound to the emulator `emu()` returns (read at each call). */
export function rawHttp(emu: () => OrgEmulator) {
  /** The REST base: `{baseUrl}/services/data/v62.0`. */
  const api = () => `${emu().baseUrl}/services/data/v62.0`;

  /** One REST call; the body parsed as JSON when there is one. */
  async function call(method: string, path: string, body?: unknown, token = emu().accessToken) {
    const r = await fetch(`${api()}${path}`, {
      method,
      headers: json(token),
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await r.text();
    return { status: r.status, headers: r.headers, body: text ? (JSON.parse(text) as unknown) : undefined };
  }

  /** One token-endpoint request (form-encoded). */
  async function token(params: Record<string, string>) {
    const r = await fetch(`${emu().baseUrl}/services/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(params),
    });
    return { status: r.status, body: (await r.json()) as Record<string, unknown> };
  }

  /** Runs the PKCE authorize + code exchange by hand; returns the token response. */
  async function pkceTokens(redirectUri: string, verifier = crypto.randomBytes(32).toString('base64url')) {
    const challenge = crypto.createHash('sha256').update(verifier).digest('base64url');
    const u = new URL(`${emu().baseUrl}/services/oauth2/authorize`);
    for (const [k, v] of Object.entries({
      response_type: 'code',
      client_id: emu().clientId,
      redirect_uri: redirectUri,
      state: 's1',
      code_challenge: challenge,
      scope: 'api refresh_token',
    }))
      u.searchParams.set(k, v);
    const r = await fetch(u, { redirect: 'manual' });
    expect(r.status).toBe(302);
    const loc = new URL(r.headers.get('location')!);
    expect(loc.searchParams.get('state')).toBe('s1');
    const code = loc.searchParams.get('code')!;
    return {
      code,
      verifier,
      exchange: (v = verifier) =>
        token({
          grant_type: 'authorization_code',
          code,
          client_id: emu().clientId,
          redirect_uri: redirectUri,
          code_verifier: v,
        }),
    };
  }

  return { api, call, token, pkceTokens };
}
