/**
 * One bay per physical adapter (docs/drivers.md, Ports): the OS port list is grouped before any port
 * is opened. Ports of one USB device — the interfaces of a composite adapter (an nRF9160 DK's J-Link
 * exposes three VCOMs, an FT2232 two) and macOS's `tty.*`/`cu.*` twins — form one group, keyed by USB
 * VID:PID and serial number, or by USB location when the adapter has no serial number. A group's first
 * port is its data port (the bay's locator); the others stay listed for the technician.
 *
 * Not offered as bays unless asked (`includeHidden`): Bluetooth serial ports (macOS
 * `*.Bluetooth-Incoming-Port`, Linux `rfcomm*`, Windows `BTHENUM\…`), macOS `tty.*` twins of a `cu.*`
 * port (a `tty.*` open waits for carrier detect; Apple's Serial Device Services guide), the GDB-server
 * interface of a Black Magic debug probe (1d50:6018 interface 0: it speaks GDB, not the device's UART),
 * and built-in UARTs without a USB vendor id (`/dev/ttyS*`, legacy COM1).
 */

/** A port as serialport's `SerialPort.list()` reports it (fields it may leave out are optional). */
export interface ListedPort {
  path: string;
  manufacturer?: string | undefined;
  serialNumber?: string | undefined;
  pnpId?: string | undefined;
  locationId?: string | undefined;
  vendorId?: string | undefined;
  productId?: string | undefined;
}

/** One physical adapter. */
export interface PortGroup {
  /** Stable key: `usb:<vid>:<pid>:<serial>`, `loc:<vid>:<pid>@<location>` or `path:<path>`. */
  key: string;
  /** The data port's locator (the bay's). */
  locator: string;
  /** Every port of the adapter, data port first. */
  ports: ListedPort[];
  /** Words for people: manufacturer, VID:PID, serial number. */
  label: string;
}

/** A port left out, and why. */
export interface HiddenPort {
  path: string;
  reason: 'bluetooth' | 'tty-twin' | 'debug-probe' | 'no-usb';
}

const lower = (s?: string) => (s ?? '').toLowerCase();

function hideReason(p: ListedPort, all: ListedPort[]): HiddenPort['reason'] | undefined {
  const path = p.path;
  if (/bluetooth/i.test(path) || /^\/dev\/rfcomm\d+$/.test(path) || /^BTHENUM\\/i.test(p.pnpId ?? ''))
    return 'bluetooth';
  const twin = /^\/dev\/tty\.(.+)$/.exec(path);
  if (twin && all.some((q) => q.path === `/dev/cu.${twin[1]}`)) return 'tty-twin';
  if (!p.vendorId) return 'no-usb';
  return undefined;
}

/** A Windows instance id (`7&2A8F1C3&0&0000`) names one interface, not the adapter. */
const instanceId = (s: string) => s.includes('&');

function groupKey(p: ListedPort): string {
  const vid = lower(p.vendorId);
  const pid = lower(p.productId);
  if (p.serialNumber && !instanceId(p.serialNumber)) return `usb:${vid}:${pid}:${p.serialNumber}`;
  const loc = p.locationId?.replace(/\.\d+$/, ''); // Linux "1-1.2:1.0" style interface suffixes
  if (loc) return `loc:${vid}:${pid}@${loc.replace(/:\d+\.\d+$/, '')}`;
  return `path:${p.path}`;
}

/** Natural order: ttyACM2 < ttyACM10, COM3 < COM12; macOS cu.* before tty.*. */
function byPath(a: ListedPort, b: ListedPort): number {
  return a.path.localeCompare(b.path, 'en', { numeric: true });
}

/**
 * Groups a port list into adapters. Pure; `includeHidden` keeps the ports that are normally left out
 * (each as its own group).
 */
export function groupPorts(
  list: ListedPort[],
  opts: { includeHidden?: boolean } = {},
): { groups: PortGroup[]; hidden: HiddenPort[] } {
  const hidden: HiddenPort[] = [];
  const byKey = new Map<string, ListedPort[]>();
  for (const p of list) {
    const why = hideReason(p, list);
    if (why && !opts.includeHidden) {
      hidden.push({ path: p.path, reason: why });
      continue;
    }
    const k = why ? `path:${p.path}` : groupKey(p);
    byKey.set(k, [...(byKey.get(k) ?? []), p]);
  }
  const groups = [...byKey.entries()].map(([key, ports]): PortGroup => {
    ports.sort(byPath);
    // Black Magic Probe: interface 0 (the first port) is its GDB server; the target UART follows.
    if (!opts.includeHidden && key.startsWith('usb:1d50:6018:') && ports.length > 1)
      hidden.push({ path: ports.shift()!.path, reason: 'debug-probe' });
    const p = ports[0]!;
    const label = [
      p.manufacturer,
      p.vendorId && p.productId ? `${lower(p.vendorId)}:${lower(p.productId)}` : '',
      p.serialNumber && !instanceId(p.serialNumber) ? `S/N ${p.serialNumber}` : '',
    ]
      .filter(Boolean)
      .join(' ');
    return { key, locator: `serial:${p.path}`, ports, label: label || p.path };
  });
  groups.sort((a, b) => byPath(a.ports[0]!, b.ports[0]!));
  return { groups, hidden };
}
