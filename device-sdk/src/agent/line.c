/*
 * The agent's serial line: a PTY it creates itself (tests, or bridging with socat) or a serial
 * device (a USB gadget port /dev/ttyGS0 on a kiosk). Raw 8N1, no flow control, non-blocking.
 * Writes never block for long: when nobody reads the line for a second, output is dropped,
 * as a UART without a listener would drop it.
 */
#define _XOPEN_SOURCE 700
#define _DEFAULT_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"

static int make_raw(int fd, speed_t speed) {
  struct termios t;
  if (tcgetattr(fd, &t) != 0) return -1;
  cfmakeraw(&t);
  t.c_cflag |= CLOCAL | CREAD;
  t.c_cflag &= ~(tcflag_t)(CRTSCTS | CSTOPB | PARENB | HUPCL);
  t.c_cc[VMIN] = 0;
  t.c_cc[VTIME] = 0;
  if (speed) {
    cfsetispeed(&t, speed);
    cfsetospeed(&t, speed);
  }
  return tcsetattr(fd, TCSANOW, &t);
}

int agent_pty_open(agent_line *line) {
  const char *name;
  line->fd = posix_openpt(O_RDWR | O_NOCTTY);
  if (line->fd < 0) return -1;
  if (grantpt(line->fd) != 0 || unlockpt(line->fd) != 0 || (name = ptsname(line->fd)) == NULL) goto fail;
  snprintf(line->path, sizeof line->path, "%s", name);
  line->hold_fd = open(line->path, O_RDWR | O_NOCTTY);
  if (line->hold_fd < 0 || make_raw(line->hold_fd, 0) != 0) goto fail;
  if (fcntl(line->fd, F_SETFL, O_NONBLOCK) != 0) goto fail;
  return 0;
fail:
  close(line->fd);
  return -1;
}

static speed_t speed_of(unsigned baud) {
  switch (baud) {
    case 9600: return B9600;
    case 19200: return B19200;
    case 38400: return B38400;
    case 57600: return B57600;
    case 115200: return B115200;
    case 230400: return B230400;
    case 460800: return B460800;
    case 921600: return B921600;
    default: return 0;
  }
}

int agent_serial_open(agent_line *line, const char *path, unsigned baud) {
  speed_t sp = speed_of(baud);
  if (!sp) {
    errno = EINVAL;
    return -1;
  }
  line->hold_fd = -1;
  snprintf(line->path, sizeof line->path, "%s", path);
  line->fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK);
  if (line->fd < 0) return -1;
  if (make_raw(line->fd, sp) != 0) {
    close(line->fd);
    return -1;
  }
  return 0;
}

static size_t line_read(void *ctx, uint8_t *buf, size_t cap) {
  agent_line *l = (agent_line *)ctx;
  ssize_t n = read(l->fd, buf, cap);
  return n > 0 ? (size_t)n : 0;
}

static void line_write(void *ctx, const uint8_t *data, size_t len) {
  agent_line *l = (agent_line *)ctx;
  while (len) {
    ssize_t n = write(l->fd, data, len);
    if (n > 0) {
      data += n;
      len -= (size_t)n;
    } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      struct pollfd p;
      p.fd = l->fd;
      p.events = POLLOUT;
      if (poll(&p, 1, 1000) <= 0) return; /* nobody reads: drop, like a UART */
    } else {
      return;
    }
  }
}

static uint32_t line_now(void *ctx) {
  struct timespec ts;
  (void)ctx;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint32_t)((uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u);
}

void agent_line_ports(agent_line *line, as_transport_port *t, as_clock_port *c) {
  t->ctx = line;
  t->read = line_read;
  t->write = line_write;
  c->ctx = line;
  c->now_ms = line_now;
}

void agent_line_wait(agent_line *line, int ms) {
  struct pollfd p;
  p.fd = line->fd;
  p.events = POLLIN;
  if (poll(&p, 1, ms) > 0 && (p.revents & (POLLHUP | POLLERR)) && !(p.revents & POLLIN)) {
    struct timespec ts = {0, 50 * 1000 * 1000}; /* no reader on a PTY: do not spin */
    nanosleep(&ts, NULL);
  }
}
