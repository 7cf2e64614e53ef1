/* A cluster adapter with its own recovery store, for testing the adapter
 * interface's persist_session / restore_session / offsets
 * (conformance_server --recovery-adapter): it stands for a store every
 * server of a cluster would share. */
#ifndef CONFORMANCE_RECOVERY_ADAPTER_H
#define CONFORMANCE_RECOVERY_ADAPTER_H

#include "sio/server.h"

/* Installs it on srv (before clients connect). 0 or an error. */
int recovery_adapter_install(sio_server_t *srv);

#endif
