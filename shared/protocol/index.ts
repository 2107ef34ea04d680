/**
 * Device protocol v1 (docs/device-protocol.md) as a pure module: framing, CRC-32, base64, TLV bodies,
 * chunking, the command vocabulary and the in-process byte-stream contract of `sim:` devices. Imported
 * by the station (core/device) and by the simulator (sim/device). No Node APIs, no mutable state.
 */
export * from './crc32';
export * from './base64';
export * from './utf8';
export * from './frame';
export * from './tlv';
export * from './chunking';
export * from './messages';
export * from './codec';
export * from './stream-endpoint';
