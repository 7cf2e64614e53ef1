#include "io/cpus.h"

#include <uv.h>

unsigned sio__io_cpu_count(void) {
  unsigned n = uv_available_parallelism();
  return n ? n : 1;
}
