/* serve_page.h: the live page's assets, embedded in the binary.
 *
 * Contract: the server answers only for the paths listed here (plus its
 * JSON API); there is no filesystem access at all, so no path can reach a
 * file. Assets are static strings, never modified, served with the content
 * type given.
 */
#ifndef CPSIM_CLI_SERVE_PAGE_H
#define CPSIM_CLI_SERVE_PAGE_H

#include <stddef.h>

typedef struct serve_asset {
    const char *path; /* exact request path, e.g. "/app.js" */
    const char *content_type;
    const char *body; /* NUL-terminated */
} serve_asset;

/* The asset for an exact path, or NULL. /report.css is the report's own
 * style sheet (cp_html_style), so the page and the report look alike. */
const serve_asset *serve_asset_find(const char *path);

#endif
