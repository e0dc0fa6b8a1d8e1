/* cpsim/error.h: errors as values.
 *
 * A cp_error carries a status code and a human-readable message. Functions
 * that can fail on bad input or the environment take a `cp_error *` (which may
 * be NULL when the caller does not want the message) and return a status.
 * Broken invariants are not errors: they are assertions (CP_ASSERT), which
 * stay on in every build because a silently wrong simulation is worse than a
 * stopped one.
 *
 * Status codes map one-to-one onto the command line's exit codes (see
 * MODEL.md section 4), so a message never has to be re-classified on its way
 * up: CP_EINPUT is "bad input, do not retry" (exit 2), CP_EINTERRUPTED is
 * "interrupted, retry" (exit 75), everything else is exit 1.
 */
#ifndef CPSIM_ERROR_H
#define CPSIM_ERROR_H

#include <stddef.h>

typedef enum cp_status {
    CP_OK = 0,
    CP_EINTERNAL = 1,     /* a bug or an unexpected failure */
    CP_EINPUT = 2,        /* bad scenario, command line or file: do not retry */
    CP_ENOMEM = 3,        /* allocation failed */
    CP_EIO = 4,           /* reading or writing a file failed */
    CP_EINTERRUPTED = 75  /* stopped by a signal; a rerun resumes */
} cp_status;

#define CP_ERROR_MESSAGE_MAX 1024

typedef struct cp_error {
    cp_status status;
    char message[CP_ERROR_MESSAGE_MAX];
} cp_error;

/* Records status and a printf-style message in err (if err is non-NULL) and
 * returns status, so callers can write `return cp_error_set(err, ...)`.
 * This is the one place every error passes through: put a breakpoint here. */
cp_status cp_error_set(cp_error *err, cp_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Clears err to CP_OK with an empty message. */
void cp_error_clear(cp_error *err);

/* The exit code the command line uses for a status (0, 1, 2 or 75). */
int cp_status_exit_code(cp_status status);

/* Switches GSL's default handler (which aborts) off, so GSL failures come
 * back as return codes we check. Idempotent; called by every constructor
 * that hands out GSL objects. */
void cp_gsl_errors_off(void);

/* Assertion that stays on in Release builds. */
void cp_assert_fail(const char *expr, const char *file, int line) __attribute__((noreturn));
#define CP_ASSERT(expr) ((expr) ? (void)0 : cp_assert_fail(#expr, __FILE__, __LINE__))

#endif
