/**
 * A typed in-memory StationApi double for renderer component tests ONLY (the e2e tests use the real
 * harness, core, simulator and emulator). Every method is a recorded function; tests override the
 * ones they care about and push events with `emit`.
 */
import type {
  EventName,
  EventPayload,
  MethodName,
  MethodRequest,
  MethodResponse,
  StationApi,
} from '../../../shared/api';
import type { Bay, Job, StationConfig } from '../../../shared/domain';
import { StationError } from '../../../shared/errors';
import { defaultConfig } from '../../../core/config';

type Impl = { [M in MethodName]?: (req: MethodRequest<M>) => Promise<MethodResponse<M>> };

export interface FakeStation {
  api: StationApi;
  calls: Array<{ method: MethodName; request: unknown }>;
  emit<E extends EventName>(event: E, payload: EventPayload<E>): void;
  callsOf(method: MethodName): unknown[];
}

const defaults = defaultConfig();

/** The station's defaults with a station ID, an organisation, a client ID and one product mapping. */
export const fakeConfig: StationConfig = {
  ...defaults,
  stationId: 'bench-7',
  device: { ...defaults.device, subject: { CN: '{uid}', O: 'Acme', OU: 'Devices' } },
  salesforce: {
    ...defaults.salesforce,
    clientId: 'client',
    productByModel: { 'SIM-1': '01t000000000001AAA' },
  },
};

export function bay(id: string, uid: string | undefined, extra: Partial<Bay> = {}): Bay {
  return {
    id,
    locator: `sim:${id}`,
    status: uid ? 'ready' : 'empty',
    since: '2026-11-29T10:00:00.000Z',
    ...(uid
      ? {
          device: {
            protocolVersion: 1,
            model: 'SIM-1',
            uid,
            firmware: '1.0.0',
            maxFrame: 4096,
            capabilities: { keyAlgorithms: ['ECDSA-P256'], assetToken: false },
            state: { keyPresent: false, certInstalled: false, assetIdSet: false, locked: false },
          },
        }
      : {}),
    ...extra,
  };
}

export function job(id: string, bayId: string, extra: Partial<Job> = {}): Job {
  return {
    id,
    kind: 'provision',
    bayId,
    state: 'running',
    steps: [
      { name: 'identify', state: 'done' },
      { name: 'keygen', state: 'running', progress: 0.5 },
      { name: 'csr', state: 'pending' },
      { name: 'sign', state: 'pending' },
    ],
    startedAt: new Date(Date.now() - 5000).toISOString(),
    ...extra,
  };
}

const notWired = (m: string) =>
  Promise.reject(
    new StationError('UNKNOWN_METHOD', `The method ${m} is not available.`, 'Update the station.'),
  );

/** Builds the double. Methods not in `impl` reject with UNKNOWN_METHOD, except a few harmless defaults. */
export function fakeStation(impl: Impl = {}): FakeStation {
  const handlers = new Map<string, Set<(p: unknown) => void>>();
  const calls: FakeStation['calls'] = [];
  const defaults: Impl = {
    getStationInfo: async () => ({
      stationId: 'bench-7',
      version: '0.1.0',
      home: '/tmp/h',
      platform: 'linux-x64',
      transport: 'in-process',
      protocolVersion: 1,
    }),
    listBays: async () => [],
    getConfig: async () => fakeConfig,
    listRecords: async () => [],
    getOrgStatus: async () => ({ connected: false }),
    getCaInfo: async () => ({ initialised: false, chain: [] }),
  };
  const merged = { ...defaults, ...impl } as Record<string, (r: unknown) => Promise<unknown>>;
  const api = new Proxy({} as StationApi, {
    get(_t, prop: string) {
      if (prop === 'on') {
        return (event: string, handler: (p: unknown) => void) => {
          if (!handlers.has(event)) handlers.set(event, new Set());
          handlers.get(event)!.add(handler);
          return () => handlers.get(event)!.delete(handler);
        };
      }
      if (prop === 'then') return undefined;
      return (request: unknown) => {
        calls.push({ method: prop as MethodName, request });
        const fn = merged[prop];
        return fn ? fn(request) : notWired(prop);
      };
    },
  });
  return {
    api,
    calls,
    emit(event, payload) {
      for (const h of handlers.get(event) ?? []) h(payload);
    },
    callsOf(method) {
      return calls.filter((c) => c.method === method).map((c) => c.request);
    },
  };
}
