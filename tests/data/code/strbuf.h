#ifndef STRBUF_H
#define STRBUF_H

#include <stddef.h>
#include <stdarg.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A growable, always NUL-terminated string. */
struct strbuf {
    char *data;
    size_t len;
    size_t cap;
};

int strbuf_init(struct strbuf *sb, size_t hint);
int strbuf_append(struct strbuf *sb, const char *text, size_t n);
int strbuf_printf(struct strbuf *sb, const char *fmt, ...);
void strbuf_release(struct strbuf *sb);

#ifdef __cplusplus
}
#endif

#endif /* STRBUF_H */
