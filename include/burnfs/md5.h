/* md5.h — MD5 for libisofs, hashed beside the image writer; a staged
 * file's MD5 taken once it is written, kept with it and recorded by
 * libisofs without hashing the file again.
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
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

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

/* --- A staged file's MD5, taken once it is written and closed (md5run.c) ---
 * The MD5 of bytes given in order, with libcrypto, on the caller's thread.
 * One thread at a time per run. md5_run_new: NULL when out of memory.
 * md5_run_digest: the MD5 of the bytes so far, the run going on; 0 or
 * -EIO (libcrypto failed) / -ENOMEM. */
struct md5run;
struct md5run *md5_run_new(void);
void md5_run_add(struct md5run *r, const void *data, size_t len);
int md5_run_digest(const struct md5run *r, unsigned char out[16]);
void md5_run_free(struct md5run *r);

/* --- ... kept with the data file (stored.c) ---
 * put: record that the file's first `size` bytes (its whole content) have
 * MD5 md5, for this boot; 0, -ENOTSUP (no user xattrs there, or no boot
 * id) or -errno. Store only once every byte is in the file, and clear
 * before any change to the file other than bytes added at its end.
 * clear: 1 a record was removed, 0 none was there (or none can be), or
 * -errno (then one may still be there). get: 1 and md5 when the record is
 * for `size` bytes and this boot, else 0. */
int md5_stored_put(int fd, uint64_t size, const unsigned char md5[16]);
int md5_stored_clear(int fd);
int md5_stored_get(int fd, uint64_t size, unsigned char md5[16]);

/* --- ... recorded by libisofs without hashing the file again (claim.c) ---
 * For a stream over the data file at path (dev, ino) whose content of
 * `size` bytes has MD5 md5. md5_claim_new: one reference, or NULL (out of
 * memory: the stream offers nothing). The stream calls, on the thread
 * that reads it: md5_claim_opened at each open, md5_claim_handed for every
 * read (dst and n: where its bytes went and how many, 0 at the end),
 * md5_claim_closed at each close; md5_claim_unref when it is freed (NULL is
 * fine). libisofs's next MD5 context on that thread then records md5 if
 * it is given exactly those bytes, in order, all of them; otherwise it
 * hashes them as usual. md5_claims_used: MD5s recorded that way so far. */
struct md5claim;
struct md5claim *md5_claim_new(const char *path, dev_t dev, ino_t ino,
			      uint64_t size, const unsigned char md5[16]);
void md5_claim_opened(struct md5claim *c);
void md5_claim_handed(struct md5claim *c, const void *dst, size_t n);
void md5_claim_closed(struct md5claim *c);
void md5_claim_unref(struct md5claim *c);
unsigned long md5_claims_used(void);

#endif
