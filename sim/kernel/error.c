/* error.c: the one path every cp_error passes through, and the always-on
 * assertion. See include/cpsim/error.h for the contract. */
#include "cpsim/error.h"

#include <gsl/gsl_errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

cp_status cp_error_set(cp_error *err, cp_status status, const char *fmt, ...) {
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
        err->status = status;
    }
    return status;
}

void cp_error_clear(cp_error *err) {
    if (err) {
        err->status = CP_OK;
        err->message[0] = '\0';
    }
}

int cp_status_exit_code(cp_status status) {
    switch (status) {
    case CP_OK:
        return 0;
    case CP_EINPUT:
        return 2;
    case CP_EINTERRUPTED:
        return 75;
    case CP_EINTERNAL:
    case CP_ENOMEM:
    case CP_EIO:
    default:
        return 1;
    }
}

void cp_gsl_errors_off(void) {
    /* gsl_set_error_handler_off is a plain pointer store; calling it from
     * several threads at once stores the same value, which is benign. */
    gsl_set_error_handler_off();
}

void cp_assert_fail(const char *expr, const char *file, int line) {
    fprintf(stderr, "cpsim: internal invariant broken: %s (%s:%d)\n", expr, file, line);
    abort();
}
