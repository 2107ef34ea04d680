/**
 * The station settings (config.json in the home): read by every service, changed only with the admin
 * PIN (setConfig), except auto mode, which the operator switches at the bench.
 */
import type { LogEntry, StationConfig } from '../shared/domain';
import { loadConfig, parseConfig, saveConfig } from './config';
import type { DriverOpenOptions } from './device';
import { DEFAULT_SEC_TAG } from './device/drivers/nrf91/driver';
import type { AdminPin } from './operators/admin-pin';

/** What the settings service needs. */
export interface SettingsDeps {
  home: string;
  /** The admin PIN service. @throws StationError SECRET_STORE_UNAVAILABLE without a secret store. */
  adminPin(): AdminPin;
  /** Audits a settings change. */
  audit(action: string, data: Record<string, unknown>): void;
  log(level: LogEntry['level'], message: string): void;
}

/** The settings of one station home. */
export class Settings {
  private config: StationConfig;

  /** @throws StationError CONFIG_INVALID when config.json cannot be used. */
  constructor(private readonly deps: SettingsDeps) {
    this.config = loadConfig(deps.home);
  }

  /** The settings in force. */
  get(): StationConfig {
    return this.config;
  }

  /**
   * Replaces the settings after checking the admin PIN and the new settings.
   * @throws StationError UNAUTHORIZED (PIN), CONFIG_INVALID (settings), SECRET_STORE_UNAVAILABLE.
   */
  async replace(req: { config: StationConfig; adminPin?: string | undefined }): Promise<StationConfig> {
    await this.deps.adminPin().require(req.adminPin, 'change the station settings');
    const next = parseConfig(req.config);
    saveConfig(this.deps.home, next);
    this.config = next;
    this.deps.audit('config.changed', { stationId: next.stationId });
    this.deps.log('info', 'settings saved');
    return next;
  }

  /** Switches auto mode (an operator control: no PIN) and saves it. */
  setAutoMode(enabled: boolean): { enabled: boolean } {
    this.config = { ...this.config, autoMode: enabled };
    saveConfig(this.deps.home, this.config);
    this.deps.log('info', `auto mode ${enabled ? 'on' : 'off'}`);
    return { enabled };
  }
}

/**
 * How the station opens a device under `config`: the serial settings (baud rate in bits/s, DTR/RTS
 * policy) and, for nRF91 modems, the sec tag to provision (absent → {@link DEFAULT_SEC_TAG}). Bays and
 * jobs both open devices through this, so the sec tag the bay identifies is the one the job writes.
 */
export function deviceOpenOptions(config: StationConfig): DriverOpenOptions {
  return {
    baudRate: config.device.baudRate,
    lineControl: config.device.lineControl,
    secTag: config.device.nrf91SecTag ?? DEFAULT_SEC_TAG,
    ...(config.device.commandCeilingsMs ? { commandCeilingsMs: config.device.commandCeilingsMs } : {}),
  };
}
