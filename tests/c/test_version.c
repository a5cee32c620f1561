/* Smoke test of the C face: the header compiles under strict C11, the
 * library links, and the version it reports is well-formed. The full C
 * golden-vector runner (tests/c/test_golden.c) comes with the C API. */
#include <stdio.h>
#include <string.h>

#include "engagement.h"

int main(void) {
    const char *v = eng_version();
    if (v == NULL || strlen(v) < 5 || strchr(v, '.') == NULL) {
        fprintf(stderr, "eng_version returned a malformed version\n");
        return 1;
    }
    if (ENG_ABI_VERSION < 1) {
        fprintf(stderr, "ENG_ABI_VERSION must be >= 1\n");
        return 1;
    }
    if (eng_abi_version() != ENG_ABI_VERSION) {
        fprintf(stderr, "the library's ABI %u is not the header's %d\n", eng_abi_version(), ENG_ABI_VERSION);
        return 1;
    }
    printf("c: engagement %s, ABI %d\n", v, ENG_ABI_VERSION);
    printf("1 passed, 0 failed\n");
    return 0;
}
