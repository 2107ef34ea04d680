/** Station software version (kept in step with package.json by a unit test). */
export const STATION_VERSION = '0.1.0';
/** Device protocol version this station speaks (docs/device-protocol.md). */
export const PROTOCOL_VERSION = 1;
