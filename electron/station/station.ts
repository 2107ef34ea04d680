/**
 * The Station: owns the home, config, database and services, and implements the station API
 * (shared/api.ts). Free of Electron: the CLI, the tests and the WebSocket harness run it under plain
 * Node; the Electron shell binds it to IPC.
 */
import os from 'node:os';
import { EventEmitter } from 'node:events';
import type {
  EventName,
  EventPayload,
  MethodRequest,
  MethodResponse,
  StationMethods,
} from '../../shared/api';
import type { StationConfig } from '../../shared/domain';
import { StationError } from '../../shared/errors';
import { loadConfig } from './config';
import { listSerialPorts } from './device/discovery';
import { ensureHome } from './home';
import { PROTOCOL_VERSION, STATION_VERSION } from './version';

/** How the station is being reached (reported by getStationInfo). */
export type TransportKind = 'ipc' | 'websocket' | 'in-process';

export interface StationOptions {
  home: string;
  transport: TransportKind;
}

type Handler = (event: EventName, payload: unknown) => void;

/** The station core. Create with {@link Station.open}; call {@link Station.close} when done. */
export class Station implements Partial<StationMethods> {
  readonly home: string;
  private transport: TransportKind;
  private config: StationConfig;
  private readonly bus = new EventEmitter();

  protected constructor(opts: StationOptions) {
    this.home = ensureHome(opts.home);
    this.transport = opts.transport;
    this.config = loadConfig(this.home);
    this.bus.setMaxListeners(100);
  }

  /** Opens a station on a home folder. @throws StationError HOME_UNUSABLE, CONFIG_INVALID. */
  static async open(opts: StationOptions): Promise<Station> {
    return new Station(opts);
  }

  /** Subscribes to every event (transports use this); returns the unsubscribe function. */
  subscribe(handler: Handler): () => void {
    this.bus.on('event', handler);
    return () => this.bus.off('event', handler);
  }

  /** Emits a typed event to every transport. */
  protected emit<E extends EventName>(event: E, payload: EventPayload<E>): void {
    this.bus.emit('event', event, payload);
  }

  async ping(req: MethodRequest<'ping'>): Promise<MethodResponse<'ping'>> {
    const at = new Date().toISOString();
    this.emit('log', { at, level: 'debug', message: `ping ${req.nonce}` });
    return { nonce: req.nonce, at };
  }

  async getStationInfo(_req: MethodRequest<'getStationInfo'>): Promise<MethodResponse<'getStationInfo'>> {
    return {
      stationId: this.config.stationId,
      version: STATION_VERSION,
      home: this.home,
      platform: `${os.platform()}-${os.arch()}`,
      transport: this.transport,
      protocolVersion: PROTOCOL_VERSION,
    };
  }

  async listSerialPorts(_req: MethodRequest<'listSerialPorts'>): Promise<MethodResponse<'listSerialPorts'>> {
    return listSerialPorts();
  }

  async getConfig(_req: MethodRequest<'getConfig'>): Promise<MethodResponse<'getConfig'>> {
    return this.config;
  }

  /** Releases the database, devices and servers. Idempotent. */
  async close(): Promise<void> {
    this.bus.removeAllListeners();
  }

  /** For transports: marks how the station is reached. */
  setTransport(kind: TransportKind): void {
    this.transport = kind;
  }
}

/** Error for a method a transport exposes but this station build has not wired yet. */
export function notWired(method: string): StationError {
  return new StationError(
    'UNKNOWN_METHOD',
    `The method ${method} is not available on this station.`,
    'Update Asset Station to a version that provides it.',
  );
}
