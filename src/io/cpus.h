/* How many threads the machine runs at once (a server's "one worker per
 * core"), so the layers above io never ask libuv. */
#ifndef SIO_IO_CPUS_H
#define SIO_IO_CPUS_H

/* The number of CPUs this process may use (its affinity mask, cgroup
 * quota aside), at least 1. Any thread. */
unsigned sio__io_cpu_count(void);

#endif
