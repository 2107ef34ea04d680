/**
 * One bay per physical adapter, from port lists recorded in the shapes serialport reports on Linux
 * (udev), macOS (IOKit, tty/cu twins) and Windows (SetupAPI, composite-device instance ids).
 */
import { describe, expect, it } from 'vitest';
import { groupPorts, type ListedPort } from '../../../core/device/port-groups';

const LINUX: ListedPort[] = [
  { path: '/dev/ttyS0' },
  { path: '/dev/ttyS1' },
  // nRF9160 DK: J-Link OB with three VCOMs, one serial number
  {
    path: '/dev/ttyACM2',
    manufacturer: 'SEGGER',
    serialNumber: '000960123456',
    pnpId: 'usb-SEGGER_J-Link_000960123456-if04',
    vendorId: '1366',
    productId: '1015',
  },
  {
    path: '/dev/ttyACM0',
    manufacturer: 'SEGGER',
    serialNumber: '000960123456',
    pnpId: 'usb-SEGGER_J-Link_000960123456-if00',
    vendorId: '1366',
    productId: '1015',
  },
  {
    path: '/dev/ttyACM1',
    manufacturer: 'SEGGER',
    serialNumber: '000960123456',
    pnpId: 'usb-SEGGER_J-Link_000960123456-if02',
    vendorId: '1366',
    productId: '1015',
  },
  // two ESP32 boards with CP2102 bridges
  {
    path: '/dev/ttyUSB0',
    manufacturer: 'Silicon Labs',
    serialNumber: '0001',
    pnpId: 'usb-Silicon_Labs_CP2102_USB_to_UART_Bridge_Controller_0001-if00-port0',
    vendorId: '10c4',
    productId: 'ea60',
  },
  {
    path: '/dev/ttyUSB1',
    manufacturer: 'Silicon Labs',
    serialNumber: '58A1C3',
    pnpId: 'usb-Silicon_Labs_CP2102_58A1C3-if00-port0',
    vendorId: '10c4',
    productId: 'ea60',
  },
  // Black Magic Probe: GDB server (if00) + target UART (if02)
  {
    path: '/dev/ttyACM4',
    manufacturer: 'Black Magic Debug',
    serialNumber: '7BB180B4',
    pnpId: 'usb-Black_Magic_Debug_Black_Magic_Probe_7BB180B4-if02',
    vendorId: '1d50',
    productId: '6018',
  },
  {
    path: '/dev/ttyACM3',
    manufacturer: 'Black Magic Debug',
    serialNumber: '7BB180B4',
    pnpId: 'usb-Black_Magic_Debug_Black_Magic_Probe_7BB180B4-if00',
    vendorId: '1d50',
    productId: '6018',
  },
  { path: '/dev/rfcomm0' },
];

const MAC: ListedPort[] = [
  { path: '/dev/tty.Bluetooth-Incoming-Port' },
  { path: '/dev/cu.Bluetooth-Incoming-Port' },
  {
    path: '/dev/tty.usbserial-0001',
    manufacturer: 'Silicon Labs',
    serialNumber: '0001',
    locationId: '14200000',
    vendorId: '10c4',
    productId: 'ea60',
  },
  {
    path: '/dev/cu.usbserial-0001',
    manufacturer: 'Silicon Labs',
    serialNumber: '0001',
    locationId: '14200000',
    vendorId: '10c4',
    productId: 'ea60',
  },
  {
    path: '/dev/tty.usbmodem0009601234561',
    manufacturer: 'SEGGER',
    serialNumber: '000960123456',
    locationId: '14100000',
    vendorId: '1366',
    productId: '1015',
  },
  {
    path: '/dev/cu.usbmodem0009601234561',
    manufacturer: 'SEGGER',
    serialNumber: '000960123456',
    locationId: '14100000',
    vendorId: '1366',
    productId: '1015',
  },
  {
    path: '/dev/tty.usbmodem0009601234563',
    manufacturer: 'SEGGER',
    serialNumber: '000960123456',
    locationId: '14100000',
    vendorId: '1366',
    productId: '1015',
  },
  {
    path: '/dev/cu.usbmodem0009601234563',
    manufacturer: 'SEGGER',
    serialNumber: '000960123456',
    locationId: '14100000',
    vendorId: '1366',
    productId: '1015',
  },
  // a CH340 without a serial number: grouped by location
  {
    path: '/dev/cu.wchusbserial14330',
    manufacturer: 'wch.cn',
    locationId: '14330000',
    vendorId: '1a86',
    productId: '7523',
  },
  {
    path: '/dev/tty.wchusbserial14330',
    manufacturer: 'wch.cn',
    locationId: '14330000',
    vendorId: '1a86',
    productId: '7523',
  },
];

const WINDOWS: ListedPort[] = [
  { path: 'COM1', manufacturer: '(Standard port types)', pnpId: 'ACPI\\PNP0501\\0' },
  {
    path: 'COM3',
    manufacturer: 'Silicon Labs',
    serialNumber: '0001',
    pnpId: 'USB\\VID_10C4&PID_EA60\\0001',
    locationId: 'Port_#0003.Hub_#0001',
    vendorId: '10C4',
    productId: 'EA60',
  },
  // J-Link composite: serialport reports the interface instance id as serial number
  {
    path: 'COM12',
    manufacturer: 'SEGGER',
    serialNumber: '7&2A8F1C3&0&0004',
    pnpId: 'USB\\VID_1366&PID_1015&MI_04\\7&2A8F1C3&0&0004',
    locationId: 'Port_#0002.Hub_#0001',
    vendorId: '1366',
    productId: '1015',
  },
  {
    path: 'COM7',
    manufacturer: 'SEGGER',
    serialNumber: '7&2A8F1C3&0&0000',
    pnpId: 'USB\\VID_1366&PID_1015&MI_00\\7&2A8F1C3&0&0000',
    locationId: 'Port_#0002.Hub_#0001',
    vendorId: '1366',
    productId: '1015',
  },
  {
    path: 'COM8',
    manufacturer: 'SEGGER',
    serialNumber: '7&2A8F1C3&0&0002',
    pnpId: 'USB\\VID_1366&PID_1015&MI_02\\7&2A8F1C3&0&0002',
    locationId: 'Port_#0002.Hub_#0001',
    vendorId: '1366',
    productId: '1015',
  },
  {
    path: 'COM4',
    manufacturer: 'Microsoft',
    pnpId: 'BTHENUM\\{00001101-0000-1000-8000-00805F9B34FB}_LOCALMFG&0002\\7&1D80A5C&0&000000000000_00000000',
  },
];

describe('groupPorts', () => {
  it('Linux: the DK is one bay on its first VCOM, each CP2102 one bay; ttyS, rfcomm and the probe GDB port hidden', () => {
    const { groups, hidden } = groupPorts(LINUX);
    expect(groups.map((g) => g.locator)).toEqual([
      'serial:/dev/ttyACM0',
      'serial:/dev/ttyACM4',
      'serial:/dev/ttyUSB0',
      'serial:/dev/ttyUSB1',
    ]);
    expect(groups[0]!.ports.map((p) => p.path)).toEqual(['/dev/ttyACM0', '/dev/ttyACM1', '/dev/ttyACM2']);
    expect(groups[0]!.label).toBe('SEGGER 1366:1015 S/N 000960123456');
    expect(hidden).toEqual(
      expect.arrayContaining([
        { path: '/dev/ttyS0', reason: 'no-usb' },
        { path: '/dev/rfcomm0', reason: 'bluetooth' },
        { path: '/dev/ttyACM3', reason: 'debug-probe' },
      ]),
    );
    expect(hidden).toHaveLength(4);
  });

  it('macOS: cu.* used, tty.* twins and Bluetooth hidden; an adapter without serial grouped by location', () => {
    const { groups, hidden } = groupPorts(MAC);
    expect(groups.map((g) => g.locator)).toEqual([
      'serial:/dev/cu.usbmodem0009601234561',
      'serial:/dev/cu.usbserial-0001',
      'serial:/dev/cu.wchusbserial14330',
    ]);
    expect(groups[0]!.ports.map((p) => p.path)).toEqual([
      '/dev/cu.usbmodem0009601234561',
      '/dev/cu.usbmodem0009601234563',
    ]);
    expect(
      hidden
        .filter((h) => h.reason === 'tty-twin')
        .map((h) => h.path)
        .sort(),
    ).toEqual([
      '/dev/tty.usbmodem0009601234561',
      '/dev/tty.usbmodem0009601234563',
      '/dev/tty.usbserial-0001',
      '/dev/tty.wchusbserial14330',
    ]);
    expect(hidden.filter((h) => h.reason === 'bluetooth')).toHaveLength(2);
  });

  it('Windows: composite interfaces with instance-id serials are one adapter by location; Bluetooth and COM1 hidden', () => {
    const { groups, hidden } = groupPorts(WINDOWS);
    expect(groups.map((g) => g.locator)).toEqual(['serial:COM3', 'serial:COM7']);
    expect(groups[1]!.ports.map((p) => p.path)).toEqual(['COM7', 'COM8', 'COM12']);
    expect(hidden.map((h) => h.reason).sort()).toEqual(['bluetooth', 'no-usb']);
  });

  it('includeHidden offers every port', () => {
    const { groups, hidden } = groupPorts(MAC, { includeHidden: true });
    expect(hidden).toEqual([]);
    expect(groups.some((g) => g.locator === 'serial:/dev/cu.Bluetooth-Incoming-Port')).toBe(true);
    expect(groups.flatMap((g) => g.ports)).toHaveLength(MAC.length);
  });
});
