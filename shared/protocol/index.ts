/**
 * Device protocol v1 (docs/device-protocol.md) as a pure module: framing, CRC-32, base64, TLV bodies,
 * chunking, the command vocabulary and the in-memory endpoint registry for `sim:` devices. Imported by
 * the station (core/device) and by the simulator (sim/device). No Node APIs.
 */
export * from './crc32';
export * from './base64';
export * from './utf8';
export * from './frame';
export * from './tlv';
export * from './chunking';
export * from './messages';
export * from './codec';
export * from './sim-registry';
