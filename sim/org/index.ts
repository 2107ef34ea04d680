/**
 * Salesforce org emulator: a standalone HTTP server on 127.0.0.1 implementing the "Emulator contract"
 * of docs/salesforce-wire.md §8 — OAuth (authorize page, code + PKCE, refresh with rotation, JWT bearer, the
 * asset-token exchange, revoke, userinfo/identity, `/id/keys`) and REST under `/services/data/vNN.N`
 * (sObjects, external-ID upsert, SOQL subset, Collections, Composite) with `Sforce-Limit-Info` and a
 * daily limit, fault switches, and persistence under a home folder.
 *
 * Emulator-only endpoints (not Salesforce): `GET /emulator/asset-token-events`, `GET /emulator/assets`,
 * `GET|POST /emulator/faults`, `POST /emulator/expire-sessions`, `GET /emulator/info`.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { handleRest } from './rest';
import { OAuthError, OAuthServer } from './oauth';
import { OrgStore, type Rec, type TokenEvent } from './store';

/** Run-time fault switches (mutate them on `emulator.faults`, or POST /emulator/faults). */
export interface OrgFaults {
  /** Added delay for every response, ms. */
  latencyMs: number;
  /** The next N REST responses are `serverErrorStatus` with a JSON error body (SERVER_UNAVAILABLE). */
  serverErrors: number;
  serverErrorStatus: number;
  /** The next N REST responses are a 503 HTML maintenance page. */
  htmlErrors: number;
  /** The next N REST requests are processed, then answered with a cut-off (malformed) JSON body. */
  malformedJson: number;
  /** The next N token-endpoint responses are a 503 HTML maintenance page. */
  tokenHtmlErrors: number;
  /** The next N REST responses are 429 Too Many Requests. */
  rateLimited: number;
  /** The next N Asset writes fail with 400 DUPLICATE_VALUE. */
  duplicateValue: number;
  /** Refuse a refresh of a token while another refresh of it is in flight (docs/salesforce-wire.md §5.2). */
  refuseConcurrentRefresh: boolean;
  /** Accept ES256 actor tokens (to probe client behaviour; Salesforce documents RS256 only, §1.3). */
  acceptEs256: boolean;
}

/** Options of {@link startOrgEmulator}. */
export interface OrgEmulatorOptions {
  /** Folder to persist data in (`org-emulator.json`); in memory when absent. */
  home?: string;
  /** TCP port on 127.0.0.1; 0 or absent → any free port. */
  port?: number;
  /** Initial `faults.latencyMs`. */
  latencyMs?: number;
  /** Daily API request limit (`Sforce-Limit-Info` denominator). Default 100000 (docs/salesforce-wire.md §4.3). */
  dailyLimit?: number;
  /** Refresh-token rotation on (docs/salesforce-wire.md §5.2). Default true (enforced since 2026). */
  rotation?: boolean;
  /** `aud` of issued asset tokens (assetTokenAudiences, docs/salesforce-wire.md §2). Default `https://asset-station.invalid/devices`. */
  assetAudience?: string | string[];
  /** Asset token lifetime, seconds (assetTokenValidity). Default 300. */
  assetTokenValiditySec?: number;
  /** `kid` of issued asset tokens (signing certificate name, docs/salesforce-wire.md §1.6). Default `Assets`. */
  assetSigningCertName?: string;
  /** Certificate (or public key) PEM the JWT bearer assertions are checked against (docs/salesforce-wire.md §5.3). */
  jwtBearerCertPem?: string;
  /** Fixed consumer key; default generated once per home. */
  clientId?: string;
  /** Registered callback URLs (exact match); default: any http loopback URL. */
  callbackUrls?: string[];
  /** Approve the authorize request without a page. Default true. */
  autoApprove?: boolean;
  /** Access-token lifetime, ms. Default 2 h. */
  sessionTtlMs?: number;
  /** Count /services/oauth2/token calls against the daily limit (unknown in Salesforce, §4.3). Default false. */
  countTokenCalls?: boolean;
}

/** A running emulator. */
export interface OrgEmulator {
  baseUrl: string;
  port: number;
  clientId: string;
  /** Access token of the seeded admin user. */
  accessToken: string;
  orgId: string;
  adminUsername: string;
  adminUserId: string;
  /** The seeded Account for Assets ("Acme Devices Ltd"). */
  defaultAccountId: string;
  /** A seeded Contact of that Account. */
  defaultContactId: string;
  /** Seeded Product2 Ids by ProductCode (`AS-SENSOR-1`, `AS-GATEWAY-1`). */
  productIds: Record<string, string>;
  /** Asset signing public key (SPKI PEM), for stations that pin it instead of reading /id/keys. */
  assetSigningKeyPem: string;
  faults: OrgFaults;
  /** All Asset records. */
  assets(): Rec[];
  /** The AssetTokenEvent-like log (docs/salesforce-wire.md §1.8). */
  tokenEvents(): TokenEvent[];
  /** Counters: REST calls counted against the limit, token calls by grant type. */
  stats(): { apiUsed: number; dailyLimit: number; tokenCalls: Record<string, number> };
  /** Expires every access token now (refresh tokens stay valid). */
  expireSessions(): void;
  /** Sets the daily API usage counter (e.g. to the limit, to exhaust it). */
  setApiUsage(used: number): void;
  /** Inserts an Asset bypassing uniqueness (legacy data), e.g. to produce a 300 on upsert. */
  seedAsset(fields: Record<string, unknown>): Rec;
  stop(): Promise<void>;
}

const JSON_TYPE = 'application/json;charset=UTF-8'; // docs/salesforce-wire.md §8
const MAX_BODY = 4 * 1024 * 1024;

const HTML_ERROR = `<!DOCTYPE html><html><head><title>Service Unavailable</title></head><body><h1>Maintenance</h1><p>This org is down for maintenance.</p></body></html>`;

/** Starts the emulator. Resolves once it listens. */
export async function startOrgEmulator(opts: OrgEmulatorOptions = {}): Promise<OrgEmulator> {
  const store = OrgStore.open(opts.home, opts.clientId);
  const dailyLimit = opts.dailyLimit ?? 100_000;
  const faults: OrgFaults = {
    latencyMs: opts.latencyMs ?? 0,
    serverErrors: 0,
    serverErrorStatus: 503,
    htmlErrors: 0,
    malformedJson: 0,
    rateLimited: 0,
    tokenHtmlErrors: 0,
    duplicateValue: 0,
    refuseConcurrentRefresh: true,
    acceptEs256: false,
  };
  let baseUrl = '';
  const oauth = new OAuthServer(
    store,
    () => baseUrl,
    {
      rotation: opts.rotation ?? true,
      sessionTtlMs: opts.sessionTtlMs ?? 2 * 3600_000,
      assetAudience: Array.isArray(opts.assetAudience)
        ? opts.assetAudience
        : [opts.assetAudience ?? 'https://asset-station.invalid/devices'],
      assetTokenValiditySec: opts.assetTokenValiditySec ?? 300,
      assetSigningCertName: opts.assetSigningCertName ?? 'Assets',
      ...(opts.jwtBearerCertPem ? { jwtBearerKey: crypto.createPublicKey(opts.jwtBearerCertPem) } : {}),
      ...(opts.callbackUrls ? { callbackUrls: opts.callbackUrls } : {}),
      autoApprove: opts.autoApprove ?? true,
    },
    faults,
  );
  const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

  const usage = () => {
    const today = new Date().toISOString().slice(0, 10);
    if (store.data.apiUsage.day !== today) store.data.apiUsage = { used: 0, day: today };
    return store.data.apiUsage;
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { 'Content-Type': JSON_TYPE });
        res.end(
          JSON.stringify([{ errorCode: 'UNKNOWN_EXCEPTION', message: String((e as Error)?.message ?? e) }]),
        );
      } else res.destroy();
    });
  });

  const send = (
    res: http.ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ) => {
    if (body === undefined) {
      res.writeHead(status, headers);
      res.end();
      return;
    }
    res.writeHead(status, { 'Content-Type': JSON_TYPE, ...headers });
    res.end(JSON.stringify(body));
  };

  const readBody = (req: http.IncomingMessage): Promise<string> =>
    new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_BODY) {
          reject(new Error('body too large'));
          req.destroy();
        } else chunks.push(c);
      });
      req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      req.on('error', reject);
    });

  const bearer = (req: http.IncomingMessage, url: URL): string | undefined => {
    const h = req.headers.authorization;
    if (h && /^(Bearer|OAuth) /i.test(h)) return h.replace(/^(Bearer|OAuth) /i, '').trim();
    return url.searchParams.get('oauth_token') ?? undefined;
  };

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', baseUrl);
    const method = (req.method ?? 'GET').toUpperCase();
    const path = url.pathname;
    const raw = method === 'GET' || method === 'HEAD' ? '' : await readBody(req);
    if (faults.latencyMs > 0 && !path.startsWith('/services/oauth2/token')) await sleep(faults.latencyMs);

    // ---- OAuth (docs/salesforce-wire.md §5, §8)
    if (path === '/services/oauth2/authorize') {
      const q = method === 'POST' ? new URLSearchParams(raw) : url.searchParams;
      const decision = q.get('decision');
      const r = oauth.authorize(q, decision === 'allow' || decision === 'deny' ? decision : undefined);
      if (r.redirect) {
        res.writeHead(302, { Location: r.redirect });
        res.end();
      } else {
        res.writeHead(r.status, { 'Content-Type': 'text/html;charset=UTF-8' });
        res.end(r.html);
      }
      return;
    }
    if (path === '/services/oauth2/token' && method === 'POST') {
      if (opts.countTokenCalls) usage().used++;
      if (faults.tokenHtmlErrors > 0) {
        faults.tokenHtmlErrors--;
        res.writeHead(503, { 'Content-Type': 'text/html;charset=UTF-8' });
        res.end(HTML_ERROR);
        return;
      }
      try {
        const hold = async () => {
          if (faults.latencyMs > 0) await sleep(faults.latencyMs);
        };
        const params = new URLSearchParams(raw);
        const body = await oauth.token(
          params,
          params.get('grant_type') === 'refresh_token' ? hold : async () => {},
        );
        if (params.get('grant_type') !== 'refresh_token') await hold();
        send(res, 200, body);
      } catch (e) {
        if (e instanceof OAuthError) send(res, e.status, e.body());
        else throw e;
      }
      return;
    }
    if (path === '/services/oauth2/revoke' && method === 'POST') {
      try {
        oauth.revoke(new URLSearchParams(raw).get('token') ?? url.searchParams.get('token') ?? '');
        send(res, 200, undefined);
      } catch (e) {
        if (e instanceof OAuthError) send(res, 400, e.body());
        else throw e;
      }
      return;
    }
    if (path === '/services/oauth2/userinfo') {
      const s = oauth.session(bearer(req, url));
      if (!s) return send(res, 403, 'Bad_OAuth_Token');
      return send(res, 200, oauth.userinfo(s.userId));
    }
    if (path === '/id/keys' && method === 'GET') return send(res, 200, oauth.jwks());
    const idm = /^\/id\/([A-Za-z0-9]{15,18})\/([A-Za-z0-9]{15,18})$/.exec(path);
    if (idm && method === 'GET') {
      const s = oauth.session(bearer(req, url));
      if (!s) return send(res, 403, 'Bad_OAuth_Token');
      const doc = idm[1] === store.data.orgId ? oauth.identity(idm[2]!) : undefined;
      return doc ? send(res, 200, doc) : send(res, 404, 'Not found');
    }

    // ---- emulator-only endpoints
    if (path === '/emulator/asset-token-events' && method === 'GET')
      return send(res, 200, store.data.tokenEvents);
    if (path === '/emulator/assets' && method === 'GET') return send(res, 200, store.list('Asset'));
    if (path === '/emulator/info' && method === 'GET') return send(res, 200, info());
    if (path === '/emulator/faults') {
      if (method === 'POST') {
        try {
          const patch = JSON.parse(raw) as Partial<OrgFaults>;
          for (const [k, v] of Object.entries(patch)) {
            if (k in faults && typeof v === typeof faults[k as keyof OrgFaults]) {
              (faults as unknown as Record<string, unknown>)[k] = v;
            }
          }
        } catch {
          return send(res, 400, [
            { errorCode: 'JSON_PARSER_ERROR', message: 'faults must be a JSON object' },
          ]);
        }
      }
      return send(res, 200, faults);
    }
    if (path === '/emulator/expire-sessions' && method === 'POST') {
      oauth.expireSessions();
      return send(res, 204, undefined);
    }

    // ---- REST (docs/salesforce-wire.md §4.2, §8)
    if (path === '/services/data' || path === '/services/data/') {
      // the versions list: no auth, not counted (docs/salesforce-wire.md §4.3)
      return send(res, 200, [{ label: "Spring '25", url: '/services/data/v62.0', version: '62.0' }]);
    }
    const vm = /^\/services\/data\/v(\d+)\.(\d)(\/.*)?$/.exec(path);
    if (vm) {
      const limitHeader = () => ({ 'Sforce-Limit-Info': `api-usage=${usage().used}/${dailyLimit}` });
      if (Number(vm[1]) < 42)
        return send(res, 404, [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }]);
      if (!oauth.session(bearer(req, url))) {
        // 401 only for an invalid or expired token (docs/salesforce-wire.md §6.3, §8)
        return send(res, 401, [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]);
      }
      if (usage().used >= dailyLimit) {
        return send(
          res,
          403,
          [{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }],
          limitHeader(),
        );
      }
      usage().used++;
      if (faults.htmlErrors > 0) {
        faults.htmlErrors--;
        res.writeHead(503, { 'Content-Type': 'text/html;charset=UTF-8', ...limitHeader() });
        res.end(HTML_ERROR);
        return;
      }
      if (faults.serverErrors > 0) {
        faults.serverErrors--;
        return send(
          res,
          faults.serverErrorStatus,
          [{ message: 'Server unavailable, try again later', errorCode: 'SERVER_UNAVAILABLE' }],
          limitHeader(),
        );
      }
      if (faults.rateLimited > 0) {
        faults.rateLimited--;
        return send(
          res,
          429,
          [{ message: 'Too many requests', errorCode: 'REQUEST_LIMIT_EXCEEDED' }],
          limitHeader(),
        );
      }
      let body: unknown;
      if (raw !== '') {
        try {
          body = JSON.parse(raw);
        } catch {
          return send(
            res,
            400,
            [{ message: 'Unexpected character in request body', errorCode: 'JSON_PARSER_ERROR' }],
            limitHeader(),
          );
        }
      }
      const segs = (vm[3] ?? '')
        .split('/')
        .filter(Boolean)
        .map((s) => {
          try {
            return decodeURIComponent(s);
          } catch {
            return s;
          }
        });
      const result = handleRest(
        {
          store,
          version: `v${vm[1]}.${vm[2]}`,
          takeDuplicateFault: () => (faults.duplicateValue > 0 ? (faults.duplicateValue--, true) : false),
        },
        method,
        segs,
        url.searchParams,
        body,
      );
      if (method !== 'GET') store.save();
      if (faults.malformedJson > 0) {
        faults.malformedJson--;
        res.writeHead(result.status === 204 ? 200 : result.status, {
          'Content-Type': JSON_TYPE,
          ...limitHeader(),
        });
        res.end(JSON.stringify(result.body ?? { success: true }).slice(0, 7) + '<!-- truncated');
        return;
      }
      return send(res, result.status, result.body, limitHeader());
    }
    send(res, 404, [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }]);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  baseUrl = `http://127.0.0.1:${port}`;

  // The seeded admin's session: reuse a live one across restarts, else mint one.
  const adminId = store.data.adminUserId;
  const live = Object.entries(store.data.sessions).find(
    ([, s]) => s.userId === adminId && !s.family && s.expiresAt > Date.now() + 60_000,
  );
  const accessToken = live ? live[0] : oauth.mintSession(adminId);
  const accounts = store.list('Account');
  const info = () => ({
    baseUrl,
    clientId: store.data.clientId,
    accessToken,
    orgId: store.data.orgId,
    adminUsername: store.data.users[adminId]!.Username,
    defaultAccountId: accounts[0]!.Id,
  });

  const sockets = new Set<import('node:net').Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  return {
    baseUrl,
    port,
    clientId: store.data.clientId,
    accessToken,
    orgId: store.data.orgId,
    adminUsername: store.data.users[adminId]!.Username,
    adminUserId: adminId,
    defaultAccountId: accounts[0]!.Id,
    defaultContactId: store.list('Contact')[0]!.Id,
    productIds: Object.fromEntries(store.list('Product2').map((p) => [String(p.ProductCode), p.Id])),
    assetSigningKeyPem: oauth.assetPublicKeyPem(),
    faults,
    assets: () => structuredClone(store.list('Asset')),
    tokenEvents: () => structuredClone(store.data.tokenEvents),
    stats: () => ({ apiUsed: usage().used, dailyLimit, tokenCalls: { ...oauth.grantCounts } }),
    expireSessions: () => oauth.expireSessions(),
    setApiUsage: (used: number) => {
      usage().used = used;
      store.save();
    },
    seedAsset: (fields) => {
      const rec = store.create('Asset', fields, { skipUnique: true });
      store.save();
      return rec;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  };
}

export type { TokenEvent, Rec };
