/**
 * The text settings of the Settings form, by fieldset: where each value lives in StationConfig and
 * how an edit is written back (optional settings are removed when emptied, never stored as '').
 */
import type { StationConfig } from '../../../../shared/domain';

/** One text setting. */
export interface TextSetting {
  label: string;
  /** The control's name. */
  name: string;
  read(c: StationConfig): string | undefined;
  /** Writes an edit into `c` (a draft copy). */
  write(c: StationConfig, value: string): void;
  mono?: boolean;
  hint?: string;
}

export const STATION_SETTINGS: TextSetting[] = [
  {
    label: 'Station ID',
    name: 'stationId',
    read: (c) => c.stationId,
    write: (c, v) => void (c.stationId = v),
  },
  {
    label: 'Operator',
    name: 'operator',
    read: (c) => c.operator,
    write: (c, v) => void (c.operator = v || undefined),
  },
  {
    label: 'Label printer',
    name: 'labelPrinter',
    mono: true,
    hint: 'Network label printer for ZPL labels: host or host:port (port 9100 when left out). Empty: none.',
    read: (c) => c.bench?.labelPrinter,
    write: (c, v) => {
      const { labelPrinter: _old, ...rest } = c.bench ?? {};
      c.bench = v.trim() ? { ...rest, labelPrinter: v.trim() } : rest;
    },
  },
];

export const SUBJECT_SETTINGS: TextSetting[] = [
  {
    label: 'Subject CN',
    name: 'subjectCN',
    mono: true,
    hint: '{uid} and {model} are replaced per device.',
    read: (c) => c.device.subject.CN,
    write: (c, v) => void (c.device.subject.CN = v),
  },
  {
    label: 'Subject O',
    name: 'subjectO',
    read: (c) => c.device.subject.O,
    write: (c, v) => void (c.device.subject.O = v || undefined),
  },
  {
    label: 'Subject OU',
    name: 'subjectOU',
    read: (c) => c.device.subject.OU,
    write: (c, v) => void (c.device.subject.OU = v || undefined),
  },
];

export const ASSET_SETTINGS: TextSetting[] = [
  {
    label: 'External ID field',
    name: 'externalIdField',
    mono: true,
    hint: 'Custom field holding the device UID, e.g. Device_UID__c.',
    read: (c) => c.salesforce.externalIdField,
    write: (c, v) => void (c.salesforce.externalIdField = v),
  },
  {
    label: 'Asset name template',
    name: 'nameTemplate',
    mono: true,
    read: (c) => c.salesforce.nameTemplate,
    write: (c, v) => void (c.salesforce.nameTemplate = v),
  },
  {
    label: 'Asset status',
    name: 'status',
    read: (c) => c.salesforce.status,
    write: (c, v) => void (c.salesforce.status = v || undefined),
  },
  {
    label: 'Default Account Id',
    name: 'defaultAccountId',
    mono: true,
    hint: 'Used when no Account is scanned.',
    read: (c) => c.salesforce.accountId,
    write: (c, v) => void (c.salesforce.accountId = v || undefined),
  },
];

/** The connected app (before the login flow select). */
export const APP_SETTINGS: TextSetting[] = [
  {
    label: 'Login URL',
    name: 'loginUrl',
    mono: true,
    read: (c) => c.salesforce.loginUrl,
    write: (c, v) => void (c.salesforce.loginUrl = v),
  },
  {
    label: 'Connected app client ID',
    name: 'clientId',
    mono: true,
    read: (c) => c.salesforce.clientId,
    write: (c, v) => void (c.salesforce.clientId = v),
  },
];

/** The JWT bearer flow's user (after the login flow select). */
export const JWT_SETTINGS: TextSetting[] = [
  {
    label: 'Username (JWT flow)',
    name: 'username',
    read: (c) => c.salesforce.username,
    write: (c, v) => void (c.salesforce.username = v || undefined),
  },
];
