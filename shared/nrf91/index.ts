/**
 * What the nRF91 modem driver (core/device/drivers/nrf91) and the modem simulator (sim/nrf91) share:
 * the CBOR/COSE formats of %KEYGEN and %ATTESTTOKEN and the +CME ERROR numbers. Pure, no Node APIs.
 */
export * from './cbor';
export * from './cose';
export * from './cme';
