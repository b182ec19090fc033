/* md5.h — MD5 for libisofs, hashed beside the image writer.
 *
 * libisofs hashes every byte it writes twice (the file's MD5 and the
 * session's) on its single writer thread, with its own MD5 code; that was
 * the critical path of a commit of big files. libisofs reaches that code
 * only through its exported iso_md5_start/compute/clone/end, which it calls
 * through its PLT, so the daemon defines those four functions itself (and
 * exports them from the executable): each context batches the bytes it is
 * given into 1 MiB buffers that a pool of hashing threads feeds to
 * libcrypto's MD5, so the file and the session MD5 run on other cores than
 * the writer. The results are the same bytes as before: the digest of the
 * same data in the same order.
 *
 * Until md5_offload_ready() has proved, once per process, that libisofs
 * really calls these functions and gets right sums from them, every
 * context hashes inline on its caller's thread (libcrypto, no threads), as
 * it does for good when the proof fails or BURNFS_MD5_OFFLOAD=off.
 *
 * Thread-safety: different contexts may be used on different threads at
 * once; one context is used by one thread at a time (as libisofs does).
 */
#ifndef BURNFS_MD5_H
#define BURNFS_MD5_H

#include <stdbool.h>

/* Decide once per process how MD5 contexts hash: run the self-test (an
 * iso_file_make_md5 over a memory stream and known vectors) unless
 * BURNFS_MD5_OFFLOAD=off, and log the outcome once. Call it after the
 * libraries are initialized and after daemonizing (it may start threads);
 * later calls return at once. Safe from any thread. */
void md5_offload_ready(void);

/* true once md5_offload_ready() chose hashing threads. */
bool md5_offload_active(void);

/* Stop the hashing threads (the unit tests; the daemon lets them idle
 * until it exits): waits for queued work; contexts started afterwards
 * hash inline. */
void md5_offload_shutdown(void);

#endif
