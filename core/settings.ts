/**
 * The station settings (config.json in the home): read by every service, changed only with the admin
 * PIN (setConfig), except auto mode, which the operator switches at the bench.
 */
import type { LogEntry, StationConfig } from '../shared/domain';
import { loadConfig, parseConfig, saveConfig } from './config';
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
