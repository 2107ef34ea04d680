/**
 * `+CME ERROR: <n>` numbers the nRF91 security commands return (Nordic AT command reference, %CMNG and
 * %KEYGEN set commands; URLs in docs/nrf91.md).
 */
export const CME = {
  NOT_FOUND: 513,
  NOT_ALLOWED: 514,
  MEMORY_FULL: 515,
  ACTIVE_STATE: 518,
  EXISTS: 519,
  KEYGEN_FAILED: 523,
  /** Not allowed while the modem's power-off warning (%XPOFWARN, low supply voltage) is active. */
  POWER_OFF_WARNING: 528,
} as const;
