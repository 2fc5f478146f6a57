/*
 * wb/todo.h: TODO(level, parameters...), the whole body of every stub function.
 *
 * The stubs you start from compile and link; each function only says that it
 * is not written yet. Replace the TODO line with your code.
 */
#ifndef WB_TODO_H
#define WB_TODO_H

/* The build names the exercise (-DWB_EXERCISE="lru_cache"); this is the fallback. */
#ifndef WB_EXERCISE
#define WB_EXERCISE "this exercise"
#endif

/*
 * TODO(level, parameters...) never returns. Inside a test it fails that test,
 * and only that test, with
 *
 *     lru_get: not implemented yet (see exercises/lru_cache/README.md, level 1)
 *
 * In a program of your own (a server, a benchmark) it prints the same line and
 * exits with status 3. The parameters after the level are the function's own,
 * passed along only so that the compiler does not warn that they are unused.
 */
#define TODO(...) wb_not_implemented(__func__, WB_EXERCISE, __FILE__, __LINE__, __VA_ARGS__)

_Noreturn void wb_not_implemented(const char *function, const char *exercise, const char *file,
                                  int line, ...);

#endif /* WB_TODO_H */
