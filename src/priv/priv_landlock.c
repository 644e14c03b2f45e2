/* Landlock (issue 13) for the process that talks to the CA and the DNS
 * servers: once its keys are in the keys process and its hooks in the
 * hooks process, it may read the system's files (libraries, the CA bundle,
 * the resolver's, NSS's and GnuTLS's settings) and read and write beneath
 * the directories it writes (--state-dir, the output directories), and
 * nothing else: a TSIG key file elsewhere, /etc/shadow or a home
 * directory cannot be opened, and nothing can be executed.
 *
 * Raw system calls: glibc 2.36 has no wrappers. The rights handled are
 * those of the kernel's ABI version (1: files, 2: REFER, 3: TRUNCATE);
 * device ioctls (ABI 5) stay unhandled so that a terminal works. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "acmeup/error.h"
#include "acmeup/log.h"
#include "acmeup/priv.h"

#ifndef LANDLOCK_ACCESS_FS_REFER
#define LANDLOCK_ACCESS_FS_REFER (1ULL << 13)
#endif
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif

#define FS_READ (LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR)
#define FS_WRITE (LANDLOCK_ACCESS_FS_WRITE_FILE | \
	LANDLOCK_ACCESS_FS_REMOVE_DIR | LANDLOCK_ACCESS_FS_REMOVE_FILE | \
	LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_REG | \
	LANDLOCK_ACCESS_FS_REFER | LANDLOCK_ACCESS_FS_TRUNCATE)

/* What the C library, libcurl, GnuTLS and ldns read during a run. A path
 * that does not exist here is left out. */
static const char *const system_ro[] = {
	"/usr", "/lib", "/lib64", "/lib32", "/etc/ld.so.cache",
	"/etc/ssl", "/etc/pki", "/etc/ca-certificates", "/etc/pkcs11",
	"/etc/gnutls", "/etc/crypto-policies", "/etc/hosts",
	"/etc/resolv.conf", "/run/systemd/resolve", "/run/resolvconf",
	"/etc/nsswitch.conf", "/etc/host.conf", "/etc/gai.conf",
	"/etc/services", "/etc/protocols", "/etc/passwd", "/etc/group",
	"/etc/localtime", "/proc", "/sys/devices/system/cpu",
	"/dev/null", "/dev/urandom", "/dev/random",
};

static long
ruleset_new(__u64 handled)
{
	struct landlock_ruleset_attr attr = { .handled_access_fs = handled };

	return syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0);
}

/* Allow access beneath path (a file: on it); a path missing or out of
 * reach is skipped. 0, or the errno. */
static int
allow(int rs, const char *path, __u64 access, __u64 handled)
{
	struct landlock_path_beneath_attr pb = { 0 };
	struct stat st;
	int fd = open(path, O_PATH | O_CLOEXEC), err = 0;

	if (fd < 0) /* missing, or not ours to see: not readable then */
		return errno == ENOENT || errno == ENOTDIR || errno == EACCES ?
		    0 : errno;
	pb.parent_fd = fd;
	pb.allowed_access = access & handled;
	if (fstat(fd, &st) == 0 && !S_ISDIR(st.st_mode)) /* files: no dir right */
		pb.allowed_access &= ~(__u64)(LANDLOCK_ACCESS_FS_READ_DIR |
		    LANDLOCK_ACCESS_FS_REMOVE_DIR | LANDLOCK_ACCESS_FS_REMOVE_FILE |
		    LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_REG |
		    LANDLOCK_ACCESS_FS_REFER);
	if (syscall(SYS_landlock_add_rule, rs, LANDLOCK_RULE_PATH_BENEATH,
	    &pb, 0) != 0)
		err = errno;
	close(fd);
	return err;
}

static __u64
handled_rights(long abi)
{
	__u64 h = FS_READ | FS_WRITE | LANDLOCK_ACCESS_FS_EXECUTE |
	    LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_SOCK |
	    LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_BLOCK |
	    LANDLOCK_ACCESS_FS_MAKE_SYM;

	if (abi < 2)
		h &= ~(__u64)LANDLOCK_ACCESS_FS_REFER;
	if (abi < 3)
		h &= ~(__u64)LANDLOCK_ACCESS_FS_TRUNCATE;
	return h;
}

static int
add_all(int rs, const char *const *paths, size_t n, __u64 access,
        __u64 handled)
{
	size_t i;
	int err;

	for (i = 0; i < n; i++) {
		if (paths[i] == NULL)
			continue;
		err = allow(rs, paths[i], access, handled);
		if (err != 0)
			return acmeup_fail(ACMEUP_EIO, "Landlock: %s: %s",
			    paths[i], strerror(err));
	}
	return 0;
}

int
priv_landlock(const char *const *rw, size_t n_rw, const char *const *ro,
              size_t n_ro)
{
	long abi = syscall(SYS_landlock_create_ruleset, NULL, 0,
	    LANDLOCK_CREATE_RULESET_VERSION);
	__u64 handled;
	long rs;
	int rc;

	if (abi < 1 && (errno == ENOSYS || errno == EOPNOTSUPP))
		return acmeup_fail(ACMEUP_EIO, "Landlock: the kernel offers "
		    "none (%s), so the files this process may open are not "
		    "restricted", strerror(errno));
	if (abi < 1)
		return acmeup_fail(ACMEUP_EIO, "Landlock: refused (%s; a system "
		    "call filter of a container or of systemd?), so the files "
		    "this process may open are not restricted", strerror(errno));
	handled = handled_rights(abi);
	rs = ruleset_new(handled);
	if (rs < 0)
		return acmeup_fail(ACMEUP_EIO, "Landlock: cannot make a "
		    "ruleset: %s", strerror(errno));
	rc = add_all((int)rs, system_ro, sizeof(system_ro) /
	    sizeof(system_ro[0]), FS_READ, handled);
	if (rc == 0)
		rc = add_all((int)rs, ro, n_ro, FS_READ, handled);
	if (rc == 0)
		rc = add_all((int)rs, rw, n_rw, FS_READ | FS_WRITE, handled);
	if (rc == 0 && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		rc = acmeup_fail(ACMEUP_EIO, "Landlock: no_new_privs: %s",
		    strerror(errno));
	if (rc == 0 && syscall(SYS_landlock_restrict_self, (int)rs, 0) != 0)
		rc = acmeup_fail(ACMEUP_EIO, "Landlock: the kernel refused the "
		    "ruleset: %s", strerror(errno));
	close((int)rs);
	if (rc == 0 && n_rw == 0)
		log_debug("privsep: Landlock (ABI %ld): this process reads "
		    "system files only, and writes none", abi);
	else if (rc == 0)
		log_debug("privsep: Landlock (ABI %ld): this process reads "
		    "system files, and writes beneath %zu directories only",
		    abi, n_rw);
	return rc;
}
