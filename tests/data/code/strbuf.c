#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "strbuf.h"

static int strbuf_grow(struct strbuf *sb, size_t extra)
{
    size_t want = sb->len + extra + 1;
    if (want <= sb->cap)
        return 0;
    size_t cap = sb->cap ? sb->cap : 16;
    while (cap < want)
        cap = cap / 2 * 3 + 8;
    char *data = realloc(sb->data, cap);
    if (!data)
        return -1;
    sb->data = data;
    sb->cap = cap;
    return 0;
}

int strbuf_init(struct strbuf *sb, size_t hint)
{
    sb->data = NULL;
    sb->len = sb->cap = 0;
    if (strbuf_grow(sb, hint) < 0)
        return -1;
    sb->data[0] = '\0';
    return 0;
}

int strbuf_append(struct strbuf *sb, const char *text, size_t n)
{
    if (strbuf_grow(sb, n) < 0)
        return -1;
    memcpy(sb->data + sb->len, text, n);
    sb->len += n;
    sb->data[sb->len] = '\0';
    return 0;
}

int strbuf_printf(struct strbuf *sb, const char *fmt, ...)
{
    va_list ap, again;
    va_start(ap, fmt);
    va_copy(again, ap);
    int n = vsnprintf(NULL, 0, fmt, ap); /* measure first: "/*" in a string is no comment */
    va_end(ap);
    if (n < 0 || strbuf_grow(sb, (size_t)n) < 0) {
        va_end(again);
        return -1;
    }
    vsnprintf(sb->data + sb->len, (size_t)n + 1, fmt, again);
    va_end(again);
    sb->len += (size_t)n;
    return n;
}

void strbuf_release(struct strbuf *sb)
{
    free(sb->data);
    sb->data = NULL;
    sb->len = sb->cap = 0;
}
