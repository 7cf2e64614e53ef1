/* The allocator every libsio file uses (never malloc/free directly), so
 * sio_replace_allocator() reaches all of it. Out of memory returns NULL;
 * callers turn that into SIO_ENOMEM, never abort(). */
#ifndef SIO_CORE_ALLOC_H
#define SIO_CORE_ALLOC_H

#include <stddef.h>

void *sio__malloc(size_t size);
void *sio__realloc(void *ptr, size_t size);
/* Checks count*size for overflow (returns NULL). */
void *sio__calloc(size_t count, size_t size);
void sio__free(void *ptr);
/* Copies n bytes and adds a NUL; NULL on out of memory. */
char *sio__strndup(const char *s, size_t n);
char *sio__strdup(const char *s);

#endif
