/**
 * The stand-ins the CLI may start on their own (`asset-station sim device`, `sim org`): the device
 * simulator on PTYs and the Salesforce org emulator. The CLI reaches sim/ only through dev/.
 */
export { startDeviceSimulator, type DeviceFaults, type DeviceSimulator } from '../sim/device/index';
export { startOrgEmulator, type OrgEmulator } from '../sim/org/index';
