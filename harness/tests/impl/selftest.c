/*
 * selftest.c: the misbehaving code of selftest.h, on purpose.
 */
#include "selftest.h"

#include <stdlib.h>
#include <unistd.h>

#include "wb/todo.h"

int st_add(int a, int b)
{
    return a + b;
}

int st_todo(int a)
{
    TODO(1, a);
}

void st_exit(int status)
{
    exit(status);
}

void st_underscore_exit(int status)
{
    _exit(status);
}

void st_spin(void)
{
    for (volatile unsigned i = 0;; i++) /* unsigned: wrapping is defined, so UBSan stays quiet */
        ;
}

void st_leak(void)
{
    char *volatile p = malloc(64);
    if (p != NULL)
        p[0] = 1;
}

void st_crash(void)
{
    volatile int *volatile p = NULL;
    *p = 1;
}

void st_bump(int *counter)
{
    ++*counter;
}
