/* as-agent command line. */
#ifndef AS_AGENT_OPTIONS_H
#define AS_AGENT_OPTIONS_H

#include <stddef.h>
#include <stdint.h>

typedef struct agent_options {
  const char *serial;   /* NULL: create a PTY */
  unsigned baud;
  const char *link;     /* symlink to the PTY */
  const char *state_path;
  int use_psa;
  const char *psa_dir;
  const char *module, *token, *key_label;
  char pin[128];        /* from AS_AGENT_PIN or --pin-file, never from the command line */
  const char *model, *uid, *firmware;
  uint8_t algs[3];
  uint8_t alg_count;
  unsigned max_frame;
  size_t msg_size;
  int asset_token;
  int refuse_when_locked;
} agent_options;

#define AGENT_USAGE                                                                                \
  "usage: as-agent (--pty [--link PATH] | --serial DEV [--baud N]) --state FILE --uid UID\n"       \
  "                (--pkcs11-module LIB --token-label LABEL [--pin-file FILE] | --psa [--psa-dir DIR])\n" \
  "                [--model M] [--firmware V] [--algs ECDSA-P256,RSA-2048,RSA-3072]\n"              \
  "                [--max-frame 256..8192] [--msg-size BYTES] [--no-asset-token]\n"              \
  "                [--refuse-when-locked] [--key-label PREFIX]\n"                                   \
  "PIN: environment variable AS_AGENT_PIN, or the first line of --pin-file.\n"

/** Parses argv; 0 on success, -1 with a reason in `err`. */
int agent_parse_options(int argc, char **argv, agent_options *o, char *err, size_t err_len);

#endif
