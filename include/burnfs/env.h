/* env.h — the daemon's tuning knobs from its environment (BURNFS_*). */
#ifndef BURNFS_ENV_H
#define BURNFS_ENV_H

#include <stdint.h>

/* The whole number in the environment variable name; dflt when it is
 * unset, empty or anything but decimal digits. */
uint64_t env_u64(const char *name, uint64_t dflt);

#endif
