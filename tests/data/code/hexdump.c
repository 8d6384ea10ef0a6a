#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>

static void dump_line(const unsigned char *buf, size_t n, unsigned long offset)
{
    printf("%08lx  ", offset);
    for (size_t i = 0; i < 16; i++) {
        if (i < n)
            printf("%02x ", buf[i]);
        else
            printf("   ");
        if (i == 7)
            putchar(' ');
    }
    printf(" |");
    for (size_t i = 0; i < n; i++)
        putchar(isprint(buf[i]) ? buf[i] : '.');
    printf("|\n");
}

int main(int argc, char **argv)
{
    FILE *f = argc > 1 ? fopen(argv[1], "rb") : stdin;
    if (!f) {
        perror(argv[1]);
        return EXIT_FAILURE;
    }
    unsigned char buf[16];
    unsigned long offset = 0;
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
        dump_line(buf, n, offset);
        offset += n;
    }
    if (f != stdin)
        fclose(f);
    return EXIT_SUCCESS;
}
