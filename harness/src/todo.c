/*
 * todo.c: the message behind TODO(); the back end decides what failing means.
 */
#include "wb/todo.h"
#include "wb/fail.h"

#include <stdarg.h>
#include <stdio.h>

_Noreturn void wb_not_implemented(const char *function, const char *exercise, const char *file,
                                  int line, ...)
{
    va_list ap;
    va_start(ap, line);
    int level = va_arg(ap, int); /* the rest are the stub's parameters, unused on purpose */
    va_end(ap);

    char message[256];
    snprintf(message, sizeof message,
             "%s: not implemented yet (see exercises/%s/README.md, level %d)", function, exercise,
             level);
    wb_fail_test(file, line, message);
}
