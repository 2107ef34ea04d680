/* as-agent internals: the line (PTY or serial device) and the state file. */
#ifndef AS_AGENT_H
#define AS_AGENT_H

#include <stddef.h>
#include <stdint.h>

#include "as_ports.h"

/** The serial line the agent serves. */
typedef struct agent_line {
  int fd;       /* read/write end: the PTY master or the serial device */
  int hold_fd;  /* PTY: the agent keeps the slave open so a closing station does not hang it up */
  char path[256];
} agent_line;

/** Creates a PTY in raw mode; its slave path goes to line->path. Returns 0 or -1 (errno set). */
int agent_pty_open(agent_line *line);
/** Opens a serial device raw 8N1 at `baud`, no flow control. Returns 0 or -1 (errno set). */
int agent_serial_open(agent_line *line, const char *path, unsigned baud);
/** Fills the transport and clock ports for the line. */
void agent_line_ports(agent_line *line, as_transport_port *t, as_clock_port *c);
/** Waits up to `ms` for input. */
void agent_line_wait(agent_line *line, int ms);

/** The state file (storage port): items in memory, the whole file rewritten atomically per change. */
typedef struct agent_store agent_store;
/** Loads (or starts) the state file. NULL and a reason in `err` when it cannot be read. */
agent_store *agent_store_open(const char *path, char *err, size_t err_len);
void agent_store_port(agent_store *s, as_storage_port *port);
void agent_store_close(agent_store *s);

#endif
